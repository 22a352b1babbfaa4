#include "core/lagbench/saturation.h"

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

// A step with a flat backlog over a 4 s window (5 samples), the lag's p99 `p99` in both halves.
StepFacts Step(double offered, double achieved, double applied, int64_t p99 = 1000,
               int64_t slo_value = 0) {
  StepFacts f;
  f.offered_tps = offered;
  f.achieved_tps = achieved;
  f.applied_tps = applied;
  f.p99_first_half_us = f.p99_second_half_us = f.p99_us = p99;
  f.slo_value_us = slo_value;
  f.window_s = 4;
  f.backlog = {1, 1, 1, 1, 1};
  return f;
}

// The same, with the backlog sampled at the window's start and each second's end.
StepFacts WithBacklog(StepFacts f, std::vector<uint64_t> backlog, double window_s = -1) {
  f.window_s = window_s >= 0 ? window_s : static_cast<double>(backlog.size() - 1);
  f.backlog = std::move(backlog);
  return f;
}

// The case issue 20 reports: 100 TPS, p50 ~1 ms, applied = offered, one latency spike in
// the window's second half (p99 1 ms -> 60 ms). The former rule (second half's p99 > 2 x the
// first's + 1 ms) judged it behind.
TEST(JudgeStepTest, ASingleLatencySpikeThatKeepsUpIsJudgedKeepsUp) {
  StepFacts f = WithBacklog(Step(100, 100, 100), {0, 0, 0, 6, 0});
  f.p99_first_half_us = 1070;
  f.p99_second_half_us = f.p99_us = 60'000;
  const StepJudgement j = JudgeStep(f);
  EXPECT_EQ(j.verdict, StepVerdict::kKeepsUp);
  EXPECT_EQ(j.reason, "keeps up");
  ASSERT_TRUE(j.backlog_growth_tps);
  EXPECT_EQ(*j.backlog_growth_tps, 0);
  // The spike straddling the window's end: a backlog left at the last sample, the applied
  // rate 98.75% of the achieved (the former rule's 99% flipped on it too).
  f = WithBacklog(Step(100, 100, 98.75), {0, 1, 0, 0, 5});
  EXPECT_EQ(JudgeStep(f).verdict, StepVerdict::kKeepsUp);
  // A spike at any one sample, at a high rate.
  for (size_t at = 0; at < 5; ++at) {
    std::vector<uint64_t> backlog = {4, 6, 5, 4, 6};
    backlog[at] = 400;
    EXPECT_EQ(JudgeStep(WithBacklog(Step(4000, 4000, 4000), backlog)).verdict,
              StepVerdict::kKeepsUp)
        << at;
  }
}

// A replica applying 97% of the rate: everything it applies arrives, the lag's p99 grows only
// from 0.3 s to 0.6 s (the former rule's halves saw nothing), but the backlog grows steadily.
TEST(JudgeStepTest, ASlowlyGrowingBacklogIsJudgedBehind) {
  std::vector<uint64_t> backlog;
  for (uint64_t sec = 0; sec <= 20; ++sec) backlog.push_back(30 * sec + (sec % 3) * 4);  // jitter
  StepFacts f = WithBacklog(Step(1000, 1000, 970), backlog);
  f.p99_first_half_us = 300'000;
  f.p99_second_half_us = 600'000;
  const StepJudgement j = JudgeStep(f);
  EXPECT_EQ(j.verdict, StepVerdict::kBehind);
  ASSERT_TRUE(j.backlog_growth_tps);
  EXPECT_NEAR(*j.backlog_growth_tps, 30, 1);
  EXPECT_EQ(j.reason, "behind: backlog grew 0 -> 608 over 20 s (+30/s, 3.0% of the rate)");
  // Thousands are grouped.
  backlog.clear();
  for (uint64_t sec = 0; sec <= 20; ++sec) backlog.push_back(92 * sec);
  EXPECT_EQ(JudgeStep(WithBacklog(Step(1000, 1000, 908), backlog)).reason,
            "behind: backlog grew 0 -> 1,840 over 20 s (+92/s, 9.2% of the rate), applied 90.8% "
            "of achieved");
}

TEST(JudgeStepTest, ASourceLimitedStepSaysNothingAboutTheReplica) {
  // The source reached 90% of the offered rate: source-limited, however far behind.
  const StepJudgement j =
      JudgeStep(WithBacklog(Step(1000, 900, 100), {0, 800, 1600, 2400, 3200}));
  EXPECT_EQ(j.verdict, StepVerdict::kSourceLimited);
  EXPECT_EQ(j.reason, "source-limited: the source reached 90.0% of the offered rate");
  EXPECT_DOUBLE_EQ(j.achieved_ratio, 0.9);
  // Exactly 95%: the source kept up, the replica is judged.
  EXPECT_EQ(JudgeStep(Step(1000, 950, 950)).verdict, StepVerdict::kKeepsUp);
  EXPECT_EQ(JudgeStep(Step(1000, 949.9, 949.9)).verdict, StepVerdict::kSourceLimited);
}

