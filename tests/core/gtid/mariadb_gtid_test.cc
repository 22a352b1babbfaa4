#include "core/gtid/mariadb_gtid.h"

#include "gtest/gtest.h"

namespace binsync {
namespace {

TEST(MariaDbGtidTest, ParseFormatAndOwnEntriesDropped) {
  auto pos = ParseMariaDbGtidPos("1-1-100,2-1-7,2-2-50,3-9-1");
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_EQ(FormatMariaDbGtidPos(*pos), "1-1-100,2-1-7,2-2-50,3-9-1");
  // Server 2 in domain 2 waits for neither its own writes nor what was applied in its domain.
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutOwn(*pos, 2, 2)), "1-1-100,3-9-1");
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutOwn(*pos, 2, std::nullopt)), "1-1-100,2-1-7,3-9-1");
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutServer(*pos, 1)), "2-2-50,3-9-1");
  EXPECT_FALSE(ParseMariaDbGtidPos("1-x-3").ok());
}

// verify rechecks a differing chunk only while the two GTID states may still converge.
TEST(MariaDbGtidTest, MayStillConverge) {
  const GtidSide master{"1-1-100", false, 1};
  // Equal: nothing in flight.
  EXPECT_FALSE(MayStillConverge(master, GtidSide{"1-1-100", true, 2}));
  // The replica is behind in the master's domain and replicates: in flight.
  EXPECT_TRUE(MayStillConverge(master, GtidSide{"1-1-99", true, 2}));
  // ... and not when it does not replicate (broken replication: a real difference).
  EXPECT_FALSE(MayStillConverge(master, GtidSide{"1-1-99", false, 2}));
  // The replica is ahead in the master's own domain: the master wrote more after its read.
  EXPECT_TRUE(MayStillConverge(master, GtidSide{"1-1-101", true, 2}));
  // The replica's local writes (its domain 2) that the master never receives: settled.
  EXPECT_FALSE(MayStillConverge(master, GtidSide{"1-1-100,2-2-1", true, 2}));
  // ... unless the master replicates from it (master-master): in flight.
  EXPECT_TRUE(MayStillConverge(GtidSide{"1-1-100", true, 1}, GtidSide{"1-1-100,2-2-1", true, 2}));
  // Unparsable (MySQL GTID sets): in flight unless equal.
  EXPECT_TRUE(MayStillConverge(GtidSide{"uuid:1-5", false, {}}, GtidSide{"uuid:1-4", true, {}}));
  EXPECT_FALSE(MayStillConverge(GtidSide{"uuid:1-5", false, {}}, GtidSide{"uuid:1-5", true, {}}));
}

}  // namespace
}  // namespace binsync
