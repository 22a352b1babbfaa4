#include "core/util/progress.h"

#include <chrono>

#include "gtest/gtest.h"

namespace binsync {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ProgressLineTest, LogLinesComeEveryLogInterval) {
  ProgressLine line(/*on_terminal=*/false, milliseconds(250), seconds(10));
  const Clock::time_point t0 = Clock::now();
  EXPECT_FALSE(line.Due(t0 + seconds(1)));  // a log line is not due at once
  EXPECT_TRUE(line.Due(t0 + seconds(11)));
  line.Show("first", t0 + seconds(11));
  EXPECT_FALSE(line.Due(t0 + seconds(12)));  // Show restarts the interval
  EXPECT_TRUE(line.Due(t0 + seconds(21) + milliseconds(1)));
  EXPECT_DOUBLE_EQ(line.SecondsSinceShown(t0 + seconds(13)), 2.0);
}

TEST(ProgressLineTest, ATerminalLineIsDrawnAtOnceThenEveryTerminalInterval) {
  ProgressLine line(/*on_terminal=*/true, milliseconds(250), seconds(10));
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(line.Due(t0));  // nothing drawn yet
  line.Show("first", t0);
  EXPECT_FALSE(line.Due(t0 + milliseconds(100)));
  EXPECT_TRUE(line.Due(t0 + milliseconds(250)));
  line.Clear();  // erased: the next one is drawn at once
  EXPECT_TRUE(line.Due(t0 + milliseconds(1)));
}

}  // namespace
}  // namespace binsync