TEST(JudgeStepTest, AppliedBelowTheAchievedRateIsBehind) {
  // The target's binlog received 90%: behind, though the backlog piled up only at the end
  // (one sample, which the robust slope discounts).
  const StepJudgement j = JudgeStep(WithBacklog(Step(1000, 1000, 900), {0, 0, 0, 0, 400}));
  EXPECT_EQ(j.verdict, StepVerdict::kBehind);
  EXPECT_EQ(*j.backlog_growth_tps, 0);
  EXPECT_DOUBLE_EQ(j.applied_ratio, 0.9);
  EXPECT_EQ(j.reason, "behind: applied 90.0% of achieved (backlog 0 -> 400 over 4 s)");
  // Ties: exactly 95% applied keeps up, just under does not.
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 950)).verdict, StepVerdict::kKeepsUp);
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 949.9)).verdict, StepVerdict::kBehind);
  // More applied than achieved (a warm-up backlog drained): keeps up.
  EXPECT_EQ(JudgeStep(WithBacklog(Step(1000, 1000, 1100), {400, 300, 200, 100, 0})).verdict,
            StepVerdict::kKeepsUp);
}

TEST(JudgeStepTest, BacklogGrowthThresholdTies) {
  // 2% of 1000 TPS is 20/s: exactly that keeps up, more is behind.
  EXPECT_EQ(JudgeStep(WithBacklog(Step(1000, 1000, 980), {0, 20, 40, 60, 80})).verdict,
            StepVerdict::kKeepsUp);
  EXPECT_EQ(JudgeStep(WithBacklog(Step(1000, 1000, 980), {0, 21, 42, 63, 84})).verdict,
            StepVerdict::kBehind);
  // At 10 TPS the floor of 1 transaction/s holds: a backlog jittering 0/1 is not growth.
  EXPECT_EQ(JudgeStep(WithBacklog(Step(10, 10, 10), {0, 0, 1, 1, 1})).verdict,
            StepVerdict::kKeepsUp);
  EXPECT_EQ(JudgeStep(WithBacklog(Step(10, 10, 9.6), {0, 2, 4, 6, 8})).verdict,
            StepVerdict::kBehind);
}

TEST(JudgeStepTest, ShortWindowsAreJudgedByTheAppliedRateAlone) {
  // Under 4 s (fewer than 5 samples) a spike cannot be told from growth: no trend.
  StepJudgement j = JudgeStep(WithBacklog(Step(100, 100, 99), {0, 1, 2, 30}));
  EXPECT_EQ(j.verdict, StepVerdict::kKeepsUp);
  EXPECT_FALSE(j.backlog_growth_tps);
  EXPECT_EQ(j.reason, "keeps up (window under 4 s: judged by the applied rate alone)");
  j = JudgeStep(WithBacklog(Step(100, 100, 80), {0, 10}, 0.5));
  EXPECT_EQ(j.verdict, StepVerdict::kBehind);
  EXPECT_EQ(j.reason, "behind: applied 80.0% of achieved (backlog 0 -> 10 over 0.5 s)");
  // No samples at all.
  EXPECT_EQ(JudgeStep(WithBacklog(Step(100, 100, 100), {}, 0)).verdict, StepVerdict::kKeepsUp);
  EXPECT_EQ(JudgeStep(WithBacklog(Step(100, 100, 50), {}, 0)).reason,
            "behind: applied 50.0% of achieved");
}

TEST(JudgeStepTest, NoMeasuredTransactions) {
  // Nothing reached the source's binlog: nothing to judge the replica on.
  StepJudgement j = JudgeStep(WithBacklog(Step(100, 0, 0), {0, 0, 0, 0, 0}));
  EXPECT_EQ(j.verdict, StepVerdict::kSourceLimited);
  EXPECT_EQ(j.reason, "source-limited: nothing reached the source's binlog in the window");
  EXPECT_EQ(j.applied_ratio, 0);
  // The source took the load, the target's binlog received none of it.
  j = JudgeStep(WithBacklog(Step(100, 100, 0), {0, 100, 200, 300, 400}));
  EXPECT_EQ(j.verdict, StepVerdict::kBehind);
  EXPECT_EQ(j.reason,
            "behind: backlog grew 0 -> 400 over 4 s (+100/s, 100.0% of the rate), applied 0.0% "
            "of achieved");
}

