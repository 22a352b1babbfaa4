#include "core/resync/report.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace binsync {
namespace {

constexpr char kFrom[] = "127.0.0.1:13306";
constexpr char kTo[] = "127.0.0.1:13307";

// The demo's 1062 break, as docs/resync.md shows it.
ResyncReport Demo() {
  ResyncReport r;
  r.from = kFrom;
  r.to = kTo;
  r.run_id = "20261130-161513-4242";
  r.to_lacks.direction = "127.0.0.1:13306 -> 127.0.0.1:13307";
  r.to_lacks.start = "1-1-6,2-2-50";
  r.to_lacks.transactions = 51;
  r.to_lacks.rows = 51;
  r.to_lacks.first_gtid = "1-1-7";
  r.to_lacks.last_gtid = "1-1-57";
  r.to_lacks.table_rows["demo.sbtest1"] = 51;
  r.from_lacks.direction = "127.0.0.1:13307 -> 127.0.0.1:13306";
  r.from_lacks.start = "1-1-6,2-2-50";
  r.applied_to_to = {51, 51, 1, 0.5, "1-1-57"};
  r.conflicts.push_back({"demo.sbtest1", "(id=99999999)", "insert met a different row",
                         "1-1-7..1-1-57", "127.0.0.1:13306 -> 127.0.0.1:13307",
                         "--to's row overwritten with --from's change"});
  r.handback =
      "native replication running both ways: 127.0.0.1:13307 from 1-1-57,2-2-50; "
      "127.0.0.1:13306 from 1-1-6,2-2-50";
  TableResult t;
  t.table = "demo.sbtest1";
  r.verify_first.tables.push_back(t);
  r.verify_final = r.verify_first;
  r.verified = true;
  r.step_seconds = {{"inspect", 0.011}, {"plan", 0.25}, {"catch up", 1.5},
                    {"hand back", 0.1}, {"verify", 0.3333}};
  return r;
}

TEST(ResyncReportTest, TextOfAFinishedRunMatchesTheDocumentedExample) {
  EXPECT_EQ(ResyncReportText(Demo()),
            "resync 127.0.0.1:13306 (from, authoritative) -> 127.0.0.1:13307 (to), run "
            "20261130-161513-4242\n"
            "plan 127.0.0.1:13306 -> 127.0.0.1:13307: 51 transactions, 51 rows, GTIDs 1-1-7 "
            ".. 1-1-57 (after 1-1-6,2-2-50)\n"
            "    demo.sbtest1: 51 rows\n"
            "plan 127.0.0.1:13307 -> 127.0.0.1:13306: 0 transactions, 0 rows (after "
            "1-1-6,2-2-50)\n"
            "rows changed on both sides: 0\n"
            "applied 127.0.0.1:13306 -> 127.0.0.1:13307: 51 transactions, 51 rows in 1 target "
            "commits\n"
            "applied 127.0.0.1:13307 -> 127.0.0.1:13306: 0 transactions, 0 rows in 0 target "
            "commits\n"
            "conflicts: 1\n"
            "    demo.sbtest1 (id=99999999): insert met a different row (127.0.0.1:13306 -> "
            "127.0.0.1:13307, 1-1-7..1-1-57): --to's row overwritten with --from's change\n"
            "hand back: native replication running both ways: 127.0.0.1:13307 from "
            "1-1-57,2-2-50; 127.0.0.1:13306 from 1-1-6,2-2-50\n"
            "verify: 1 tables, identical; final: identical\n"
            "time: inspect 0.01 s, plan 0.25 s, catch up 1.50 s, hand back 0.10 s, verify "
            "0.33 s\n");
}

TEST(ResyncReportTest, DryRunStopsAfterThePlanWithItsNotes) {
  ResyncReport r = Demo();
  r.dry_run = true;
  r.run_id.clear();
  r.resumed_message = "resumed run X from step 'planned' (started ...)";  // not printed
  r.to_lacks.start.clear();
  r.to_lacks.purged = true;
  r.predicted_conflicts = {"demo.t (id=1)"};
  r.notes = {"resync run X was interrupted at step 'planned'"};
  EXPECT_EQ(ResyncReportText(r),
            "resync 127.0.0.1:13306 (from, authoritative) -> 127.0.0.1:13307 (to)\n"
            "plan 127.0.0.1:13306 -> 127.0.0.1:13307: 51 transactions, 51 rows, GTIDs 1-1-7 "
            ".. 1-1-57 (after the beginning) [binlog purged]\n"
            "    demo.sbtest1: 51 rows\n"
            "plan 127.0.0.1:13307 -> 127.0.0.1:13306: 0 transactions, 0 rows (after "
            "1-1-6,2-2-50)\n"
            "rows changed on both sides: 1\n"
            "    demo.t (id=1)\n"
            "note: resync run X was interrupted at step 'planned'\n"
            "dry run: nothing was changed\n");
}

TEST(ResyncReportTest, ResumedRunAndReplicationErrorsFollowTheHeader) {
  ResyncReport r = Demo();
  r.resumed_step = "catching up";
  r.resumed_message = "resumed run R from step 'catching up' (started 2026-01-01 12:00:00)";
  r.to_errors = "SQL thread error 1062: Duplicate entry; ";
  const std::string text = ResyncReportText(r);
  EXPECT_EQ(text.substr(0, text.find("\nplan ") + 1),
            "resync 127.0.0.1:13306 (from, authoritative) -> 127.0.0.1:13307 (to), run "
            "20261130-161513-4242\n"
            "resumed run R from step 'catching up' (started 2026-01-01 12:00:00): its plan and "
            "the conflicts it met are kept; the applied counts below are this run's part\n"
            "  127.0.0.1:13307 replication: SQL thread error 1062: Duplicate entry; \n");
}

TEST(ResyncReportTest, TextListsFiftyThenCountsTheRest) {
  ResyncReport r = Demo();
  r.conflicts.clear();
  for (int i = 0; i < 52; ++i) {
    r.conflicts.push_back({"d.t", "(id=" + std::to_string(i) + ")", "update found no row", "1-1-9",
                           "a -> b", "newer row kept"});
    r.predicted_conflicts.push_back("d.t (id=" + std::to_string(i) + ")");
  }
  const std::string text = ResyncReportText(r);
  EXPECT_NE(text.find("    d.t (id=49)\n    ... and 2 more (--format json lists them all)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("    d.t (id=50)\n"), std::string::npos);
  EXPECT_NE(text.find("conflicts: 52\n"), std::string::npos);
  EXPECT_NE(text.find("(id=49): update found no row (a -> b, 1-1-9): newer row kept\n    ... and "
                      "2 more (--format json lists them all)\nhand back:"),
            std::string::npos)
      << text;
}

TEST(ResyncReportTest, ExactlyFiftyAreAllListedWithoutAMoreLine) {
  ResyncReport r = Demo();
  r.conflicts.assign(50, {"d.t", "(id=1)", "k", "x", "a -> b", "kept"});
  r.predicted_conflicts.assign(50, "d.t (id=1)");
  EXPECT_EQ(ResyncReportText(r).find("more (--format json"), std::string::npos);
}

TEST(ResyncReportTest, RepairAndAFinalDifferenceShowTheVerifyTable) {
  ResyncReport r = Demo();
  r.verify_first.tables[0].problem = "missing on B";
  r.repaired_rows = 3;
  r.verify_final = r.verify_first;
  r.notes = {"n1"};
  r.step_seconds.erase("hand back");
  const std::string text = ResyncReportText(r);
  EXPECT_NE(text.find("verify: 1 tables, differences found; repaired 3 rows from --from; final: "
                      "DIFFERENT\nTABLE"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  demo.sbtest1: missing on B\ndifferences found\nnote: n1\ntime: inspect "
                      "0.01 s, plan 0.25 s, catch up 1.50 s, verify 0.33 s\n"),
            std::string::npos)
      << text;
}

TEST(ResyncReportTest, NotVerifiedPrintsNoVerifyLine) {
  ResyncReport r = Demo();
  r.verified = false;
  EXPECT_EQ(ResyncReportText(r).find("verify:"), std::string::npos);
  EXPECT_FALSE(r.clean());
}

TEST(ResyncReportTest, CleanRules) {
  ResyncReport r = Demo();
  EXPECT_TRUE(r.clean());
  r.verify_final.tables[0].problem = "missing on B";
  EXPECT_FALSE(r.clean());
  ResyncReport dry;
  dry.dry_run = true;
  EXPECT_TRUE(dry.clean());  // not verified, but a dry run is judged by its plan
  dry.predicted_conflicts = {"d.t (id=1)"};
  EXPECT_FALSE(dry.clean());
}

TEST(ResyncReportTest, JsonOfAFinishedRunIsTheContract) {
  EXPECT_EQ(
      ResyncReportJson(Demo()),
      R"j({"applied":[{"read_through":"1-1-57","rows":51,"seconds":0.5,"target_commits":1,)j"
      R"j("transactions":51},{"read_through":"","rows":0,"seconds":0.0,"target_commits":0,)j"
      R"j("transactions":0}],"clean":true,"conflicts":[{"direction":"127.0.0.1:13306 -> )j"
      R"j(127.0.0.1:13307","key":"(id=99999999)","kind":"insert met a different row",)j"
      R"j("resolution":"--to's row overwritten with --from's change","table":"demo.sbtest1",)j"
      R"j("transaction":"1-1-7..1-1-57"}],"dry_run":false,"from":"127.0.0.1:13306",)j"
      R"j("handback":"native replication running both ways: 127.0.0.1:13307 from )j"
      R"j(1-1-57,2-2-50; 127.0.0.1:13306 from 1-1-6,2-2-50","notes":[],"plan":[{)j"
      R"j("direction":"127.0.0.1:13306 -> 127.0.0.1:13307","first_gtid":"1-1-7",)j"
      R"j("last_gtid":"1-1-57","purged":false,"rows":51,"start":"1-1-6,2-2-50",)j"
      R"j("tables":{"demo.sbtest1":51},"transactions":51},{"direction":"127.0.0.1:13307 -> )j"
      R"j(127.0.0.1:13306","first_gtid":"","last_gtid":"","purged":false,"rows":0,)j"
      R"j("start":"1-1-6,2-2-50","tables":{},"transactions":0}],"resumed":null,)j"
      R"j("rows_changed_on_both_sides":[],"run":"20261130-161513-4242","seconds":{)j"
      R"j("catch up":1.5,"hand back":0.1,"inspect":0.011,"plan":0.25,"verify":0.3333},)j"
      R"j("to":"127.0.0.1:13307","verify":{"done":true,"identical":true,)j"
      R"j("identical_before_repair":true,"repaired_rows":0}})j");
}

TEST(ResyncReportTest, JsonResumedNamesTheRunAndStepExceptInADryRun) {
  ResyncReport r = Demo();
  r.resumed_step = "handing back";
  nlohmann::json j = nlohmann::json::parse(ResyncReportJson(r));
  EXPECT_EQ(j["resumed"], (nlohmann::json{{"run", "20261130-161513-4242"},
                                          {"from_step", "handing back"}}));
  r.dry_run = true;
  j = nlohmann::json::parse(ResyncReportJson(r));
  EXPECT_TRUE(j["resumed"].is_null());
  EXPECT_TRUE(j["dry_run"].get<bool>());
}

TEST(ResyncReportTest, JsonListsEveryConflictBeyondTheTextLimit) {
  ResyncReport r = Demo();
  r.conflicts.assign(120, {"d.t", "(id=1)", "k", "x", "a -> b", "kept"});
  r.predicted_conflicts.assign(75, "d.t (id=1)");
  const nlohmann::json j = nlohmann::json::parse(ResyncReportJson(r));
  EXPECT_EQ(j["conflicts"].size(), 120u);
  EXPECT_EQ(j["rows_changed_on_both_sides"].size(), 75u);
}

}  // namespace
}  // namespace binsync
