// Chunk planning for verify: integer key arithmetic (128 bits, so BIGINT UNSIGNED and
// negative BIGINT keys both fit and a range's width never overflows), the bucket spans of
// the bucket pass, and the steering of chunk sizes toward a target time per chunk. Pure:
// the executor (net/verify/verify_runner) measures, this decides.
#ifndef BINSYNC_CORE_VERIFY_CHUNKS_H_
#define BINSYNC_CORE_VERIFY_CHUNKS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace binsync {

__extension__ typedef __int128 Int128;

// An integer key as the server prints it ("-42", "18446744073709551615") and back.
// ParseIntKey reads an optional '-' then decimal digits; it expects what the server
// printed for an integer column and does not validate (no digits: 0).
[[nodiscard]] Int128 ParseIntKey(std::string_view text);
[[nodiscard]] std::string IntKeyText(Int128 v);

// The keys of bucket `bucket` = k DIV width (the server's DIV truncates toward zero):
// [b*w, b*w+w-1] for b > 0, [b*w-w+1, b*w] for b < 0, and [-(w-1), w-1] for b = 0 (twice
// as wide: both signs truncate to 0), clamped to the column type's range. `width` >= 1.
struct IntKeySpan {
  Int128 low;
  Int128 high;
  bool operator==(const IntKeySpan&) const = default;
};
[[nodiscard]] IntKeySpan BucketSpan(Int128 bucket, Int128 width, bool is_unsigned);

// Rows per bucket for the next bucket pass. Smaller buckets cost the scan a little (more
// groups: ~0.86 us per table row / rows per bucket, sending and reading included) and
// save reading the rows of each differing bucket (~1.3 us a row): with p differing rows
// per row seen so far in this table, the sum is least at sqrt(0.66 / p), kept within
// [16, 128] (measured on sysbench rows, docs/verify.md). 64 while nothing differs yet.
[[nodiscard]] double RowsPerBucket(uint64_t diff_rows_seen, uint64_t rows_seen);

// The bucket width (keys per bucket) for `rows_per_bucket` rows at `key_density` rows per
// key value: at least 2 (k DIV 1 would be a bucket per key), at most 2^62.
[[nodiscard]] Int128 BucketWidth(double rows_per_bucket, double key_density);

// The bucket hash's key factor repeats every 2^31 keys: wider buckets hash the key too.
[[nodiscard]] bool BucketHashesKey(Int128 width);

// Steers chunk sizes toward `chunk_time_s` seconds per chunk. Every chunk's measured rows
// and time set the next chunk's target rows: the measured rate times the target time,
// at least 1,000 rows, at most 4 times the previous target and 5,000,000. On a single
// integer key chunks are key ranges: the width (keys per chunk) follows the target rows
// at the key density the last chunk measured, never wider than the whole key span.
class ChunkSizer {
 public:
  static constexpr double kFirstChunkRows = 10000;

  // Chunks walked along the index (LIMIT 1 OFFSET n): rows only.
  explicit ChunkSizer(double chunk_time_s) : chunk_time_s_(chunk_time_s) {}
  // Chunks as ranges of a single integer key whose values (on either side) span [lo, hi].
  ChunkSizer(double chunk_time_s, Int128 lo, Int128 hi)
      : chunk_time_s_(chunk_time_s), int_range_(true), lo_(lo), hi_(hi) {}

  // The next chunk's inclusive upper key after `lower` (exclusive; nullopt: the first
  // chunk), or nullopt when the chunk runs to the end of the table. Integer ranges only.
  [[nodiscard]] std::optional<Int128> NextUpper(std::optional<Int128> lower) const;
  // Records a finished chunk: `rows` read in `seconds`.
  void Observe(uint64_t rows, double seconds);

  [[nodiscard]] double target_rows() const { return target_rows_; }
  [[nodiscard]] Int128 width() const { return width_; }
  // Rows per key value as the last chunk measured (1 until then).
  [[nodiscard]] double key_density() const { return key_density_; }

 private:
  double chunk_time_s_;
  bool int_range_ = false;
  Int128 lo_ = 0;
  Int128 hi_ = 0;
  double target_rows_ = kFirstChunkRows;
  Int128 width_ = 10000;
  double key_density_ = 1;
};

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_CHUNKS_H_
