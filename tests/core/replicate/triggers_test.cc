// Which apply paths may fire the target's triggers under each --run-triggers, and the
// warning said at start, without a server.
#include "core/replicate/triggers.h"

#include <string>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RunTriggersTest, ParsesTheThreeChoices) {
  EXPECT_EQ(*ParseRunTriggers("statements"), RunTriggers::kStatements);
  EXPECT_EQ(*ParseRunTriggers("yes"), RunTriggers::kYes);
  EXPECT_EQ(*ParseRunTriggers("no"), RunTriggers::kNo);
  EXPECT_EQ(ParseRunTriggers("enforce").status().message(),
            "--run-triggers enforce: use statements, yes or no");
}

TEST(RunTriggersTest, YesNeverReplaysNorCompactsNoNeverUsesStatements) {
  EXPECT_TRUE(MayReplayTriggered(RunTriggers::kStatements));
  EXPECT_TRUE(MayCompactTriggered(RunTriggers::kStatements));
  EXPECT_TRUE(MayApplyTriggeredByStatement(RunTriggers::kStatements));
  EXPECT_FALSE(MayReplayTriggered(RunTriggers::kYes));
  EXPECT_FALSE(MayCompactTriggered(RunTriggers::kYes));
  EXPECT_TRUE(MayApplyTriggeredByStatement(RunTriggers::kYes));
  EXPECT_TRUE(MayReplayTriggered(RunTriggers::kNo));
  EXPECT_FALSE(MayApplyTriggeredByStatement(RunTriggers::kNo));
}

TEST(TriggerWarningTest, DefaultLiveNamesThePathsThatFireThem) {
  const std::string w =
      TriggerWarning("db.t", {"a", "b"}, false, true, RunTriggers::kStatements, "NO");
  EXPECT_EQ(w,
            "db.t has triggers on the target (a, b): rows applied as statements fire them (a "
            "transaction whose replay failed, one with DDL or a column mismatch), BINLOG replay "
            "does not (as native row replication; slave_run_triggers_for_rbr=NO); choose one "
            "behaviour with --run-triggers yes|no; a trigger whose effects the source logged "
            "already applies them twice when it fires here (see docs/replicate.md, Triggers)");
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, false, true, RunTriggers::kStatements,
                                 "ENFORCE"),
                  "BINLOG replay fires them as slave_run_triggers_for_rbr=ENFORCE says"));
}

TEST(TriggerWarningTest, CatchupAndStatementsFireForEveryRow) {
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, true, true, RunTriggers::kStatements, "NO"),
                  "they fire for every row binsync applies (catchup mode: once per key's net "
                  "change)"));
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, false, false, RunTriggers::kStatements, "NO"),
                  "they fire for every row binsync applies (--apply-with statements)"));
}

TEST(TriggerWarningTest, YesAndNoSayWhatTheyDo) {
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, false, true, RunTriggers::kYes, "NO"),
                  "every apply path fires them (--run-triggers yes"));
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, true, true, RunTriggers::kNo, "NO"),
                  "this mode applies rows as statements, so the first row of it stops"));
  EXPECT_TRUE(Has(TriggerWarning("db.t", {"a"}, false, true, RunTriggers::kNo, "YES"),
                  "which fires them here (slave_run_triggers_for_rbr=YES: set it to NO)"));
}

}  // namespace
}  // namespace binsync::replicate