TEST(BacklogGrowthTest, TheilSenSlopeIgnoresOneOutlier) {
  const std::vector<uint64_t> line = {10, 13, 16, 19, 22};
  EXPECT_DOUBLE_EQ(*BacklogGrowthPerSecond(line, 4), 3);
  for (size_t at = 0; at < line.size(); ++at) {
    std::vector<uint64_t> spiked = line;
    spiked[at] = 5000;
    EXPECT_DOUBLE_EQ(*BacklogGrowthPerSecond(spiked, 4), 3) << at;
  }
  // The last sample is at the window's end: 4.5 s, not 5.
  EXPECT_DOUBLE_EQ(*BacklogGrowthPerSecond(std::vector<uint64_t>{0, 2, 4, 6, 8, 9}, 4.5), 2);
  EXPECT_FALSE(BacklogGrowthPerSecond(std::vector<uint64_t>{0, 1, 2, 3}, 3));
  EXPECT_FALSE(BacklogGrowthPerSecond(std::vector<uint64_t>{0, 1, 2, 3, 4}, 0));
  EXPECT_FALSE(BacklogGrowthPerSecond({}, 0));
}

TEST(BacklogGrowthTest, LongWindowsAreStrided) {
  // An hour's samples (the stride lands on the last one) and one more (it does not: the
  // window's end is added).
  for (uint64_t seconds : {3600, 3601}) {
    std::vector<uint64_t> backlog;
    for (uint64_t sec = 0; sec <= seconds; ++sec) backlog.push_back(7 * sec);
    EXPECT_DOUBLE_EQ(*BacklogGrowthPerSecond(backlog, static_cast<double>(seconds)), 7);
  }
}

TEST(JudgeSweepTest, SaturationIsTheLastRateKeptUpBeforeTheFirstFailure) {
  const SweepVerdict v = JudgeSweep(
      {Step(500, 500, 500), Step(1000, 1000, 1000), Step(2000, 2000, 1500, 40000),
       Step(4000, 4000, 4000)},
      std::nullopt);
  ASSERT_TRUE(v.saturation_tps);
  EXPECT_EQ(*v.saturation_tps, 1000);  // 4000 "kept up" after 2000 failed: not counted
  EXPECT_TRUE(v.saturated_within);
  EXPECT_FALSE(v.slo_tps);
  EXPECT_EQ(v.steps[2], StepVerdict::kBehind);
}

TEST(JudgeSweepTest, SourceLimitedStepsAreSkippedNeverTheReplicasLimit) {
  const SweepVerdict v = JudgeSweep(
      {Step(500, 500, 500), Step(8000, 5000, 5000)}, std::nullopt);
  EXPECT_EQ(v.steps[1], StepVerdict::kSourceLimited);
  EXPECT_EQ(*v.saturation_tps, 500);
  EXPECT_FALSE(v.saturated_within);  // never saw the replica fail
}

TEST(JudgeSweepTest, NoStepKeptUp) {
  const SweepVerdict v = JudgeSweep({Step(500, 500, 100, 60000)}, std::nullopt);
  EXPECT_FALSE(v.saturation_tps);
  EXPECT_TRUE(v.saturated_within);
  EXPECT_FALSE(JudgeSweep({}, std::nullopt).saturation_tps);
}

TEST(JudgeSweepTest, SloIsTheHighestKeptUpRateUnderTheThreshold) {
  const Slo slo{99, 5000};
  const SweepVerdict v = JudgeSweep(
      {Step(500, 500, 500, 600, 1200), Step(1000, 1000, 1000, 700, 4999),
       Step(2000, 2000, 2000, 1000, 5000)},
      slo);
  EXPECT_EQ(*v.saturation_tps, 2000);
  EXPECT_EQ(*v.slo_tps, 1000);  // 5000 us is not under 5 ms
}

TEST(ParseSloTest, PercentileAndUnits) {
  auto s = ParseSlo("p99<5ms");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->percentile, 99);
  EXPECT_EQ(s->threshold_us, 5000);
  s = ParseSlo("p99.9<1.5s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->percentile, 99.9);
  EXPECT_EQ(s->threshold_us, 1500000);
  EXPECT_EQ(ParseSlo("p50<800us")->threshold_us, 800);
  for (const char* bad : {"", "p99", "99<5ms", "p99<5", "p99<ms", "p0<5ms", "p101<5ms",
                          "p99<-5ms", "p99<5 ms", "px<5ms", "p99<5msx"}) {
    EXPECT_FALSE(ParseSlo(bad).ok()) << bad;
  }
  EXPECT_NE(ParseSlo("p99").status().message().find("--slo p99"), std::string_view::npos);
}

}  // namespace
}  // namespace binsync::lagbench
