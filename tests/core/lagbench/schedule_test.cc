#include "core/lagbench/schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

TEST(LoadScheduleTest, ConstantRateIsEvenlySpacedFromZero) {
  LoadSchedule s(1000, Arrivals::kConstant, 1);
  EXPECT_EQ(s.Next(), 0);
  EXPECT_EQ(s.Next(), 1000);
  EXPECT_EQ(s.Next(), 2000);
  LoadSchedule odd(3, Arrivals::kConstant, 1);  // 333,333.3 us apart: no drift from rounding
  int64_t last = 0;
  for (int i = 0; i < 3001; ++i) last = odd.Next();
  EXPECT_EQ(last, 1'000'000'000);
  EXPECT_EQ(odd.issued(), 3001u);
}

TEST(LoadScheduleTest, PoissonKeepsTheRateAndIsDeterministicPerSeed) {
  LoadSchedule a(2000, Arrivals::kPoisson, 9), b(2000, Arrivals::kPoisson, 9);
  LoadSchedule c(2000, Arrivals::kPoisson, 10);
  int64_t prev = -1, at = 0;
  bool differs = false;
  int gaps_over_twice_mean = 0;
  for (int i = 0; i < 200000; ++i) {
    at = a.Next();
    ASSERT_EQ(at, b.Next());
    differs |= at != c.Next();
    ASSERT_GE(at, prev);
    if (prev >= 0 && at - prev > 1000) ++gaps_over_twice_mean;  // mean gap 500 us
    prev = at;
  }
  EXPECT_TRUE(differs);
  // 200,000 arrivals at 2,000/s take ~100 s (sd of the sum ~0.22 s).
  EXPECT_NEAR(static_cast<double>(at) / 1e6, 100.0, 1.5);
  // Exponential gaps: P(gap > 2 x mean) = e^-2 ~ 13.5%, not 0 as for a constant rate.
  EXPECT_NEAR(gaps_over_twice_mean / 200000.0, std::exp(-2.0), 0.01);
}

TEST(SweepRatesTest, GeometricStepsWithBothEnds) {
  const std::vector<double> r = SweepRates(100, 10000, 5);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_DOUBLE_EQ(r[0], 100);
  EXPECT_NEAR(r[1], 316.23, 0.01);
  EXPECT_NEAR(r[2], 1000, 1e-9);
  EXPECT_DOUBLE_EQ(r[4], 10000);
  EXPECT_EQ(SweepRates(500, 500, 1), std::vector<double>{500});
  EXPECT_TRUE(SweepRates(1000, 100, 3).empty());
  EXPECT_TRUE(SweepRates(0, 100, 3).empty());
  EXPECT_TRUE(SweepRates(10, 100, 0).empty());
}

}  // namespace
}  // namespace binsync::lagbench
