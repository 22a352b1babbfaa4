#include "core/verify/settle.h"

#include "gtest/gtest.h"

namespace binsync {
namespace {

RowReads Reads(bool previous, bool unchanged, CatchUp a = CatchUp::kCaughtUp,
               CatchUp b = CatchUp::kCaughtUp, bool last = false) {
  return RowReads{previous, unchanged, a, b, last};
}

TEST(SettleRowTest, OneReadIsNeverEnough) {
  EXPECT_EQ(SettleRow(Reads(false, false)), Settle::kWait);
  EXPECT_EQ(SettleRow(Reads(false, false, CatchUp::kCaughtUp, CatchUp::kCaughtUp, true)),
            Settle::kWait);
}

TEST(SettleRowTest, SameImagesAfterBothCaughtUpIsSettled) {
  EXPECT_EQ(SettleRow(Reads(true, true)), Settle::kSettled);
}

// The false differences of the Trust issue: B had not applied A's writes within the wait,
// the rows read the same twice, and they were reported. A stall that touches the row
// leaves it unsettled, whatever the images.
TEST(SettleRowTest, StalledSideWhoseBacklogTouchesTheRowIsUnsettled) {
  for (bool unchanged : {true, false}) {
    for (bool last : {true, false}) {
      EXPECT_EQ(SettleRow(Reads(true, unchanged, CatchUp::kCaughtUp, CatchUp::kStalledTouched, last)),
                Settle::kUnsettled);
      EXPECT_EQ(SettleRow(Reads(true, unchanged, CatchUp::kStalledTouched, CatchUp::kCaughtUp, last)),
                Settle::kUnsettled);
    }
  }
}

// A real difference beside a lag: nothing the stalled side lacks touches the row.
TEST(SettleRowTest, StalledSideWhoseBacklogMissesTheRowStillSettles) {
  EXPECT_EQ(SettleRow(Reads(true, true, CatchUp::kCaughtUp, CatchUp::kStalledUntouched)),
            Settle::kSettled);
  EXPECT_EQ(SettleRow(Reads(true, true, CatchUp::kStalledUntouched, CatchUp::kStalledUntouched)),
            Settle::kSettled);
}

// Issue 19: A's channel from B stopped on a 1062, B wrote on; verify --repair settled B's
// new rows at once (A "caught up": it replicated nothing) and reverted them. A broken
// side's backlog is read at once: a row it touches is unsettled from the first read...
TEST(SettleRowTest, BrokenSideWhoseBacklogTouchesTheRowIsUnsettledAtTheFirstRead) {
  for (bool live : {true, false}) {
    RowReads r = Reads(false, false, CatchUp::kStalledTouched, CatchUp::kCaughtUp);
    r.live = live;
    EXPECT_EQ(SettleRow(r), Settle::kUnsettled) << live;
    r = Reads(false, false, CatchUp::kCaughtUp, CatchUp::kStalledTouched);
    r.live = live;
    EXPECT_EQ(SettleRow(r), Settle::kUnsettled) << live;
  }
}

// ... and one it does not touch is a real difference: settled by one read when nothing
// replicates any more, by two (as before) while the other channel runs.
TEST(SettleRowTest, BrokenSideWhoseBacklogMissesTheRowSettles) {
  RowReads r = Reads(false, false, CatchUp::kStalledUntouched, CatchUp::kCaughtUp);
  r.live = false;
  EXPECT_EQ(SettleRow(r), Settle::kSettled);
  r.live = true;
  EXPECT_EQ(SettleRow(r), Settle::kWait);
  r = Reads(true, true, CatchUp::kStalledUntouched, CatchUp::kCaughtUp);
  EXPECT_EQ(SettleRow(r), Settle::kSettled);
}

TEST(SettleRowTest, WithoutReplicationOneReadSettles) {
  RowReads r = Reads(false, false);
  r.live = false;
  EXPECT_EQ(SettleRow(r), Settle::kSettled);
}

ReplicationChannel Chan(uint32_t source_id, const char* sql_running, int sql_errno,
                        const char* name = "") {
  ReplicationChannel c;
  c.name = name;
  c.source_host = "127.0.0.1";
  c.source_port = 3307;
  c.source_server_id = source_id;
  c.sql_running = sql_running;
  c.last_sql_errno = sql_errno;
  if (sql_errno != 0) c.last_sql_error = "Duplicate entry '5000' for key 'PRIMARY'";
  return c;
}

TEST(ChannelFromTest, OnlyTheOthersChannelCountsTheWorstWins) {
  EXPECT_EQ(ChannelFrom({}, 2), Channel::kNone);
  EXPECT_EQ(ChannelFrom({Chan(2, "Yes", 0)}, 2), Channel::kRunning);
  EXPECT_EQ(ChannelFrom({Chan(2, "No", 0)}, 2), Channel::kStopped);
  EXPECT_EQ(ChannelFrom({Chan(2, "No", 1062)}, 2), Channel::kBroken);
  // A running SQL thread whose last error is history is running.
  EXPECT_EQ(ChannelFrom({Chan(2, "Yes", 1062)}, 2), Channel::kRunning);
  // A third server's channel does not carry the other's writes.
  EXPECT_EQ(ChannelFrom({Chan(7, "No", 1062)}, 2), Channel::kNone);
  // A source not yet known (not connected since the replica started) counts, to be safe.
  EXPECT_EQ(ChannelFrom({Chan(0, "No", 1062)}, 2), Channel::kBroken);
  const std::vector<ReplicationChannel> two = {Chan(2, "Yes", 0, "x"), Chan(2, "No", 1032, "y"),
                                               Chan(2, "No", 0, "z")};
  const ReplicationChannel* which = nullptr;
  EXPECT_EQ(ChannelFrom(two, 2, &which), Channel::kBroken);
  ASSERT_NE(which, nullptr);
  EXPECT_EQ(which->name, "y");
}

// The decision of issue 19 from each channel's state: a broken side's backlog is read at
// once (its rows are never repaired), a live one's once it stalls, none without a channel
// (a master/replica pair: B's own writes are what a repair of B is asked to undo).
TEST(BacklogScanForTest, BrokenAtOnceLiveWhenStalledNoneNever) {
  EXPECT_EQ(BacklogScanFor(Channel::kNone), BacklogScan::kNever);
  EXPECT_EQ(BacklogScanFor(Channel::kRunning), BacklogScan::kWhenStalled);
  EXPECT_EQ(BacklogScanFor(Channel::kStopped), BacklogScan::kWhenStalled);
  EXPECT_EQ(BacklogScanFor(Channel::kBroken), BacklogScan::kAtOnce);
}

TEST(BrokenPairLineTest, NamesTheChannelItsErrorAndResync) {
  const std::string line = BrokenPairLine("127.0.0.1:3306", "127.0.0.1:3307", Chan(2, "No", 1062));
  EXPECT_EQ(line,
            "the pair is broken: 127.0.0.1:3306's default channel from 127.0.0.1:3307 stopped "
            "on error 1062 (Duplicate entry '5000' for key 'PRIMARY'); the rows it has not "
            "applied from 127.0.0.1:3307's binlog are listed as unsettled, never repaired; "
            "`binsync resync` is the tool for a broken pair");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(SettleRowTest, ARowThatKeepsChangingIsReadAgainThenUnsettled) {
  EXPECT_EQ(SettleRow(Reads(true, false)), Settle::kWait);
  EXPECT_EQ(SettleRow(Reads(true, false, CatchUp::kCaughtUp, CatchUp::kCaughtUp, true)),
            Settle::kUnsettled);
}

using Verdict = CatchUpWatch::Verdict;

TEST(CatchUpWatchTest, CaughtUpAtOnce) {
  CatchUpWatch w(30);
  EXPECT_EQ(w.Begin("1-1-10", 0), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", true, 0.1), Verdict::kCaughtUp);
}

// A lagging replica keeps verify waiting as long as its position moves, however long
// that takes; it stalls only after the budget without any progress.
TEST(CatchUpWatchTest, WaitsWhileProgressingStallsAfterTheBudgetWithout) {
  CatchUpWatch w(5);
  EXPECT_EQ(w.Begin("1-1-10", 0), Verdict::kKeepWaiting);
  for (int t = 1; t <= 60; ++t) {
    EXPECT_EQ(w.Observe("1-1-" + std::to_string(10 + t), false, t), Verdict::kKeepWaiting) << t;
  }
  EXPECT_EQ(w.Observe("1-1-70", false, 64.9), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-70", false, 65.0), Verdict::kStalled);
}

TEST(CatchUpWatchTest, AStallIsRememberedUntilThePositionMoves) {
  CatchUpWatch w(2);
  EXPECT_EQ(w.Begin("1-1-10", 0), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", false, 1), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", false, 2), Verdict::kStalled);
  // The next chunk's wait: still at the same position, no second budget spent.
  EXPECT_EQ(w.Begin("1-1-10", 100), Verdict::kStalled);
  // It moved: a fresh budget from now.
  EXPECT_EQ(w.Begin("1-1-11", 200), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-11", false, 201.5), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-11", false, 202), Verdict::kStalled);
}

// A side idle for long (caught up, position unchanged) starts each wait with a full budget.
TEST(CatchUpWatchTest, IdleTimeBeforeAWaitDoesNotCount) {
  CatchUpWatch w(2);
  EXPECT_EQ(w.Begin("1-1-10", 0), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", true, 0), Verdict::kCaughtUp);
  EXPECT_EQ(w.Begin("1-1-10", 1000), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", false, 1001), Verdict::kKeepWaiting);
  EXPECT_EQ(w.Observe("1-1-10", true, 1001.5), Verdict::kCaughtUp);
}

TEST(InFlightRowsTest, RowsByKeyAndConservativeCases) {
  InFlightRows f;
  EXPECT_TRUE(f.empty());
  f.AddRow("d.t", {"5"});
  f.AddRow("d.s", {"Abc  "});
  EXPECT_FALSE(f.empty());
  EXPECT_TRUE(f.Touches("d.t", {"5"}));
  EXPECT_FALSE(f.Touches("d.t", {"6"}));
  EXPECT_FALSE(f.Touches("d.other", {"5"}));
  // A case-insensitive unique index holds 'abc' and 'ABC ' as one row.
  EXPECT_TRUE(f.Touches("d.s", {"abc"}));
  EXPECT_FALSE(f.Touches("d.s", {"abd"}));
  // Past ASCII the charset and collation decide: touched.
  EXPECT_TRUE(f.Touches("d.s", {"caf\xc3\xa9"}));
  f.AddRow("d.u", {"caf\xe9"});
  EXPECT_TRUE(f.Touches("d.u", {"zzz"}));
  f.AddTable("d.w");
  EXPECT_TRUE(f.Touches("d.w", {"1"}));
  f.AddEverything();
  EXPECT_TRUE(f.Touches("d.other", {"5"}));
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

TEST(BacklogStartTest, PerDomainTheLowerOfTheTwoPositions) {
  // Domain 0: behind applied 0-1-10, ahead binlogged 0-2-15: read from 0-1-10. Domain 1:
  // ahead's position is the lower (its binlog was reset or it is the one behind there).
  EXPECT_EQ(BacklogStart("0-1-10,1-1-30", "0-2-15,1-2-20"), "0-1-10,1-2-20");
}

TEST(BacklogStartTest, DomainOnOneSideOnlyIsLeftOut) {
  EXPECT_EQ(BacklogStart("0-1-10", "0-2-15,5-2-3"), "0-1-10");
  EXPECT_EQ(BacklogStart("0-1-10,7-1-1", "0-2-15"), "0-1-10");
  EXPECT_EQ(BacklogStart("", "0-2-15"), "");
}

TEST(BacklogStartTest, EqualPositionsAndNotMariaDbGtids) {
  EXPECT_EQ(BacklogStart("0-1-10", "0-1-10"), "0-1-10");
  EXPECT_EQ(BacklogStart("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", "0-1-10"), "");
}

}  // namespace
}  // namespace binsync
