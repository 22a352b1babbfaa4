#include "core/verify/chunks.h"

#include <algorithm>
#include <cmath>

namespace binsync {

__extension__ typedef unsigned __int128 UInt128;

Int128 ParseIntKey(std::string_view s) {
  Int128 v = 0;
  const bool neg = !s.empty() && s[0] == '-';
  for (char c : s.substr(neg ? 1 : 0)) v = v * 10 + (c - '0');
  return neg ? -v : v;
}

std::string IntKeyText(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  std::string s;
  for (UInt128 u = neg ? static_cast<UInt128>(-v) : static_cast<UInt128>(v); u > 0; u /= 10) {
    s += static_cast<char>('0' + static_cast<int>(u % 10));
  }
  if (neg) s += '-';
  return {s.rbegin(), s.rend()};
}

IntKeySpan BucketSpan(Int128 bucket, Int128 width, bool is_unsigned) {
  const Int128 type_min = is_unsigned ? 0 : -(Int128{1} << 63);
  const Int128 type_max = is_unsigned ? (Int128{1} << 64) - 1 : (Int128{1} << 63) - 1;
  const Int128 low = bucket > 0 ? bucket * width : bucket * width - (width - 1);
  const Int128 high = bucket < 0 ? bucket * width : bucket * width + (width - 1);
  return IntKeySpan{std::max(low, type_min), std::min(high, type_max)};
}

double RowsPerBucket(uint64_t diff_rows_seen, uint64_t rows_seen) {
  if (diff_rows_seen == 0) return 64;
  const double p = static_cast<double>(diff_rows_seen) /
                   static_cast<double>(std::max<uint64_t>(rows_seen, 1));
  return std::clamp(std::sqrt(0.66 / p), 16.0, 128.0);
}

Int128 BucketWidth(double rows_per_bucket, double key_density) {
  return std::clamp<Int128>(static_cast<Int128>(rows_per_bucket / key_density), 2,
                            Int128{1} << 62);
}

bool BucketHashesKey(Int128 width) { return width > (Int128{1} << 31); }

std::optional<Int128> ChunkSizer::NextUpper(std::optional<Int128> lower) const {
  const Int128 from = lower ? *lower : lo_ - 1;
  if (from + width_ < hi_) return from + width_;
  return std::nullopt;
}

void ChunkSizer::Observe(uint64_t rows, double seconds) {
  const double secs = std::max(seconds, 1e-4);
  const double counted = static_cast<double>(std::max<uint64_t>(rows, 1));
  const double next =
      std::clamp(counted / secs * chunk_time_s_, 1000.0, std::min(target_rows_ * 4, 5e6));
  if (int_range_) {
    const double density = counted / static_cast<double>(std::max<Int128>(width_, 1));
    // Sparse keys (a BIGINT space with few rows) need widths far beyond 1e9 per row;
    // never wider than the whole key span.
    const double span = static_cast<double>(hi_ - lo_) + 1;
    key_density_ = std::max(density, 1e-30);
    width_ = std::max<Int128>(static_cast<Int128>(std::min(next / key_density_, span)), 1);
  }
  target_rows_ = next;
}

}  // namespace binsync
