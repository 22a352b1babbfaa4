// LagHistogram: an HDR-style log-linear histogram of durations in microseconds, 1 us to 1 h
// at 3 significant digits (Gil Tene's HdrHistogram layout, implemented here from its
// published description; no Debian package has HdrHistogram_c).
//
// Layout: values 0..2047 have one bucket each; above, each power-of-two range [2^k, 2^(k+1))
// is split into 1024 equal sub-buckets, so a bucket's width is at most 1/1024 of its lower
// bound (relative error < 0.1%: 3 significant digits). Bucket i's range is
// [LowestEquivalent(v), HighestEquivalent(v)] for any v in it.
//
// Recording is constant time and never allocates (the counts array, ~180 KB, is allocated
// once by the constructor). Two histograms merge by adding counts (same layout always), so
// per-second and per-step histograms add up to the run's. Values above 1 h are counted at
// 1 h and in `clamped_high()`; negative values (a tap that saw the target before the source)
// at 0 and in `clamped_low()`: nothing is dropped silently.
//
// Not thread-safe: one thread records; merge copies across threads.
#ifndef BINSYNC_CORE_LAGBENCH_HISTOGRAM_H_
#define BINSYNC_CORE_LAGBENCH_HISTOGRAM_H_

#include <cstdint>
#include <functional>
#include <vector>

namespace binsync::lagbench {

class LagHistogram {
 public:
  static constexpr int64_t kHighestUs = 3'600'000'000;  // 1 h
  static constexpr int kSubBucketHalfMagnitude = 10;      // 1024 sub-buckets per half
  static constexpr int64_t kSubBucketHalf = int64_t{1} << kSubBucketHalfMagnitude;
  static constexpr int64_t kSubBucketCount = 2 * kSubBucketHalf;  // 2048: 3 digits

  LagHistogram();

  // Records one value (microseconds). Constant time, no allocation.
  void Record(int64_t us) { RecordN(us, 1); }
  void RecordN(int64_t us, uint64_t n);
  // Adds every count of `other` (same layout by construction).
  void Merge(const LagHistogram& other);
  void Reset();

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] int64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] int64_t max() const { return count_ == 0 ? 0 : max_; }
  // Mean of the recorded values (exact: kept as a running sum, not from buckets).
  [[nodiscard]] double mean() const;
  [[nodiscard]] uint64_t clamped_low() const { return clamped_low_; }
  [[nodiscard]] uint64_t clamped_high() const { return clamped_high_; }

  // The value at percentile `p` (0..100): the highest value equivalent to the bucket that
  // holds the ceil(p/100 * count)-th smallest value, capped at max(); p = 100 gives max(),
  // p = 0 gives min(). 0 when empty.
  [[nodiscard]] int64_t ValueAtPercentile(double p) const;

  // Bucket geometry: the range of values sharing `us`'s bucket.
  [[nodiscard]] static int64_t LowestEquivalent(int64_t us);
  [[nodiscard]] static int64_t HighestEquivalent(int64_t us);

  // Calls `fn(lowest, highest, count)` for every non-empty bucket in increasing order (for
  // JSON export: mergeable buckets).
  void ForEachBucket(const std::function<void(int64_t, int64_t, uint64_t)>& fn) const;

  [[nodiscard]] static size_t BucketCount();

 private:
  [[nodiscard]] static size_t IndexOf(int64_t us);
  [[nodiscard]] static int64_t ValueAt(size_t index);

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  long double sum_ = 0;
  uint64_t clamped_low_ = 0;
  uint64_t clamped_high_ = 0;
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_HISTOGRAM_H_
