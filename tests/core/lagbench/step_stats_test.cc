#include "core/lagbench/step_stats.h"

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

// 10 s of 100 TPS from t=0: probe i intended at i*10 ms, at the source 1 ms later, at the
// target `lag(i)` after that.
struct Fixture {
  std::vector<int64_t> intended, committed;
  std::vector<uint8_t> sent;
  ArrivalBook source{1000}, target{1000};
  template <typename Lag>
  Fixture(Lag lag, int skip_target_every = 0) {
    for (uint64_t i = 0; i < 1000; ++i) {
      const int64_t t = static_cast<int64_t>(i) * 10'000;
      intended.push_back(t);
      committed.push_back(t + 900);
      source.Stamp(i + 1, t + 1000);
      if (skip_target_every == 0 || i % skip_target_every != 0) target.Stamp(i + 1, t + 1000 + lag(i));
    }
  }
  StepStats Compute(int64_t w0, int64_t w1) {
    StepStats s;
    ComputeStep({1, intended, committed, sent, &source, &target, w0, w1}, &s);
    return s;
  }
};

TEST(StepStatsTest, ConstantLagAndRatesOverTheWindowOnly) {
  Fixture f([](uint64_t) { return 2000; });
  const StepStats s = f.Compute(2'000'000, 10'000'000);  // 2 s warm-up left out
  EXPECT_EQ(s.sent, 800u);
  EXPECT_EQ(s.committed, 800u);
  EXPECT_EQ(s.measured, 800u);
  EXPECT_EQ(s.unmeasured, 0u);
  EXPECT_EQ(s.lag.min(), 2000);
  EXPECT_EQ(s.lag.max(), 2000);
  EXPECT_NEAR(s.achieved_tps, 100, 0.5);
  EXPECT_NEAR(s.applied_tps, 100, 0.5);
  ASSERT_EQ(s.series.size(), 8u);
  EXPECT_EQ(s.series[0].count, 100u);
  EXPECT_EQ(s.series[3].p99_us, 2000);
  EXPECT_LE(s.series[7].backlog, 1u);
  EXPECT_LE(s.backlog_start, 1u);
}

TEST(StepStatsTest, TheBacklogAtTheWindowsStartIsWhatTheWarmUpLeft) {
  // 10 ms more per probe: 1/2 of the rate applied, the backlog grows through the warm-up.
  Fixture f([](uint64_t i) { return static_cast<int64_t>(i) * 10'000; });
  const StepStats s = f.Compute(2'000'000, 10'000'000);
  // At 2 s: 200 probes at the source, the target at probe ~100.
  EXPECT_NEAR(static_cast<double>(s.backlog_start), 100, 2);
  EXPECT_NEAR(static_cast<double>(s.series.front().backlog), 150, 2);
  EXPECT_NEAR(static_cast<double>(s.series.back().backlog), 500, 2);
}

TEST(StepStatsTest, AFallingBehindReplicaShowsGrowingLagBacklogAndLowerApplyRate) {
  // Each probe waits 5 ms longer than the one before: the target applies 2/3 of the rate.
  Fixture f([](uint64_t i) { return static_cast<int64_t>(i) * 5000; });
  const StepStats s = f.Compute(0, 10'000'000);
  EXPECT_GT(s.p99_second_half_us, 2 * s.p99_first_half_us);
  EXPECT_LT(s.applied_tps, 0.99 * s.achieved_tps);
  EXPECT_GT(s.series.back().backlog, s.series.front().backlog);
  EXPECT_GT(s.series.back().backlog, 100u);
}

TEST(StepStatsTest, AStoppedRunCountsOnlyWhatItSent) {
  Fixture f([](uint64_t) { return 500; });
  f.sent.assign(1000, 1);
  for (size_t i = 600; i < 1000; ++i) {  // SIGINT after 6 s: the rest never sent
    f.sent[i] = 0;
    f.committed[i] = -1;
  }
  const StepStats s = f.Compute(0, 10'000'000);
  EXPECT_EQ(s.sent, 600u);
  EXPECT_EQ(s.measured, 600u);
  EXPECT_EQ(s.unmeasured, 0u);
}

TEST(StepStatsTest, ProbesNeverSeenByTheTargetAreUnmeasuredNotDropped) {
  Fixture f([](uint64_t) { return 500; }, /*skip_target_every=*/10);
  f.committed[5] = -1;  // refused by the source: not sent as far as lag goes
  const StepStats s = f.Compute(0, 10'000'000);
  EXPECT_EQ(s.sent, 1000u);
  EXPECT_EQ(s.committed, 999u);
  EXPECT_EQ(s.unmeasured, 100u);
  EXPECT_EQ(s.measured, 899u);
  EXPECT_EQ(s.lag.count(), 899u);
}

}  // namespace
}  // namespace binsync::lagbench
