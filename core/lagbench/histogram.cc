#include "core/lagbench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace binsync::lagbench {
namespace {

constexpr int kMask = LagHistogram::kSubBucketCount - 1;
// bucket_index = kLeadingZeroBase - clz(v | kMask): 0 for v < 2048, k for v in [2^(10+k), 2^(11+k)).
constexpr int kLeadingZeroBase = 64 - LagHistogram::kSubBucketHalfMagnitude - 1;

int BucketIndex(uint64_t v) { return kLeadingZeroBase - std::countl_zero(v | kMask); }

}  // namespace

size_t LagHistogram::IndexOf(int64_t us) {
  const auto v = static_cast<uint64_t>(us);
  const int bucket = BucketIndex(v);
  const auto sub = static_cast<int64_t>(v >> bucket);  // in [1024, 2048) once bucket > 0
  return static_cast<size_t>(((int64_t{bucket} + 1) << kSubBucketHalfMagnitude) + sub -
                             kSubBucketHalf);
}

int64_t LagHistogram::ValueAt(size_t index) {
  int bucket = static_cast<int>(index >> kSubBucketHalfMagnitude) - 1;
  int64_t sub = static_cast<int64_t>(index & (kSubBucketHalf - 1)) + kSubBucketHalf;
  if (bucket < 0) {
    sub -= kSubBucketHalf;
    bucket = 0;
  }
  return sub << bucket;
}

size_t LagHistogram::BucketCount() { return IndexOf(kHighestUs) + 1; }

LagHistogram::LagHistogram() : counts_(BucketCount(), 0) {}

int64_t LagHistogram::LowestEquivalent(int64_t us) {
  us = std::clamp<int64_t>(us, 0, kHighestUs);
  return ValueAt(IndexOf(us));
}

int64_t LagHistogram::HighestEquivalent(int64_t us) {
  us = std::clamp<int64_t>(us, 0, kHighestUs);
  const int bucket = BucketIndex(static_cast<uint64_t>(us));
  return LowestEquivalent(us) + (int64_t{1} << bucket) - 1;
}

void LagHistogram::RecordN(int64_t us, uint64_t n) {
  if (n == 0) return;
  if (us < 0) {
    clamped_low_ += n;
    us = 0;
  } else if (us > kHighestUs) {
    clamped_high_ += n;
    us = kHighestUs;
  }
  counts_[IndexOf(us)] += n;
  if (count_ == 0 || us < min_) min_ = us;
  if (count_ == 0 || us > max_) max_ = us;
  count_ += n;
  sum_ += static_cast<long double>(us) * static_cast<long double>(n);
}

void LagHistogram::Merge(const LagHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  if (count_ == 0 || other.max_ > max_) max_ = other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
  clamped_low_ += other.clamped_low_;
  clamped_high_ += other.clamped_high_;
}

void LagHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
  clamped_low_ = clamped_high_ = 0;
}

double LagHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

int64_t LagHistogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0) return min_;
  if (p >= 100) return max_;
  // The rank of the value asked for: ceil(p% of count), at least 1.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_) - 1e-9)));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestEquivalent(ValueAt(i)), max_);
  }
  return max_;
}

void LagHistogram::ForEachBucket(
    const std::function<void(int64_t, int64_t, uint64_t)>& fn) const {
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const int64_t low = ValueAt(i);
    fn(low, HighestEquivalent(low), counts_[i]);
  }
}

}  // namespace binsync::lagbench
