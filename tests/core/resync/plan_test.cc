#include "core/resync/plan.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/core/resync/recorded_run.h"

namespace binsync {
namespace {

ServerFacts Healthy(uint32_t id) {
  ServerFacts f;
  f.endpoint = "10.0.0." + std::to_string(id) + ":3306";
  f.server_id = id;
  f.binlog_format = "ROW";
  f.gtid_slave_pos = "1-1-5";
  ReplicationChannel c;
  c.io_running = "Yes";
  c.sql_running = "Yes";
  f.channels.push_back(c);
  return f;
}

RunFacts Fresh() {
  RunFacts f;
  f.from = Healthy(1);
  f.to = Healthy(2);
  f.from_endpoint = "a:1";
  f.to_endpoint = "b:2";
  f.new_run_id = "NEW";
  f.policy = ConflictPolicy::kFromWins;
  return f;
}

ResyncRun Recorded(ResyncStep step) {
  ResyncRun r = RecordedRun(step, "OLD");
  r.from_native.channel = true;
  r.to_native.channel = true;
  return r;
}

// ---- inspect ----

TEST(PlanTest, CheckPairRefusesOneServerIdForBoth) {
  RunFacts f = Fresh();
  f.to.server_id = 1;
  const absl::Status st = CheckPair(f.from, f.to);
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_EQ(st.message(),
            "10.0.0.1:3306 and 10.0.0.2:3306 have the same server_id 1; they cannot be "
            "resynced as a pair");
}

TEST(PlanTest, CheckPairNamesTheServerWhoseBinlogIsNotRow) {
  RunFacts f = Fresh();
  f.to.binlog_format = "MIXED";
  const absl::Status st = CheckPair(f.from, f.to);
  EXPECT_TRUE(absl::IsFailedPrecondition(st));
  EXPECT_EQ(st.message(),
            "10.0.0.2:3306: binlog_format is MIXED; resync reads row events: SET GLOBAL "
            "binlog_format=ROW");
  f.to.binlog_format = "row";  // the server's spelling does not matter
  EXPECT_TRUE(CheckPair(f.from, f.to).ok());
}

TEST(PlanTest, ReplicationErrorsListsBothThreadsOfEveryChannel) {
  ServerFacts f = Healthy(1);
  EXPECT_EQ(ReplicationErrors(f), "");
  f.channels[0].last_sql_errno = 1062;
  f.channels[0].last_sql_error = "Duplicate entry '5'";
  f.channels[0].last_io_errno = 2003;
  f.channels[0].last_io_error = "cannot connect";
  EXPECT_EQ(ReplicationErrors(f),
            "SQL thread error 1062: Duplicate entry '5'; IO thread error 2003: cannot connect; ");
}

TEST(PlanTest, LatestOfCopiesPrefersTheAdvancedCopyThenTheLaterRun) {
  EXPECT_FALSE(LatestOfCopies(std::nullopt, std::nullopt).has_value());
  ResyncRun a = Recorded(ResyncStep::kCatchingUp);
  EXPECT_EQ(LatestOfCopies(a, std::nullopt)->id, "OLD");
  EXPECT_EQ(LatestOfCopies(std::nullopt, a)->id, "OLD");
  ResyncRun ahead = a;
  ahead.step = ResyncStep::kCaughtUp;  // --to written first: one step ahead
  EXPECT_EQ(LatestOfCopies(ahead, a)->step, ResyncStep::kCaughtUp);
  EXPECT_EQ(LatestOfCopies(a, ahead)->step, ResyncStep::kCaughtUp);
  ResyncRun later = Recorded(ResyncStep::kInspected);
  later.id = "LATER";
  later.started = "2026-01-02 00:00:00";
  EXPECT_EQ(LatestOfCopies(a, later)->id, "LATER");  // later start beats a higher step
  later.started = a.started;                           // same second: the id decides
  EXPECT_EQ(LatestOfCopies(later, a)->id, "OLD");      // "OLD" > "LATER"
}

TEST(PlanTest, FreshRunRecordsTheFactsAndStopsBothChannels) {
  absl::StatusOr<RunPlan> p = PlanRun(Fresh());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->resuming);
  EXPECT_EQ(p->run.id, "NEW");
  EXPECT_EQ(p->run_id, "NEW");
  EXPECT_EQ(p->run.policy, "from-wins");
  EXPECT_EQ(p->run.step, ResyncStep::kInspected);
  EXPECT_TRUE(p->run.to_native.channel);
  EXPECT_EQ(p->run.to_native.gtid_slave_pos, "1-1-5");
  EXPECT_TRUE(p->record_new_run);
  EXPECT_TRUE(p->work.replan && p->work.catch_up && p->work.hand_back);
  EXPECT_TRUE(p->stop_from_native && p->stop_to_native);
  EXPECT_TRUE(p->notes.empty());
  EXPECT_EQ(p->resumed_step, "");
}

TEST(PlanTest, AServerWithoutAChannelIsNotStopped) {
  RunFacts f = Fresh();
  f.from.channels.clear();
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->from_channel);
  EXPECT_FALSE(p->stop_from_native);
  EXPECT_TRUE(p->stop_to_native);
  EXPECT_FALSE(p->run.from_native.channel);
}

