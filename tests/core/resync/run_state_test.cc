#include "core/resync/run_state.h"

#include "gtest/gtest.h"
#include "tests/core/resync/recorded_run.h"

namespace binsync {
namespace {

ResyncRun Unfinished(ResyncStep step) { return RecordedRun(step); }

TEST(RunStateTest, StepNamesRoundTripInOrder) {
  for (ResyncStep s : {ResyncStep::kInspected, ResyncStep::kPlanned, ResyncStep::kCatchingUp,
                       ResyncStep::kCaughtUp, ResyncStep::kHandingBack, ResyncStep::kHandedBack,
                       ResyncStep::kVerified}) {
    EXPECT_EQ(ParseStep(StepName(s)), s) << StepName(s);
  }
  EXPECT_EQ(StepName(ResyncStep::kCatchingUp), "catching up");
  EXPECT_FALSE(ParseStep("catching_up").has_value());
}

TEST(RunStateTest, NoRunOrAFinishedOneStartsAfresh) {
  EXPECT_EQ(DecideResume(std::nullopt, 1, 2, "report").action, ResumeAction::kFresh);
  EXPECT_EQ(DecideResume(Unfinished(ResyncStep::kVerified), 1, 2, "report").action,
            ResumeAction::kFresh);
  // Finished the other way round: nothing to finish either.
  EXPECT_EQ(DecideResume(Unfinished(ResyncStep::kVerified), 2, 1, "report").action,
            ResumeAction::kFresh);
}

TEST(RunStateTest, SameDirectionAndPolicyResumesAndSaysFromWhere) {
  const ResumeDecision d = DecideResume(Unfinished(ResyncStep::kCatchingUp), 1, 2, "from-wins");
  EXPECT_EQ(d.action, ResumeAction::kResume);
  EXPECT_EQ(d.message,
            "resumed run 20260101-120000-42 from step 'catching up' (started 2026-01-01 12:00:00)");
}

TEST(RunStateTest, OtherPolicyOrDirectionIsRefusedWithTheWayToFinishIt) {
  ResumeDecision d = DecideResume(Unfinished(ResyncStep::kPlanned), 1, 2, "report");
  EXPECT_EQ(d.action, ResumeAction::kRefuse);
  EXPECT_NE(d.message.find("rerun with --conflicts from-wins"), std::string::npos) << d.message;
  d = DecideResume(Unfinished(ResyncStep::kPlanned), 2, 1, "from-wins");
  EXPECT_EQ(d.action, ResumeAction::kRefuse);
  EXPECT_NE(d.message.find("rerun resync with --from a:1 --to b:2 --conflicts from-wins"),
            std::string::npos)
      << d.message;
}

TEST(RunStateTest, WorkPerStep) {
  ResumeWork w = WorkFrom(ResyncStep::kInspected);
  EXPECT_TRUE(w.stop_native && w.replan && w.catch_up && w.hand_back);
  for (ResyncStep s : {ResyncStep::kPlanned, ResyncStep::kCatchingUp}) {
    w = WorkFrom(s);
    EXPECT_TRUE(w.stop_native && !w.replan && w.catch_up && w.hand_back) << StepName(s);
  }
  // Caught up: native replication may already run on one side; never stopped again, never
  // caught up again (native replication delivers what came since, from the recorded ends).
  for (ResyncStep s : {ResyncStep::kCaughtUp, ResyncStep::kHandingBack}) {
    w = WorkFrom(s);
    EXPECT_TRUE(!w.stop_native && !w.replan && !w.catch_up && w.hand_back) << StepName(s);
  }
  w = WorkFrom(ResyncStep::kHandedBack);
  EXPECT_TRUE(!w.stop_native && !w.replan && !w.catch_up && !w.hand_back);
}

TEST(RunStateTest, GtidReachedPerDomainOfTheEnd) {
  auto pos = [](const char* text) { return *ParseMariaDbGtidPos(text); };
  EXPECT_TRUE(GtidReached(pos("1-1-10,2-2-5"), pos("1-1-10,2-2-5")));
  EXPECT_TRUE(GtidReached(pos("1-1-11,2-2-5,3-3-1"), pos("1-1-10,2-2-5")));
  EXPECT_FALSE(GtidReached(pos("1-1-9,2-2-5"), pos("1-1-10,2-2-5")));
  EXPECT_FALSE(GtidReached(pos("1-1-10"), pos("1-1-10,2-2-5")));
  EXPECT_TRUE(GtidReached(pos("1-1-1"), pos("")));  // an empty end: reached at once
}

}  // namespace
}  // namespace binsync
