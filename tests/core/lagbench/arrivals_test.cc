#include "core/lagbench/arrivals.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

TEST(ArrivalBookTest, FirstStampWinsAndOutOfRangeIsCounted) {
  ArrivalBook book(10);
  EXPECT_FALSE(book.At(3));
  EXPECT_TRUE(book.Stamp(3, 500));
  EXPECT_TRUE(book.Stamp(3, 900));  // seen again (a re-read stream): the first arrival stays
  EXPECT_EQ(*book.At(3), 500);
  EXPECT_TRUE(book.Stamp(10, 0));
  EXPECT_EQ(*book.At(10), 0);
  EXPECT_FALSE(book.Stamp(0, 1));
  EXPECT_FALSE(book.Stamp(11, 1));
  EXPECT_FALSE(book.At(11));
  EXPECT_EQ(book.stamped(), 2u);
  EXPECT_EQ(book.repeats(), 1u);
  EXPECT_EQ(book.out_of_range(), 2u);
}

TEST(ArrivalBookTest, ConcurrentStampsOfDistinctIdsAreAllKept) {
  ArrivalBook book(100000);
  std::vector<std::thread> taps;
  for (int t = 0; t < 4; ++t) {
    taps.emplace_back([&book, t] {
      for (uint64_t id = 1 + t; id <= 100000; id += 4) book.Stamp(id, static_cast<int64_t>(id));
    });
  }
  for (auto& t : taps) t.join();
  EXPECT_EQ(book.stamped(), 100000u);
  for (uint64_t id = 1; id <= 100000; ++id) ASSERT_EQ(book.At(id), static_cast<int64_t>(id));
}

}  // namespace
}  // namespace binsync::lagbench