TEST(PlanTest, AFinishedRunIsHistoryAndANewOneStarts) {
  RunFacts f = Fresh();
  f.latest = Recorded(ResyncStep::kVerified);
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->resuming);
  EXPECT_EQ(p->run.id, "NEW");
  EXPECT_TRUE(p->record_new_run);
}

TEST(PlanTest, ResumedAtEachStepRedoesOnlyWhatIsLeft) {
  struct Case {
    ResyncStep step;
    bool stop, replan, catch_up, hand_back;
  };
  for (const Case& c : {Case{ResyncStep::kInspected, true, true, true, true},
                        Case{ResyncStep::kPlanned, true, false, true, true},
                        Case{ResyncStep::kCatchingUp, true, false, true, true},
                        Case{ResyncStep::kCaughtUp, false, false, false, true},
                        Case{ResyncStep::kHandingBack, false, false, false, true},
                        Case{ResyncStep::kHandedBack, false, false, false, false}}) {
    RunFacts f = Fresh();
    f.latest = Recorded(c.step);
    absl::StatusOr<RunPlan> p = PlanRun(f);
    ASSERT_TRUE(p.ok()) << StepName(c.step);
    EXPECT_TRUE(p->resuming);
    EXPECT_EQ(p->run.id, "OLD");
    EXPECT_EQ(p->run_id, "OLD");
    EXPECT_FALSE(p->record_new_run) << StepName(c.step);
    EXPECT_EQ(p->stop_to_native, c.stop) << StepName(c.step);
    EXPECT_EQ(p->work.replan, c.replan) << StepName(c.step);
    EXPECT_EQ(p->work.catch_up, c.catch_up) << StepName(c.step);
    EXPECT_EQ(p->work.hand_back, c.hand_back) << StepName(c.step);
    EXPECT_EQ(p->resumed_step, StepName(c.step));
    EXPECT_EQ(p->resumed_message, "resumed run OLD from step '" +
                                      std::string(StepName(c.step)) +
                                      "' (started 2026-01-01 12:00:00)");
  }
}

TEST(PlanTest, AResumedRunKeepsTheChannelItsFirstPartFound) {
  // The first part stopped replication and, say, a RESET SLAVE ALL removed the channel:
  // the run still knows there was one (to hand back to).
  RunFacts f = Fresh();
  f.to.channels.clear();
  f.latest = Recorded(ResyncStep::kPlanned);
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->to_channel);
  EXPECT_TRUE(p->stop_to_native);
}

TEST(PlanTest, AnUnfinishedRunUnderAnotherPolicyIsRefused) {
  RunFacts f = Fresh();
  f.policy = ConflictPolicy::kNewestWins;
  f.latest = Recorded(ResyncStep::kCatchingUp);
  absl::StatusOr<RunPlan> p = PlanRun(f);
  EXPECT_TRUE(absl::IsFailedPrecondition(p.status()));
  EXPECT_NE(p.status().message().find("rerun with --conflicts from-wins to finish it"),
            std::string::npos)
      << p.status();
}

TEST(PlanTest, ADryRunNotesAMismatchedRunAndPlansAfresh) {
  RunFacts f = Fresh();
  f.dry_run = true;
  f.from.server_id = 2;  // the other direction
  f.to.server_id = 1;
  f.latest = Recorded(ResyncStep::kCatchingUp);
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->resuming);
  ASSERT_EQ(p->notes.size(), 1u);
  EXPECT_NE(p->notes[0].find("finish it first"), std::string::npos) << p->notes[0];
  EXPECT_EQ(p->run_id, "");
  EXPECT_FALSE(p->record_new_run);
  EXPECT_FALSE(p->stop_from_native || p->stop_to_native);
}

TEST(PlanTest, ADryRunOfAnUnfinishedRunSaysWhosePlanItShows) {
  RunFacts f = Fresh();
  f.dry_run = true;
  f.latest = Recorded(ResyncStep::kPlanned);
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->resuming);
  EXPECT_EQ(p->run_id, "");  // a dry run reports no run
  EXPECT_FALSE(p->stop_to_native);
  ASSERT_EQ(p->notes.size(), 1u);
  EXPECT_EQ(p->notes[0],
            "resync run OLD was interrupted at step 'planned'; a run without --dry-run "
            "finishes it (this plan is that run's)");
  f.latest = Recorded(ResyncStep::kInspected);  // not planned yet: a plan of its own
  p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->notes[0],
            "resync run OLD was interrupted at step 'inspected'; a run without --dry-run "
            "finishes it");
}

