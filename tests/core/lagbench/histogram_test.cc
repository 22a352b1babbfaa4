#include "core/lagbench/histogram.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

// The exact value of rank ceil(p% of n) in `sorted`, as the histogram defines percentiles.
int64_t ExactPercentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  const auto rank = std::max<size_t>(
      1, static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-9)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

TEST(LagHistogramTest, EveryValueBelow2048HasItsOwnBucket) {
  for (int64_t v = 0; v < 2048; ++v) {
    ASSERT_EQ(LagHistogram::LowestEquivalent(v), v);
    ASSERT_EQ(LagHistogram::HighestEquivalent(v), v);
  }
  EXPECT_EQ(LagHistogram::LowestEquivalent(2049), 2048);  // width 2 from 2048
  EXPECT_EQ(LagHistogram::HighestEquivalent(2048), 2049);
}

TEST(LagHistogramTest, BucketsAreThreeSignificantDigitsUpToOneHour) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<int64_t>(rng() % (LagHistogram::kHighestUs + 1));
    const int64_t lo = LagHistogram::LowestEquivalent(v);
    const int64_t hi = LagHistogram::HighestEquivalent(v);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    // Width within 1/1024 of the lower bound: relative error < 0.1%.
    ASSERT_LE(static_cast<double>(hi - lo + 1), std::max(1.0, static_cast<double>(lo) / 1024.0))
        << v;
    // Neighbouring buckets touch: no gap, no overlap (the last bucket holds 1 h).
    if (hi < LagHistogram::kHighestUs) {
      ASSERT_EQ(LagHistogram::LowestEquivalent(hi + 1), hi + 1) << v;
    }
  }
  EXPECT_LT(LagHistogram::BucketCount(), 24000u);  // ~180 KB of counts
}

TEST(LagHistogramTest, PercentilesMatchTheExactOnesWithinABucket) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> lag(std::log(2000.0), 1.2);  // ~2 ms, long tail
  LagHistogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(lag(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t exact = ExactPercentile(values, p);
    const int64_t got = h.ValueAtPercentile(p);
    EXPECT_GE(got, exact) << p;  // the bucket's highest equivalent value
    EXPECT_LE(got, LagHistogram::HighestEquivalent(exact)) << p;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  long double sum = 0;
  for (int64_t v : values) sum += v;
  EXPECT_NEAR(h.mean(), static_cast<double>(sum / values.size()), 1e-6);
}

TEST(LagHistogramTest, SmallCountsRankExactly) {
  LagHistogram h;
  for (int64_t v : {10, 20, 30, 40}) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(25), 10);
  EXPECT_EQ(h.ValueAtPercentile(26), 20);
  EXPECT_EQ(h.ValueAtPercentile(50), 20);
  EXPECT_EQ(h.ValueAtPercentile(75), 30);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 40);
  LagHistogram empty;
  EXPECT_EQ(empty.ValueAtPercentile(50), 0);
  EXPECT_EQ(empty.mean(), 0.0);
}

TEST(LagHistogramTest, MergingEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  LagHistogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    const auto v = static_cast<int64_t>(rng() % 5'000'000);
    (i % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 99.0, 99.9}) {
    EXPECT_EQ(a.ValueAtPercentile(p), all.ValueAtPercentile(p)) << p;
  }
  std::vector<uint64_t> ca, cb;
  a.ForEachBucket([&](int64_t, int64_t, uint64_t n) { ca.push_back(n); });
  all.ForEachBucket([&](int64_t, int64_t, uint64_t n) { cb.push_back(n); });
  EXPECT_EQ(ca, cb);
  LagHistogram empty;
  a.Merge(empty);  // merging nothing changes nothing, min included
  EXPECT_EQ(a.min(), all.min());
}

TEST(LagHistogramTest, OutOfRangeValuesAreCountedNotDropped) {
  LagHistogram h;
  h.Record(-5);
  h.Record(LagHistogram::kHighestUs + 1000);
  h.RecordN(100, 3);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.clamped_low(), 1u);
  EXPECT_EQ(h.clamped_high(), 1u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), LagHistogram::kHighestUs);
  uint64_t buckets_total = 0;
  h.ForEachBucket([&](int64_t lo, int64_t hi, uint64_t n) {
    EXPECT_LE(lo, hi);
    buckets_total += n;
  });
  EXPECT_EQ(buckets_total, 5u);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.clamped_high(), 0u);
}

}  // namespace
}  // namespace binsync::lagbench
