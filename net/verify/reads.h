// verify's reads of one side: chunk checksums, (key, row hash) lists, bucket sums, rows
// of bucket spans and rows by key, with their bound parameters; and the comparison of
// two fetched rows. Internal to net/verify.
#ifndef BINSYNC_NET_VERIFY_READS_H_
#define BINSYNC_NET_VERIFY_READS_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "net/mysql/statement.h"
#include "core/schema/table_info.h"
#include "core/verify/chunks.h"
#include "net/verify/side.h"
#include "core/verify/report.h"

namespace binsync::verify {

using schema::TableInfo;
// Key values as text, in key column order.
using KeyValues = std::vector<std::string>;
using Row = std::vector<std::optional<std::string>>;

struct Range {
  std::optional<KeyValues> lower;  // exclusive
  std::optional<KeyValues> upper;  // inclusive
};

struct ChunkSum {
  uint64_t rows = 0;
  std::string hash;
  std::string gtid_pos;  // the server's gtid_binlog_pos right after reading the chunk
  double seconds = 0;
};

// Values for a range bound as VerifySql::RangeWhere numbers its placeholders: for key
// column i, the values of columns 0..i.
void AppendBound(const TableInfo& t, const KeyValues& v, std::vector<Param>* out);
[[nodiscard]] std::vector<Param> KeyParams(const TableInfo& t, const KeyValues& v);

[[nodiscard]] absl::StatusOr<ChunkSum> Checksum(Side& s, const TableInfo& t, const Range& r,
                                                bool live);

// (encoded key, row hash) of every row of a chunk, sorted by encoded key. Sorted
// vectors instead of a hash map: no node per row; encoded keys up to 15 bytes (5 bytes
// a key part, then its value: a one-column key of up to 10 characters) stay inline.
using RowHashList = std::vector<std::pair<std::string, uint64_t>>;
[[nodiscard]] absl::StatusOr<RowHashList> RowHashes(Side& s, const TableInfo& t, const Range& r,
                                                    size_t expected_rows);
// A key of RowHashList as its values.
[[nodiscard]] KeyValues DecodeKey(std::string_view k);

// Integer key intervals [low, high], as text, for VerifySql::RowsIn.
using Spans = std::vector<std::pair<std::string, std::string>>;
constexpr size_t kSpansPerQuery = 32;

// The rows of one RowsIn statement, every value copied into one buffer (reused from
// batch to batch: no allocation per row), sorted by key.
class RowBatch {
 public:
  explicit RowBatch(size_t columns) : columns_(columns) {}
  void Clear() {
    bytes_.clear();
    cells_.clear();
    order_.clear();
  }
  void Add(Int128 key, const RowValues& v) {
    order_.emplace_back(key, cells_.size());
    for (const auto& x : v) {
      cells_.push_back(Cell{bytes_.size(), x ? x->size() : 0, !x.has_value()});
      if (x) bytes_.append(*x);
    }
  }
  void Sort() { std::sort(order_.begin(), order_.end()); }
  size_t size() const { return order_.size(); }
  Int128 key(size_t i) const { return order_[i].first; }
  std::optional<std::string_view> value(size_t i, size_t column) const {
    const Cell& c = cells_[order_[i].second + column];
    if (c.null) return std::nullopt;
    return std::string_view(bytes_).substr(c.offset, c.size);
  }
  std::vector<std::optional<std::string>> Copy(size_t i) const {
    std::vector<std::optional<std::string>> out;
    out.reserve(columns_);
    for (size_t c = 0; c < columns_; ++c) {
      const auto v = value(i, c);
      out.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    return out;
  }

 private:
  struct Cell {
    size_t offset;
    size_t size;
    bool null;
  };
  size_t columns_;
  std::string bytes_;
  std::vector<Cell> cells_;
  std::vector<std::pair<Int128, size_t>> order_;  // key, first cell
};

// The rows of the range inside spans [from, from + kSpansPerQuery) (a short last batch
// padded with its last span).
[[nodiscard]] absl::Status RowsIn(Side& s, const TableInfo& t, const Range& r, const Spans& spans,
                                  size_t from, RowBatch* out);

// Per-bucket (count, xor of bucket hashes) of an integer-keyed range: bucket = k DIV width
// (truncated toward zero), sorted by bucket. Returns the rows counted.
struct BucketSum {
  Int128 bucket;
  uint64_t count;
  uint64_t hash;
  bool operator==(const BucketSum&) const = default;
};
using BucketList = std::vector<BucketSum>;
[[nodiscard]] absl::StatusOr<uint64_t> BucketSums(Side& s, const TableInfo& t, const Range& r,
                                                  Int128 width, size_t expected, BucketList* out);

// Appends the difference between A's row and B's row (one side may lack it), if any.
// value(a_side, column) reads a value; copy(a_side) the whole row; key() makes the key
// (called only for a difference).
template <typename Key, typename Value, typename Copy>
void AddIfDiffers(const TableInfo& t, bool on_a, bool on_b, Key&& key, Value&& value,
                  Copy&& copy, std::vector<RowDiff>* diffs) {
  RowDiff d;
  if (on_a && !on_b) {
    d.kind = DiffKind::kOnlyOnA;
  } else if (!on_a && on_b) {
    d.kind = DiffKind::kOnlyOnB;
  } else {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (value(true, c) != value(false, c)) d.columns.push_back(t.columns[c]);
    }
    if (d.columns.empty()) return;
    d.kind = DiffKind::kDifferent;
  }
  d.key = key();
  if (on_a) d.a_row = copy(true);
  if (on_b) d.b_row = copy(false);
  diffs->push_back(std::move(d));
}

// Classifies candidate keys from a fresh fetch of both sides; rows now equal drop out.
// `pos_a`/`pos_b` receive each side's GTID state right after its fetch (when `live`).
[[nodiscard]] absl::Status Classify(Side& a, Side& b, const TableInfo& t,
                                    const std::vector<KeyValues>& keys, bool live,
                                    std::vector<RowDiff>* diffs, std::string* pos_a,
                                    std::string* pos_b);

// A server count as a number (0 for NULL or not a number: counts verify reads back).
[[nodiscard]] uint64_t ToU64(std::optional<std::string_view> v);
[[nodiscard]] Row CopyRow(const RowValues& v);

}  // namespace binsync::verify

#endif  // BINSYNC_NET_VERIFY_READS_H_