// ---- plan ----

TEST(PlanTest, ScanStopKeepsTheFirstPlansEndOrReadsToTheEnd) {
  DirectionState d;
  EXPECT_FALSE(ScanStop(d).has_value());
  d.plan_end = "1-1-57";
  EXPECT_EQ(ScanStop(d), "1-1-57");
}

RowChanges Changes(std::initializer_list<std::pair<uint64_t, uint32_t>> rows) {
  RowChanges c;
  for (const auto& [hash, time] : rows) {
    c.last_change[hash] = time;
    c.name[hash] = "d.t (id=" + std::to_string(hash) + ")";
  }
  return c;
}

TEST(PlanTest, LastChangeNeedsAKeyHashAndALoggedChange) {
  const RowChanges c = Changes({{7, 100}});
  EXPECT_EQ(LastChange(c, 7), 100u);
  EXPECT_FALSE(LastChange(c, 8).has_value());
  EXPECT_FALSE(LastChange(c, std::nullopt).has_value());
  EXPECT_EQ(LastChange(Changes({{0, 0}}), 0), 0u);  // hash 0, time 0: still logged
}

TEST(PlanTest, PredictedConflictsAreTheRowsBothSidesChangedSorted) {
  EXPECT_TRUE(PredictedConflicts({}, {}).empty());
  EXPECT_TRUE(PredictedConflicts(Changes({{1, 5}}), Changes({{2, 5}})).empty());
  EXPECT_EQ(PredictedConflicts(Changes({{3, 5}, {1, 5}, {2, 9}}), Changes({{1, 1}, {3, 1}})),
            (std::vector<std::string>{"d.t (id=1)", "d.t (id=3)"}));
}

// ---- catch up ----

TEST(PlanTest, PurgedNotesNameTheServerAndWhatHappensInstead) {
  ResyncReport r;
  r.from = "a:1";
  r.to = "b:2";
  EXPECT_TRUE(PurgedNotes(r).empty());
  r.to_lacks.purged = true;
  r.to_lacks.purged_message = "gone";
  r.from_lacks.purged = true;
  r.from_lacks.purged_message = "also gone";
  EXPECT_EQ(PurgedNotes(r),
            (std::vector<std::string>{
                "binlog of a:1 needed for catch-up is purged (gone): verify + repair instead",
                "binlog of b:2 needed for catch-up is purged (also gone): its changes since the "
                "divergence cannot be replayed; --to is repaired from --from"}));
}

// ---- hand back ----

TEST(PlanTest, HandbackSidesToFirstWithTheirPositionsAndState) {
  RunFacts f = Fresh();
  f.latest = Recorded(ResyncStep::kHandingBack);
  f.latest->into_to.read_through = "1-1-57";
  f.latest->into_to.handed_back = true;
  f.latest->into_from.read_through = "2-2-9";
  f.from.channels.clear();
  f.latest->from_native.channel = false;
  absl::StatusOr<RunPlan> p = PlanRun(f);
  ASSERT_TRUE(p.ok());
  const std::vector<HandbackSide> sides = HandbackSides(*p);
  ASSERT_EQ(sides.size(), 2u);
  EXPECT_EQ(sides[0].receiver, Side::kTo);
  EXPECT_EQ(sides[0].position, "1-1-57");
  EXPECT_TRUE(sides[0].done && sides[0].channel);
  EXPECT_EQ(sides[1].receiver, Side::kFrom);
  EXPECT_EQ(sides[1].position, "2-2-9");
  EXPECT_FALSE(sides[1].done || sides[1].channel);
}

TEST(PlanTest, HandedBackAlreadyOnlyWhenRunningFromThePositionOrBeyond) {
  ServerFacts f = Healthy(2);
  f.gtid_slave_pos = "1-1-60,2-2-9";
  EXPECT_TRUE(*HandedBackAlready(f, "1-1-57"));
  EXPECT_TRUE(*HandedBackAlready(f, "1-1-60,2-2-9"));
  EXPECT_FALSE(*HandedBackAlready(f, "1-1-61"));
  EXPECT_FALSE(*HandedBackAlready(f, "1-1-57,3-3-1"));  // a domain it has not reached
  f.channels[0].sql_running = "No";
  EXPECT_FALSE(*HandedBackAlready(f, "1-1-57"));
  f.channels.clear();
  EXPECT_FALSE(*HandedBackAlready(f, "1-1-57"));
  ServerFacts bad = Healthy(2);
  bad.gtid_slave_pos = "not a position";
  EXPECT_FALSE(HandedBackAlready(bad, "1-1-57").ok());
}

