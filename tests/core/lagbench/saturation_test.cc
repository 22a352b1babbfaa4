#include "core/lagbench/saturation.h"

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

StepFacts Step(double offered, double achieved, double applied, int64_t p99_first,
               int64_t p99_second, int64_t slo_value = 0) {
  return StepFacts{offered, achieved, applied, p99_first, p99_second, p99_second, slo_value};
}

TEST(JudgeStepTest, KeepsUpBehindOrSourceLimited) {
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 995, 800, 900)), StepVerdict::kKeepsUp);
  // 98% applied: behind even with flat lag.
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 980, 800, 900)), StepVerdict::kBehind);
  // All applied in the window but lag doubling and more: falling behind.
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 1000, 5000, 12000)), StepVerdict::kBehind);
  // Small absolute growth is noise (under 2x + 1 ms).
  EXPECT_EQ(JudgeStep(Step(1000, 1000, 1000, 200, 1300)), StepVerdict::kKeepsUp);
  // The source reached 90% of the offered rate: not the replica's limit.
  EXPECT_EQ(JudgeStep(Step(1000, 900, 100, 800, 90000)), StepVerdict::kSourceLimited);
}

TEST(JudgeSweepTest, SaturationIsTheLastRateKeptUpBeforeTheFirstFailure) {
  const SweepVerdict v = JudgeSweep(
      {Step(500, 500, 500, 500, 600), Step(1000, 1000, 1000, 600, 700),
       Step(2000, 2000, 1500, 900, 40000), Step(4000, 4000, 4000, 900, 1000)},
      std::nullopt);
  ASSERT_TRUE(v.saturation_tps);
  EXPECT_EQ(*v.saturation_tps, 1000);  // 4000 "kept up" after 2000 failed: not counted
  EXPECT_TRUE(v.saturated_within);
  EXPECT_FALSE(v.slo_tps);
  EXPECT_EQ(v.steps[2], StepVerdict::kBehind);
}

TEST(JudgeSweepTest, SourceLimitedStepsAreSkippedNeverTheReplicasLimit) {
  const SweepVerdict v = JudgeSweep(
      {Step(500, 500, 500, 500, 600), Step(8000, 5000, 5000, 600, 700)}, std::nullopt);
  EXPECT_EQ(v.steps[1], StepVerdict::kSourceLimited);
  EXPECT_EQ(*v.saturation_tps, 500);
  EXPECT_FALSE(v.saturated_within);  // never saw the replica fail
}

TEST(JudgeSweepTest, NoStepKeptUp) {
  const SweepVerdict v = JudgeSweep({Step(500, 500, 100, 500, 60000)}, std::nullopt);
  EXPECT_FALSE(v.saturation_tps);
  EXPECT_TRUE(v.saturated_within);
  EXPECT_FALSE(JudgeSweep({}, std::nullopt).saturation_tps);
}

TEST(JudgeSweepTest, SloIsTheHighestKeptUpRateUnderTheThreshold) {
  const Slo slo{99, 5000};
  const SweepVerdict v = JudgeSweep({Step(500, 500, 500, 500, 600, 1200),
                                     Step(1000, 1000, 1000, 600, 700, 4999),
                                     Step(2000, 2000, 2000, 900, 1000, 5000)},
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
