#include "core/verify/chunks.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace binsync {
namespace {

const Int128 kI64Min = std::numeric_limits<int64_t>::min();
const Int128 kI64Max = std::numeric_limits<int64_t>::max();
const Int128 kU64Max = std::numeric_limits<uint64_t>::max();

TEST(IntKeyTest, TextRoundTripsAtTheLimitsOfBothBigintTypes) {
  for (const char* s : {"0", "1", "-1", "-9223372036854775808", "9223372036854775807",
                        "18446744073709551615", "-170141183460469231731687303715884105727"}) {
    EXPECT_EQ(IntKeyText(ParseIntKey(s)), s);
  }
  EXPECT_EQ(ParseIntKey("-9223372036854775808"), kI64Min);
  EXPECT_EQ(ParseIntKey("18446744073709551615"), kU64Max);
}

TEST(IntKeyTest, LeadingZerosAndEmptyText) {
  EXPECT_EQ(ParseIntKey("042"), 42);
  EXPECT_EQ(ParseIntKey("-007"), -7);
  EXPECT_EQ(ParseIntKey(""), 0);
  EXPECT_EQ(IntKeyText(Int128{1} << 64), "18446744073709551616");
}

TEST(BucketSpanTest, PositiveNegativeAndTheDoubleWidthZeroBucket) {
  EXPECT_EQ(BucketSpan(3, 10, false), (IntKeySpan{30, 39}));
  EXPECT_EQ(BucketSpan(-3, 10, false), (IntKeySpan{-39, -30}));
  // -9 DIV 10 = 0 = 9 DIV 10: bucket 0 holds both signs.
  EXPECT_EQ(BucketSpan(0, 10, false), (IntKeySpan{-9, 9}));
}

TEST(BucketSpanTest, ClampedToTheColumnTypesRange) {
  EXPECT_EQ(BucketSpan(0, 10, true), (IntKeySpan{0, 9}));
  const Int128 w = Int128{1} << 62;
  EXPECT_EQ(BucketSpan(1, w, false), (IntKeySpan{w, kI64Max}));
  EXPECT_EQ(BucketSpan(-2, w, false), (IntKeySpan{kI64Min, -2 * w}));
  EXPECT_EQ(BucketSpan(3, w, true), (IntKeySpan{3 * w, kU64Max}));
}

// Every key of a signed BIGINT falls in the span of its own bucket (k DIV w truncates
// toward zero), at the ends of the type and around zero.
TEST(BucketSpanTest, EveryKeyIsInsideItsBucketsSpan) {
  for (const Int128 w : {Int128{2}, Int128{7}, Int128{1000}, Int128{1} << 40, Int128{1} << 62}) {
    for (const Int128 k : {kI64Min, kI64Min + 1, Int128{-1000001}, Int128{-1}, Int128{0},
                           Int128{1}, Int128{999999}, kI64Max - 1, kI64Max}) {
      const IntKeySpan s = BucketSpan(k / w, w, false);
      EXPECT_LE(s.low, k) << IntKeyText(k) << " w=" << IntKeyText(w);
      EXPECT_GE(s.high, k) << IntKeyText(k) << " w=" << IntKeyText(w);
    }
  }
}

TEST(RowsPerBucketTest, SixtyFourUntilSomethingDiffersThenClamped) {
  EXPECT_EQ(RowsPerBucket(0, 0), 64);
  EXPECT_EQ(RowsPerBucket(0, 1000000), 64);
  EXPECT_EQ(RowsPerBucket(1, 1), 16);               // everything differs: smallest buckets
  EXPECT_EQ(RowsPerBucket(1, 100000000), 128);      // almost nothing: largest
  EXPECT_NEAR(RowsPerBucket(66, 1000000), 100, 1e-9);  // sqrt(0.66 / 66e-6)
  EXPECT_EQ(RowsPerBucket(5, 0), 16);               // no rows seen: counted as one
}

TEST(BucketWidthTest, AtLeastTwoAtMostTwoToThe62) {
  EXPECT_EQ(BucketWidth(64, 1), 64);
  EXPECT_EQ(BucketWidth(64, 100), 2);                  // never a bucket per key
  EXPECT_EQ(BucketWidth(16, 1e-30), Int128{1} << 62);  // a sparse BIGINT space
  EXPECT_EQ(BucketWidth(64, 0.5), 128);
}

TEST(BucketWidthTest, KeyHashedPastTwoToThe31) {
  EXPECT_FALSE(BucketHashesKey(Int128{1} << 31));
  EXPECT_TRUE(BucketHashesKey((Int128{1} << 31) + 1));
}

TEST(ChunkSizerTest, FirstChunkAndGrowthAtMostFourfold) {
  ChunkSizer s(0.5);
  EXPECT_EQ(s.target_rows(), 10000);
  s.Observe(10000, 0.001);  // very fast: capped at 4x
  EXPECT_EQ(s.target_rows(), 40000);
  s.Observe(40000, 0.0001);
  EXPECT_EQ(s.target_rows(), 160000);
}

TEST(ChunkSizerTest, SlowChunksShrinkToTheTargetTimeButNotBelowAThousand) {
  ChunkSizer s(0.5);
  s.Observe(10000, 1.0);  // 10k rows/s: 5000 rows per half second
  EXPECT_EQ(s.target_rows(), 5000);
  s.Observe(100, 10.0);
  EXPECT_EQ(s.target_rows(), 1000);
}

TEST(ChunkSizerTest, EmptyChunkCountsAsOneRowAndZeroTimeIsBounded) {
  ChunkSizer s(0.5);
  s.Observe(0, 0);  // 1 row / 1e-4 s * 0.5 = 5000
  EXPECT_EQ(s.target_rows(), 5000);
}

TEST(ChunkSizerTest, NeverAboveFiveMillionRows) {
  ChunkSizer s(100);
  for (int i = 0; i < 20; ++i) s.Observe(static_cast<uint64_t>(s.target_rows()), 0.01);
  EXPECT_EQ(s.target_rows(), 5e6);
}

TEST(ChunkSizerTest, IntegerRangeChunksCoverTheSpanOnceInOrder) {
  ChunkSizer s(0.5, -5, 25000);
  std::optional<Int128> lower;
  std::vector<Int128> uppers;
  for (;;) {
    const std::optional<Int128> upper = s.NextUpper(lower);
    if (!upper) break;
    ASSERT_TRUE(!lower || *upper > *lower);
    uppers.push_back(*upper);
    lower = upper;
  }
  // Width 10000 from lo - 1 = -6: -6 + 10000 and + 20000; the rest (to 25000) is the end.
  EXPECT_EQ(uppers, (std::vector<Int128>{9994, 19994}));
}

TEST(ChunkSizerTest, SingleKeyTableIsOneChunk) {
  ChunkSizer s(0.5, 7, 7);
  EXPECT_EQ(s.NextUpper(std::nullopt), std::nullopt);
}

TEST(ChunkSizerTest, WidthFollowsDensityButNeverExceedsTheSpan) {
  // Sparse: 10 rows in 10000 keys, fast. Next target 40000 rows at 0.001 rows/key would be
  // 4e7 keys; the span is only 1e6 + 1.
  ChunkSizer s(0.5, 0, 1000000);
  s.Observe(10, 0.0001);
  EXPECT_DOUBLE_EQ(s.key_density(), 0.001);
  EXPECT_EQ(s.width(), 1000001);
  // Dense: one row per key, slow: width follows the 1000-row minimum.
  ChunkSizer d(0.5, 0, 1000000);
  d.Observe(10000, 100);
  EXPECT_EQ(d.width(), 1000);
}

TEST(ChunkSizerTest, HugeUnsignedSpanDoesNotOverflow) {
  ChunkSizer s(0.5, 0, kU64Max);
  s.Observe(1, 0.0001);  // one row in 10000 keys
  EXPECT_GT(s.width(), 10000);
  EXPECT_LE(s.width(), kU64Max + 1);
  EXPECT_TRUE(s.NextUpper(kU64Max - 5) == std::nullopt);
}

}  // namespace
}  // namespace binsync