TEST(PlanTest, HandbackSummaryNativeOrTheStatementsToRun) {
  ResyncRun run = Recorded(ResyncStep::kHandedBack);
  run.into_to.read_through = "1-1-57";
  run.into_from.read_through = "2-2-9";
  EXPECT_EQ(HandbackSummary(Handback::kNative, run, "a:1", "b:2"),
            "native replication running both ways: b:2 from 1-1-57; a:1 from 2-2-9");
  EXPECT_EQ(HandbackSummary(Handback::kNone, run, "a:1", "b:2"),
            "not restarted (--handback none); to resume native replication run\n"
            "  on b:2: STOP SLAVE; SET GLOBAL gtid_slave_pos='1-1-57'; CHANGE MASTER TO "
            "MASTER_USE_GTID=slave_pos; START SLAVE;\n"
            "  on a:1: STOP SLAVE; SET GLOBAL gtid_slave_pos='2-2-9'; CHANGE MASTER TO "
            "MASTER_USE_GTID=slave_pos; START SLAVE;");
}

// ---- verify ----

RowChanges Touched(const std::string& table, std::vector<std::vector<std::string>> keys) {
  RowChanges c;
  c.touched[table] = {{"id"}, std::move(keys)};
  return c;
}

TEST(PlanTest, VerifyNarrowsToTouchedRowsOfBothSides) {
  ResyncReport r;
  r.to_lacks.table_rows = {{"d.t", 2}, {"d.keyless", 1}};
  r.from_lacks.table_rows = {{"d.t", 1}};
  r.conflicts.push_back({"d.c", "(id=1)", "k", "x", "a -> b", "kept"});
  RowChanges from = Touched("d.t", {{"1"}, {"2"}});
  from.whole.insert("d.keyless");
  const RowChanges to = Touched("d.t", {{"2"}});
  const VerifyPlan v = PlanVerify(false, r, from, to);
  EXPECT_TRUE(v.run);
  EXPECT_FALSE(v.every_table);
  EXPECT_EQ(v.tables, (std::vector<std::string>{"d.c", "d.keyless", "d.t"}));
  ASSERT_EQ(v.keys.size(), 1u);  // d.keyless whole, d.c (conflict only) whole
  EXPECT_EQ(v.keys.at("d.t").columns, std::vector<std::string>{"id"});
  EXPECT_EQ(v.keys.at("d.t").keys,
            (std::vector<std::vector<std::string>>{{"1"}, {"2"}, {"2"}}));
  EXPECT_TRUE(v.notes.empty());
}

TEST(PlanTest, VerifyATableWholeWhenEitherSideCouldNotWriteItsKey) {
  ResyncReport r;
  r.to_lacks.table_rows = {{"d.t", 1}};
  RowChanges to;
  to.whole.insert("d.t");
  const VerifyPlan v = PlanVerify(false, r, Touched("d.t", {{"1"}}), to);
  EXPECT_EQ(v.tables, std::vector<std::string>{"d.t"});
  EXPECT_TRUE(v.keys.empty());
}

TEST(PlanTest, VerifyNothingWhenNothingWasCaughtUp) {
  const VerifyPlan v = PlanVerify(false, ResyncReport{}, {}, {});
  EXPECT_FALSE(v.run);
  EXPECT_EQ(v.notes, std::vector<std::string>{"nothing to catch up: no table to verify"});
}

TEST(PlanTest, VerifyEveryTableForFullVerifyOrAPurgedBinlog) {
  ResyncReport r;
  r.to_lacks.table_rows = {{"d.t", 1}};
  VerifyPlan v = PlanVerify(true, r, Touched("d.t", {{"1"}}), {});
  EXPECT_TRUE(v.run && v.every_table);
  EXPECT_TRUE(v.tables.empty() && v.keys.empty());
  r.from_lacks.purged = true;
  v = PlanVerify(false, r, Touched("d.t", {{"1"}}), {});
  EXPECT_TRUE(v.run && v.every_table);
  EXPECT_TRUE(v.tables.empty() && v.keys.empty());
  ResyncReport purged_only;
  purged_only.to_lacks.purged = true;
  EXPECT_TRUE(PlanVerify(false, purged_only, {}, {}).run);
}

TEST(PlanTest, RepairOnlyDifferencesAndNeverUnderReport) {
  EXPECT_TRUE(RepairAfter(ConflictPolicy::kFromWins, false));
  EXPECT_TRUE(RepairAfter(ConflictPolicy::kNewestWins, false));
  EXPECT_FALSE(RepairAfter(ConflictPolicy::kReport, false));
  EXPECT_FALSE(RepairAfter(ConflictPolicy::kFromWins, true));
}

}  // namespace
}  // namespace binsync
