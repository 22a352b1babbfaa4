#include "verify/mysql/verify_runner.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "gtid/mariadb_gtid.h"
#include "replicate/assembler.h"
#include "replicate/row_walker.h"
#include "replicate/writeset.h"
#include "schema/row_key.h"
#include "verify/chunks.h"
#include "verify/diff_merge.h"
#include "verify/settle.h"
#include "verify/sql.h"
#include "util/clock.h"
#include "util/progress.h"
#include "util/both.h"
#include "util/status_macros.h"
#include "util/strings.h"
#include "mysql/binlog_stream.h"
#include "mysql/inspect.h"
#include "mysql/schema_cache.h"
#include "mysql/schema_loader.h"
#include "schema/column_types.h"
#include "verify/compared_table.h"
#include "mysql/statement.h"
#include "verify/mysql/verify_state.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

using schema::QuotedName;
using schema::TableInfo;
using KeyValues = std::vector<std::string>;

constexpr const char* kSystemSchemas =
    "('mysql','information_schema','performance_schema','sys','binsync')";


// One server's side of the comparison: its connection and statement cache. Used by one
// thread at a time (A on the caller's thread, B on a helper thread per step).
struct Side {
  Connection conn;
  HashFunctions hash = HashFunctions::kMariaDb;
  uint32_t server_id = 0;
  std::optional<uint32_t> domain_id;  // MariaDB gtid_domain_id
  // May still apply the other side's transactions: a replication channel whose SQL thread
  // runs, or was stopped without an error (paused, or lagging on purpose). A channel
  // stopped by an error is broken: what it lacks is not in flight.
  bool replicating = false;
  ConnectOptions connect;  // for the backlog scan (ScanBacklog)
  std::optional<CatchUpWatch> watch;  // settle budget across the whole run
  Clock::time_point epoch = Clock::now();
  // What this side lacks of the other's binlog, as last scanned while it was stalled: at
  // its applied position `backlog_from`, the other's binlog read up to `backlog_to`.
  std::string backlog_from;
  std::string backlog_to;
  InFlightRows backlog;
  std::map<std::string, PreparedStatement> cache;

  absl::StatusOr<PreparedStatement*> Stmt(const std::string& sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      ASSIGN_OR_RETURN(PreparedStatement ps, PreparedStatement::Prepare(conn, sql));
      it = cache.emplace(sql, std::move(ps)).first;
    }
    return &it->second;
  }
};

ParamType KeyParamType(const TableInfo& t, size_t c) {
  if (schema::IsIntegerColumn(t, c)) {
    return schema::IsUnsignedColumn(t, c) ? ParamType::kUnsigned : ParamType::kSigned;
  }
  if (schema::IsDecimalColumn(t, c)) return ParamType::kDecimal;
  if (schema::IsBinaryColumn(t, c)) return ParamType::kBinary;
  return ParamType::kText;
}

// Values for a range bound as VerifySql::RangeWhere numbers its placeholders: for key
// column i, the values of columns 0..i.
void AppendBound(const TableInfo& t, const KeyValues& v, std::vector<Param>* out) {
  for (size_t i = 0; i < KeyColumns(t).size(); ++i) {
    for (size_t j = 0; j <= i; ++j) {
      out->push_back(Param{std::string_view(v[j]), KeyParamType(t, KeyColumns(t)[j])});
    }
  }
}

std::vector<Param> KeyParams(const TableInfo& t, const KeyValues& v) {
  std::vector<Param> out;
  for (size_t j = 0; j < KeyColumns(t).size(); ++j) {
    out.push_back(Param{std::string_view(v[j]), KeyParamType(t, KeyColumns(t)[j])});
  }
  return out;
}

struct Range {
  std::optional<KeyValues> lower;  // exclusive
  std::optional<KeyValues> upper;  // inclusive
};

std::vector<Param> RangeParams(const TableInfo& t, const Range& r) {
  std::vector<Param> p;
  if (r.lower) AppendBound(t, *r.lower, &p);
  if (r.upper) AppendBound(t, *r.upper, &p);
  return p;
}

struct ChunkSum {
  uint64_t rows = 0;
  std::string hash;
  std::string gtid_pos;  // the server's gtid_binlog_pos right after reading the chunk
  double seconds = 0;
};

// The transactions `s` has applied, as its GTID state (MariaDB current_pos, MySQL executed);
// empty without `live` replication, where nothing reads it (no query then).
absl::StatusOr<std::string> GtidState(Side& s, bool live) {
  if (!live) return std::string();
  ASSIGN_OR_RETURN(auto pos, s.conn.QueryValue(s.hash != HashFunctions::kMySql
                                                    ? "SELECT @@gtid_current_pos"
                                                    : "SELECT @@gtid_executed"));
  return pos.value_or("");
}

absl::StatusOr<ChunkSum> Checksum(Side& s, const TableInfo& t, const Range& r, bool live) {
  const auto start = Clock::now();
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::ChunkChecksum(t, s.hash, r.lower.has_value(),
                                                   r.upper.has_value())));
  ChunkSum out;
  const std::vector<Param> params = RangeParams(t, r);
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& row) {
    ASSIGN_OR_RETURN(out.rows, NumberOf(StrCat(t.QualifiedName(), " chunk row count"), row[0].value_or("0")));
    out.hash = std::string(row[1].value_or(""));
    return absl::OkStatus();
  }));
  out.seconds = SecondsSince(start);
  ASSIGN_OR_RETURN(out.gtid_pos, GtidState(s, live));
  return out;
}

// The transactions replication has applied on `s` (MariaDB gtid_slave_pos): what moves
// while it catches up, and nothing else.
absl::StatusOr<std::string> AppliedPos(Side& s) {
  ASSIGN_OR_RETURN(auto pos, s.conn.QueryValue("SELECT @@gtid_slave_pos"));
  return pos.value_or("");
}

// Waits until `s` has applied the other side's position (its own writes excluded: those
// with its server_id, and those in its own GTID domain, which it wrote or binsync applied
// there in catchup mode; it never receives them back), for as long as its applied
// position moves: kCaughtUp, or kStalled once it has not moved for the settle budget.
absl::StatusOr<CatchUpWatch::Verdict> CatchUpTo(Side& s, const std::string& other_pos) {
  using Verdict = CatchUpWatch::Verdict;
  if (!s.replicating || other_pos.empty()) return Verdict::kCaughtUp;
  auto pos = ParseMariaDbGtidPos(other_pos);
  if (!pos.ok()) return Verdict::kCaughtUp;  // MySQL GTID sets: not waited for
  const std::string wait = FormatMariaDbGtidPos(WithoutOwn(*pos, s.server_id, s.domain_id));
  if (wait.empty()) return Verdict::kCaughtUp;
  ASSIGN_OR_RETURN(std::string applied, AppliedPos(s));
  Verdict v = s.watch->Begin(applied, SecondsSince(s.epoch));
  if (v == Verdict::kStalled) return v;  // still where it stalled before: said already
  const double slice = std::clamp(s.watch->budget_s() / 4, 0.05, 1.0);
  const std::string sql =
      StrCat("SELECT MASTER_GTID_WAIT(", s.conn.QuoteLiteral(wait), ", ", slice, ")");
  while (v == Verdict::kKeepWaiting) {
    ASSIGN_OR_RETURN(auto r, s.conn.QueryValue(sql));
    const bool reached = r.value_or("-1") == "0";
    ASSIGN_OR_RETURN(applied, AppliedPos(s));
    v = s.watch->Observe(applied, reached, SecondsSince(s.epoch));
  }
  if (v == Verdict::kStalled) {
    spdlog::warn("verify: {} has not applied {} and its replication made no progress for {} s "
                 "(at {}); rows its backlog touches are listed as unsettled",
                 s.conn.endpoint(), wait, s.watch->budget_s(), applied);
  }
  return v;
}

// binsync verify's replica server_id for reading a backlog ("bsyv"): not binsync
// replicate's, whose stream a second registration under the same id would end.
constexpr uint32_t kVerifyScanServerId = 0x62737976;

// Where to read `ahead`'s binlog from to see what `behind` lacks: per GTID domain the
// lower of the two positions (`behind` applied, `ahead` binlogged); a domain only one
// of them has is left out (read from the binlog's start, or not in it).
std::string BacklogStart(const std::string& behind_pos, const std::string& ahead_pos) {
  auto b = ParseMariaDbGtidPos(behind_pos);
  auto a = ParseMariaDbGtidPos(ahead_pos);
  if (!a.ok() || !b.ok()) return "";
  MariaDbGtidPos out;
  for (const MariaDbGtid& x : *a) {
    for (const MariaDbGtid& y : *b) {
      if (x.domain_id == y.domain_id) out.push_back(x.seq_no <= y.seq_no ? x : y);
    }
  }
  return FormatMariaDbGtidPos(out);
}

// Reads `ahead`'s binlog from `start` to its current end, `skip_server`'s own transactions
// left out, adding the keys of the rows each changes to `rows`. Returns the position after
// the last transaction read.
absl::StatusOr<std::string> ReadBacklog(const ConnectOptions& ahead, const std::string& start,
                                        uint32_t skip_server, InFlightRows* rows) {
  BinlogStreamOptions so;
  so.connect = ahead;
  so.server_id = kVerifyScanServerId;
  so.stop_at_end = true;
  so.start_gtid = start;
  if (start.empty()) so.start_file.clear();
  ASSIGN_OR_RETURN(std::unique_ptr<BinlogStream> s, BinlogStream::Open(so));
  ASSIGN_OR_RETURN(MariaDbGtidPos start_pos, ParseMariaDbGtidPos(start));
  replicate::Assembler assembler(start_pos);
  SchemaCache schema(ahead);
  const schema::TableLookup lookup =
      [&](std::string_view db,
          std::string_view table) -> absl::StatusOr<std::shared_ptr<const schema::TableInfo>> {
    absl::StatusOr<std::shared_ptr<const schema::TableInfo>> info = schema.Get(db, table);
    if (absl::IsNotFound(info.status())) {
      rows->AddTable(StrCat(db, ".", table));  // dropped since: whatever has that name
      return nullptr;
    }
    return info;
  };
  replicate::RowWalker walker;
  walker.set_skip_mismatched_tables(true);
  binlog::EventView ev;
  binlog::Event decoded;
  std::vector<std::string> key;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, s->Next(&ev));
    if (!more) break;
    if (IsStreamArtificial(ev)) continue;
    RETURN_IF_ERROR(s->Decode(ev, &decoded));
    std::unique_ptr<replicate::Transaction> t;
    RETURN_IF_ERROR(assembler.Add(ev, decoded, s->format(), s->file(), &t));
    if (t == nullptr || t->server_id == skip_server) continue;
    if (t->has_statements) rows->AddEverything();  // DDL or statement-based DML: any table
    RETURN_IF_ERROR(walker.Walk(
        *t, lookup, nullptr,
        [&](const std::shared_ptr<const schema::TableInfo>& info, binlog::RowsKind /*kind*/,
            const binlog::RowImage* before, const binlog::RowImage* after,
            const binlog::EventView& /*ev*/) {
          for (const binlog::RowImage* img : {before, after}) {
            if (img == nullptr) continue;
            if (replicate::PrimaryKeyText(*info, *img, &key)) {
              rows->AddRow(info->QualifiedName(), key);
            } else {
              rows->AddTable(info->QualifiedName());
            }
          }
          return absl::OkStatus();
        },
        replicate::IgnoreStatement));
  }
  return assembler.Position();
}

// What stalled `behind` lacks of `ahead`: the rows of every transaction in ahead's binlog
// past behind's applied position, up to the binlog's end now. Kept in `behind` and read
// on from where it stopped while behind stays where it stalled. A backlog that cannot be
// read touches everything.
const InFlightRows& ScanBacklog(Side& behind, Side& ahead) {
  auto scan = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const std::string behind_pos, GtidState(behind, true));
    if (behind_pos != behind.backlog_from || behind.backlog_to.empty()) {
      ASSIGN_OR_RETURN(auto ahead_pos, ahead.conn.QueryValue("SELECT @@gtid_binlog_pos"));
      behind.backlog = InFlightRows();
      behind.backlog_from = behind_pos;
      behind.backlog_to = BacklogStart(behind_pos, ahead_pos.value_or(""));
    }
    ASSIGN_OR_RETURN(behind.backlog_to, ReadBacklog(ahead.connect, behind.backlog_to,
                                                    behind.server_id, &behind.backlog));
    return absl::OkStatus();
  };
  if (absl::Status st = scan(); !st.ok()) {
    spdlog::warn("verify: cannot read what {} lacks from {}'s binlog ({}); every row that "
                 "differs is listed as unsettled",
                 behind.conn.endpoint(), ahead.conn.endpoint(), st.message());
    behind.backlog.AddEverything();
    behind.backlog_to.clear();
  }
  return behind.backlog;
}

// True when a recheck could see something else (see MayStillConverge).
bool InFlight(const Side& a, const std::string& pos_a, const Side& b, const std::string& pos_b) {
  return MayStillConverge(GtidSide{pos_a, a.replicating, a.domain_id},
                          GtidSide{pos_b, b.replicating, b.domain_id});
}

// The key columns (the first n) of a row, encoded exactly (schema/row_key.h).
std::string EncodeKey(const RowValues& row, size_t n) {
  std::string k;
  for (size_t i = 0; i < n; ++i) schema::AppendKeyPart(&k, row[i]);
  return k;
}

// Keys are NOT NULL (a primary key, or a unique key of NOT NULL columns): no part is NULL.
KeyValues DecodeKey(std::string_view k) {
  std::vector<std::optional<std::string>> parts;
  KeyValues out;
  if (!schema::DecodeRowKey(k, &parts)) return out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(p ? std::move(*p) : std::string());
  return out;
}

uint64_t ToU64(std::optional<std::string_view> v) {
  uint64_t out = 0;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

// (encoded key, row hash) of every row of a chunk, sorted by encoded key. Sorted
// vectors instead of a hash map: no node per row; encoded keys up to 15 bytes (5 bytes
// a key part, then its value: a one-column key of up to 10 characters) stay inline.
using RowHashList = std::vector<std::pair<std::string, uint64_t>>;

absl::StatusOr<RowHashList> RowHashes(Side& s, const TableInfo& t, const Range& r,
                                      size_t expected_rows) {
  RowHashList out;
  out.reserve(expected_rows);
  const size_t n = KeyColumns(t).size();
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::RowHashes(t, s.hash, r.lower.has_value(), r.upper.has_value())));
  RETURN_IF_ERROR(ps->Query(RangeParams(t, r), [&](const RowValues& row) {
    out.emplace_back(EncodeKey(row, n), ToU64(row[n]));
    return absl::OkStatus();
  }));
  std::sort(out.begin(), out.end());
  return out;
}

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
absl::Status RowsIn(Side& s, const TableInfo& t, const Range& r, const Spans& spans,
                    size_t from, RowBatch* out) {
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::RowsIn(t, r.lower.has_value(), r.upper.has_value(),
                                            kSpansPerQuery)));
  const ParamType type = KeyParamType(t, KeyColumns(t)[0]);
  std::vector<Param> params = RangeParams(t, r);
  for (size_t j = 0; j < kSpansPerQuery; ++j) {
    const auto& [low, high] = spans[std::min(from + j, spans.size() - 1)];
    params.push_back(Param{std::string_view(low), type});
    params.push_back(Param{std::string_view(high), type});
  }
  out->Clear();
  const size_t key_col = KeyColumns(t)[0];
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& v) {
    out->Add(ParseIntKey(v[key_col].value_or("0")), v);
    return absl::OkStatus();
  }));
  out->Sort();
  return absl::OkStatus();
}

// Per-bucket (count, xor of bucket hashes) of an integer-keyed range: bucket = k DIV width
// (truncated toward zero), sorted by bucket. Returns the rows counted.
struct BucketSum {
  Int128 bucket;
  uint64_t count;
  uint64_t hash;
  bool operator==(const BucketSum&) const = default;
};
using BucketList = std::vector<BucketSum>;

absl::StatusOr<uint64_t> BucketSums(Side& s, const TableInfo& t, const Range& r, Int128 width,
                                    size_t expected, BucketList* out) {
  const bool key_in_image = BucketHashesKey(width);
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::BucketSums(t, r.lower.has_value(), r.upper.has_value(),
                                                key_in_image)));
  const std::string width_text = IntKeyText(width);
  // Signed: an unsigned divisor makes the server type the quotient unsigned, and a
  // negative key's bucket then fails the fetch.
  std::vector<Param> params = {Param{std::string_view(width_text), ParamType::kSigned}};
  for (const Param& p : RangeParams(t, r)) params.push_back(p);
  uint64_t rows = 0;
  out->reserve(expected);
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& row) {
    const uint64_t count = ToU64(row[1]);
    rows += count;
    out->push_back(BucketSum{ParseIntKey(row[0].value_or("0")), count, ToU64(row[2])});
    return absl::OkStatus();
  }));
  std::sort(out->begin(), out->end(),
            [](const BucketSum& x, const BucketSum& y) { return x.bucket < y.bucket; });
  return rows;
}

using Row = std::vector<std::optional<std::string>>;

Row CopyRow(const RowValues& v) {
  Row r;
  r.reserve(v.size());
  for (const auto& x : v) {
    r.push_back(x ? std::optional<std::string>(std::string(*x)) : std::nullopt);
  }
  return r;
}

// Rows of a single-column key, kFetchBatch keys per statement (the last batch padded
// with its last key), matched back to their keys by the key column's text.
constexpr size_t kFetchBatch = 64;

absl::StatusOr<std::vector<std::optional<Row>>> FetchRowsBatched(
    Side& s, const TableInfo& t, const std::vector<KeyValues>& keys) {
  ASSIGN_OR_RETURN(PreparedStatement * ps, s.Stmt(VerifySql::RowsByKeys(t, kFetchBatch)));
  const size_t key_col = KeyColumns(t)[0];
  const ParamType type = KeyParamType(t, key_col);
  std::vector<std::optional<Row>> out(keys.size());
  std::map<Int128, size_t> index;  // by value: "42" and "042" are the same key
  for (size_t i = 0; i < keys.size(); ++i) index.emplace(ParseIntKey(keys[i][0]), i);
  std::vector<Param> params(kFetchBatch);
  for (size_t from = 0; from < keys.size(); from += kFetchBatch) {
    for (size_t j = 0; j < kFetchBatch; ++j) {
      params[j] = Param{std::string_view(keys[std::min(from + j, keys.size() - 1)][0]), type};
    }
    RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& v) {
      auto it = index.find(ParseIntKey(v[key_col].value_or("")));
      if (it != index.end()) out[it->second] = CopyRow(v);
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<Row>>> FetchRows(Side& s, const TableInfo& t,
                                                          const std::vector<KeyValues>& keys) {
  // Integer keys print back exactly as bound; other types may not (collations, padding).
  if (KeyColumns(t).size() == 1 && schema::IsIntegerColumn(t, KeyColumns(t)[0])) return FetchRowsBatched(s, t, keys);
  ASSIGN_OR_RETURN(PreparedStatement * ps, s.Stmt(VerifySql::RowByKey(t)));
  std::vector<std::optional<Row>> out;
  out.reserve(keys.size());
  for (const KeyValues& k : keys) {
    std::optional<Row> row;
    RETURN_IF_ERROR(ps->Query(KeyParams(t, k), [&](const RowValues& v) {
      row = CopyRow(v);
      return absl::OkStatus();
    }));
    out.push_back(std::move(row));
  }
  return out;
}

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
absl::Status Classify(Side& a, Side& b, const TableInfo& t, const std::vector<KeyValues>& keys,
                      bool live, std::vector<RowDiff>* diffs, std::string* pos_a,
                      std::string* pos_b) {
  diffs->clear();
  if (keys.empty()) return absl::OkStatus();
  auto fetch = [&t, &keys, live](Side& s, std::string* pos) -> absl::StatusOr<std::vector<std::optional<Row>>> {
    ASSIGN_OR_RETURN(auto rows, FetchRows(s, t, keys));
    ASSIGN_OR_RETURN(*pos, GtidState(s, live));
    return rows;
  };
  auto [ra, rb] = Both([&] { return fetch(a, pos_a); }, [&] { return fetch(b, pos_b); });
  if (!ra.ok()) return ra.status();
  if (!rb.ok()) return rb.status();
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto& x = (*ra)[i];
    const auto& y = (*rb)[i];
    if (!x && !y) continue;
    auto value = [&](bool a_side, size_t c) -> std::optional<std::string_view> {
      const auto& v = (*(a_side ? x : y))[c];
      if (!v) return std::nullopt;
      return std::string_view(*v);
    };
    AddIfDiffers(
        t, x.has_value(), y.has_value(), [&] { return keys[i]; }, value,
        [&](bool a_side) { return *(a_side ? x : y); }, diffs);
  }
  return absl::OkStatus();
}

// The databases a run can touch, when the selection names them all (--databases, or
// every --tables entry as db.table); empty: any.
std::vector<std::string> SelectedSchemas(const VerifyOptions& o) {
  if (!o.databases.empty()) return o.databases;
  std::vector<std::string> out;
  for (const std::string& t : o.tables) {
    const size_t dot = t.find('.');
    if (dot == std::string::npos) return {};
    out.push_back(t.substr(0, dot));
  }
  return out;
}

// `sql` (a SELECT whose WHERE clause is open) restricted to `schemas` by `column`, with
// bound values, then `tail`. Restricting keeps the server from opening every table
// definition it has (information_schema), which on a server with many tables is slow.
absl::StatusOr<ResultSet> QueryInSchemas(Connection& c, std::string sql, std::string_view column,
                                         const std::vector<std::string>& schemas,
                                         std::string_view tail) {
  std::vector<Param> params;
  if (!schemas.empty()) {
    StrAppend(&sql, " AND ", column, " IN (");
    for (size_t i = 0; i < schemas.size(); ++i) {
      StrAppend(&sql, i == 0 ? "?" : ", ?");
      params.push_back(Param{std::string_view(schemas[i]), ParamType::kText});
    }
    sql += ")";
  }
  StrAppend(&sql, " ", tail);
  ASSIGN_OR_RETURN(PreparedStatement ps, PreparedStatement::Prepare(c, sql));
  std::vector<ResultSet::Row> rows;
  size_t ncols = 0;
  RETURN_IF_ERROR(ps.Query(params, [&](const RowValues& v) {
    ncols = v.size();
    rows.push_back(CopyRow(v));
    return absl::OkStatus();
  }));
  return ResultSet(std::vector<std::string>(ncols), std::move(rows));
}

// The selected tables of `c` (base tables outside the system schemas), as verify compares
// them (verify/compared_table.h), by "db.table".
absl::StatusOr<std::map<std::string, TableInfo>> LoadSchemas(Connection& c,
                                                             const VerifyOptions& o) {
  TableScope scope;
  scope.schemas = SelectedSchemas(o);
  scope.user_base_tables = true;
  scope.foreign_keys = false;  // verify does not use them
  ASSIGN_OR_RETURN(auto loaded, LoadTableInfos(c, scope));
  std::map<std::string, TableInfo> out;
  for (const auto& [name, info] : loaded) {
    if (!TableSelected(o.databases, o.tables, info.db, info.name)) continue;
    if (std::find(o.ignore_databases.begin(), o.ignore_databases.end(), info.db) !=
        o.ignore_databases.end()) {
      continue;
    }
    if (!o.ignore_tables.empty() && TableSelected({}, o.ignore_tables, info.db, info.name)) {
      continue;
    }
    TableInfo compared = ComparedTable(info);
    if (compared.columns.empty()) continue;  // only generated columns: nothing to compare
    out.emplace(name, std::move(compared));
  }
  return out;
}

// The databases and base tables ("db.table") `c` has, for UnmatchedSelection.
struct ExistingNames {
  std::vector<std::string> schemas;
  std::vector<std::string> tables;
};

absl::StatusOr<ExistingNames> LoadNames(Connection& c, const VerifyOptions& o) {
  ExistingNames out;
  ASSIGN_OR_RETURN(const ResultSet dbs,
                   QueryInSchemas(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE 1",
                                  "SCHEMA_NAME", SelectedSchemas(o), ""));
  for (const auto& r : dbs.rows()) out.schemas.push_back(r[0].value_or(""));
  if (!o.tables.empty()) {
    ASSIGN_OR_RETURN(const ResultSet ts,
                     QueryInSchemas(c,
                                    "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                                    "WHERE TABLE_TYPE = 'BASE TABLE'",
                                    "TABLE_SCHEMA", SelectedSchemas(o), ""));
    for (const auto& r : ts.rows()) {
      out.tables.push_back(StrCat(r[0].value_or(""), ".", r[1].value_or("")));
    }
  }
  return out;
}

// A --databases / --tables entry that names nothing on either server is an error: a typo
// would otherwise check zero tables and print "consistent".
absl::Status CheckSelection(Side& a, Side& b, const VerifyOptions& o) {
  if (!o.require_selected || (o.databases.empty() && o.tables.empty())) return absl::OkStatus();
  auto [na, nb] = Both([&] { return LoadNames(a.conn, o); }, [&] { return LoadNames(b.conn, o); });
  if (!na.ok()) return na.status();
  if (!nb.ok()) return nb.status();
  const std::vector<std::string> on_a =
      UnmatchedSelection(o.databases, o.tables, na->schemas, na->tables);
  const std::vector<std::string> on_b =
      UnmatchedSelection(o.databases, o.tables, nb->schemas, nb->tables);
  for (const std::string& entry : on_a) {
    if (std::find(on_b.begin(), on_b.end(), entry) == on_b.end()) continue;
    const bool table = entry.rfind("--tables", 0) == 0;
    return absl::InvalidArgumentError(
        StrCat(entry, ": no such ", table ? "table" : "database", " on A (", a.conn.endpoint(),
               ") nor B (", b.conn.endpoint(), "); check the name"));
  }
  return absl::OkStatus();
}

absl::Status OpenSide(const ConnectOptions& co, Side* s) {
  ASSIGN_OR_RETURN(s->conn, Connection::Open(co));
  ASSIGN_OR_RETURN(const ServerFacts f, InspectServer(s->conn));
  s->hash = f.flavour == Flavour::kMariaDb ? HashFunctions::kMariaDb : HashFunctions::kMySql;
  s->server_id = f.server_id;
  s->domain_id = f.gtid_domain_id;
  if (s->hash == HashFunctions::kMariaDb) {
    // The one-pass row hash relies on the assignment being evaluated before the read of the
    // variable in the same expression; proven here, on this server, or not used.
    absl::StatusOr<std::optional<std::string>> one_pass = s->conn.QueryValue(
        "SELECT CRC32(@binsync_row := 'a') * CRC32C(@binsync_row) = CRC32('a') * CRC32C('a') "
        "AND CRC32(@binsync_row := 'b') * CRC32C(@binsync_row) = CRC32('b') * CRC32C('b')");
    if (one_pass.ok() && one_pass->value_or("0") == "1") s->hash = HashFunctions::kMariaDbOnePass;
  }
  s->replicating = std::any_of(f.channels.begin(), f.channels.end(), [](const ReplicationChannel& c) {
    return c.sql_running == "Yes" || c.last_sql_errno == 0;
  });
  s->connect = co;
  // Reads see committed data as of each statement; nothing verify does is binlogged.
  return s->conn.Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

absl::StatusOr<int64_t> ThreadsRunning(Connection& c) {
  ASSIGN_OR_RETURN(const ResultSet rs, c.Query("SHOW GLOBAL STATUS LIKE 'Threads_running'"));
  if (rs.empty()) return 0;
  return SignedNumberOf(StrCat(c.endpoint(), ": Threads_running"), rs.rows()[0][1].value_or("0"));
}

// Tables and chunks done, rows/s and ETA (rows left by information_schema's estimate): a
// line redrawn in place when stderr is a terminal, else a log line every 10 s.
// verify's progress line: tables, chunks, rows, rows/s and an ETA from the row count.
struct Progress {
  explicit Progress(bool on_terminal)
      : line(on_terminal, std::chrono::milliseconds(250), std::chrono::seconds(10)) {}
  ProgressLine line;
  Clock::time_point start = Clock::now();
  uint64_t rows = 0;
  uint64_t chunks = 0;
  uint64_t total_rows = 0;
  size_t tables_done = 0;
  size_t tables = 0;

  void Tick() {
    if (!line.Due()) return;
    const double rate = static_cast<double>(rows) / std::max(SecondsSince(start), 1e-9);
    const double eta = total_rows > rows ? static_cast<double>(total_rows - rows) / std::max(rate, 1.0) : 0;
    line.Show(fmt::format("verify: {}/{} tables, {} chunks, {} rows, {:.0f} rows/s, ETA {:.0f} s",
                          tables_done, tables, chunks, rows, rate, eta));
  }
};

// One table's keyed pass: what its chunks measure and steer by. A new one per table.
struct TablePass {
  const TableInfo& t;
  ChunkSizer sizer;
  // A single integer key on a non-empty table: chunks are key ranges, compared by buckets.
  bool int_range = false;
  // After a chunk differs, differences are likely spread over the table: read row hashes
  // directly (one scan) instead of checksum-then-narrow (two), until a chunk comes out
  // clean.
  bool row_mode = false;
  uint64_t rows_seen = 0;       // rows (A) of the bucket-compared chunks, for RowsPerBucket()
  uint64_t diff_rows_seen = 0;  // and of them, differing rows
};

class Verifier {
 public:
  Verifier(Side& a, Side& b, const VerifyOptions& o, VerifyStateFile& state, Progress& progress)
      : a_(a), b_(b), o_(o), state_(state), progress_(progress) {}

  absl::StatusOr<TableResult> Keyed(const TableInfo& t, TableResult r, std::optional<KeyValues> after) {
    ASSIGN_OR_RETURN(TablePass pass, StartPass(t));
    Range range;
    range.lower = std::move(after);
    for (;;) {
      ASSIGN_OR_RETURN(range.upper, NextUpper(pass, range.lower));
      RETURN_IF_ERROR(Throttle(r, range.lower));
      ASSIGN_OR_RETURN(const ChunkSum rows, Chunk(pass, range, &r));
      progress_.rows += rows.rows;
      ++progress_.chunks;
      progress_.Tick();
      pass.sizer.Observe(rows.rows, rows.seconds);
      // Progress is saved after the first chunk, then once a second and before a
      // --max-load pause.
      if (state_.Due()) state_.Save(r, range.upper, false);
      if (!range.upper) break;
      range.lower = range.upper;
    }
    return r;
  }

  absl::StatusOr<TableResult> Keyless(const TableInfo& t, TableResult r) {
    const std::string a_sql = VerifySql::TableChecksum(t, a_.hash);
    const std::string b_sql = VerifySql::TableChecksum(t, b_.hash);
    auto [ra, rb] = Both([&] { return a_.conn.Query(a_sql); }, [&] { return b_.conn.Query(b_sql); });
    if (!ra.ok()) return ra.status();
    if (!rb.ok()) return rb.status();
    r.chunks = 1;
    ASSIGN_OR_RETURN(r.rows_a, NumberOf(StrCat(t.QualifiedName(), " row count on A"), ra->rows()[0][0].value_or("0")));
    ASSIGN_OR_RETURN(r.rows_b, NumberOf(StrCat(t.QualifiedName(), " row count on B"), rb->rows()[0][0].value_or("0")));
    if (ra->rows()[0] != rb->rows()[0]) {
      r.diff_chunks = 1;
      r.differs_unnarrowed = true;
      r.problem = "differs; no primary or unique NOT NULL key, so compared whole and not narrowed to rows";
    }
    spdlog::info("verify: {} has no primary or unique key: compared as a whole table", t.QualifiedName());
    return r;
  }

 private:
  static std::string QuoteKey(const TableInfo& t) { return QuoteIdentifier(t.columns[KeyColumns(t)[0]]); }

  // A single integer key: chunks are ranges of it between the lowest and highest key of
  // either side. Other keys (and an empty table) walk the index.
  absl::StatusOr<TablePass> StartPass(const TableInfo& t) {
    if (KeyColumns(t).size() != 1 || !schema::IsIntegerColumn(t, KeyColumns(t)[0])) {
      return TablePass{t, ChunkSizer(o_.chunk_time_s)};
    }
    const std::string k = QuoteKey(t);
    const std::string sql = StrCat("SELECT MIN(", k, "), MAX(", k, ") FROM ", QuotedName(t));
    auto [ma, mb] = Both([&] { return a_.conn.Query(sql); }, [&] { return b_.conn.Query(sql); });
    if (!ma.ok()) return ma.status();
    if (!mb.ok()) return mb.status();
    std::optional<Int128> lo;
    std::optional<Int128> hi;
    for (const ResultSet* rs : {&*ma, &*mb}) {
      const auto& row = rs->rows().at(0);
      if (row[0]) lo = std::min(lo.value_or(ParseIntKey(*row[0])), ParseIntKey(*row[0]));
      if (row[1]) hi = std::max(hi.value_or(ParseIntKey(*row[1])), ParseIntKey(*row[1]));
    }
    if (!lo || !hi) return TablePass{t, ChunkSizer(o_.chunk_time_s), /*int_range=*/false};
    return TablePass{t, ChunkSizer(o_.chunk_time_s, *lo, *hi), /*int_range=*/true};
  }

  // The next chunk's upper bound after `lower`; none = the rest of the table.
  absl::StatusOr<std::optional<KeyValues>> NextUpper(const TablePass& pass,
                                                     const std::optional<KeyValues>& lower) {
    const TableInfo& t = pass.t;
    if (pass.int_range) {
      const std::optional<Int128> upper =
          pass.sizer.NextUpper(lower ? std::optional(ParseIntKey((*lower)[0])) : std::nullopt);
      if (!upper) return std::nullopt;
      return KeyValues{IntKeyText(*upper)};
    }
    if (KeyColumns(t).size() == 1 && schema::IsIntegerColumn(t, KeyColumns(t)[0])) return std::nullopt;  // empty
    ASSIGN_OR_RETURN(PreparedStatement * ps, a_.Stmt(VerifySql::NextBoundary(t, lower.has_value())));
    std::vector<Param> p;
    if (lower) AppendBound(t, *lower, &p);
    const std::string offset =
        std::to_string(std::max<int64_t>(static_cast<int64_t>(pass.sizer.target_rows()) - 1, 0));
    p.push_back(Param{std::string_view(offset), ParamType::kUnsigned});
    std::optional<KeyValues> upper;
    RETURN_IF_ERROR(ps->Query(p, [&](const RowValues& row) {
      KeyValues k;
      for (size_t i = 0; i < KeyColumns(t).size(); ++i) k.emplace_back(row[i].value_or(""));
      upper = std::move(k);
      return absl::OkStatus();
    }));
    return upper;
  }
  // Each side applies what the other had when it read (both waits run at once), as long
  // as its replication makes progress. Returns whether each caught up.
  absl::StatusOr<std::pair<bool, bool>> WaitForEachOther(const std::string& pos_a,
                                                         const std::string& pos_b) {
    auto [wa, wb] = Both([&] { return CatchUpTo(a_, pos_b); }, [&] { return CatchUpTo(b_, pos_a); });
    if (!wa.ok()) return wa.status();
    if (!wb.ok()) return wb.status();
    return std::pair{*wa == CatchUpWatch::Verdict::kCaughtUp,
                     *wb == CatchUpWatch::Verdict::kCaughtUp};
  }

  // `r` and `done_upto` (the last finished chunk's upper bound) are saved before a pause.
  absl::Status Throttle(const TableResult& r, const std::optional<KeyValues>& done_upto) {
    if (o_.max_load <= 0) return absl::OkStatus();
    bool said = false;
    for (;;) {
      ASSIGN_OR_RETURN(const int64_t ta, ThreadsRunning(a_.conn));
      ASSIGN_OR_RETURN(const int64_t tb, ThreadsRunning(b_.conn));
      if (std::max(ta, tb) <= o_.max_load) return absl::OkStatus();
      if (!said) {
        state_.Save(r, done_upto, false);
        spdlog::info("verify: pausing, Threads_running {} / {} above --max-load {}", ta, tb, o_.max_load);
        said = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  // Checksums one chunk on both sides; narrows it when it still differs after rechecks.
  absl::StatusOr<ChunkSum> Chunk(TablePass& pass, const Range& range, TableResult* r) {
    const TableInfo& t = pass.t;
    ++r->chunks;
    const bool live = a_.replicating || b_.replicating;
    if (Full()) pass.row_mode = false;  // past --max-diffs differing chunks are only counted
    // A single integer key: the bucket pass is the checksum (it costs what a plain
    // 64-bit checksum of the chunk costs, docs/verify.md) and already says where.
    if (pass.row_mode || pass.int_range) return Narrow(pass, range, r, live);
    auto [ca, cb] = Both([&] { return Checksum(a_, t, range, live); }, [&] { return Checksum(b_, t, range, live); });
    if (!ca.ok()) return ca.status();
    if (!cb.ok()) return cb.status();
    for (int i = 0; i < o_.rechecks && live && (ca->rows != cb->rows || ca->hash != cb->hash) &&
                    InFlight(a_, ca->gtid_pos, b_, cb->gtid_pos);
         ++i) {
      // Let each side apply what the other had committed when the chunk was read; a
      // stalled side is left to Narrow, which settles row by row.
      ASSIGN_OR_RETURN(const auto caught_up, WaitForEachOther(ca->gtid_pos, cb->gtid_pos));
      if (!caught_up.first || !caught_up.second) break;
      auto [na, nb] = Both([&] { return Checksum(a_, t, range, live); }, [&] { return Checksum(b_, t, range, live); });
      if (!na.ok()) return na.status();
      if (!nb.ok()) return nb.status();
      ca = std::move(na);
      cb = std::move(nb);
    }
    const bool same = ca->rows == cb->rows && ca->hash == cb->hash;
    if (same || Full()) {
      r->rows_a += ca->rows;
      r->rows_b += cb->rows;
      if (!same) Unlisted(r);
      ChunkSum out = *ca;
      out.seconds = std::max(ca->seconds, cb->seconds);
      return out;
    }
    pass.row_mode = true;
    return Narrow(pass, range, r, live);
  }


 public:
  // Rows a resumed run restored from the state file count toward --max-diffs.
  void CountListed(size_t n) { listed_ += n; }

 private:
  // --max-diffs: rows listed so far in this run, and what happens past the limit.
  bool Full() const { return o_.max_diffs > 0 && listed_ >= o_.max_diffs; }
  size_t Room() const { return o_.max_diffs > 0 ? o_.max_diffs - std::min(listed_, o_.max_diffs) : SIZE_MAX; }
  void Unlisted(TableResult* r) {
    ++r->diff_chunks;
    r->truncated = true;
    r->problem = StrCat("more rows differ than --max-diffs ", o_.max_diffs,
                        " lets verify list in one run; the first ones are listed (--repair "
                        "repeats until none are left)");
  }

  // A classification already made (rows read and compared), with each side's GTID state
  // after its read.
  struct Classified {
    std::vector<RowDiff> diffs;
    bool truncated = false;  // --max-diffs reached before every differing bucket was read
    std::string pos_a;
    std::string pos_b;
  };

  // `first`, when given, stands for the first attempt's Classify of its diffs' keys.
  // Differences go to `out` once settled, rows that cannot be settled to `unsettled`
  // (the rule: core/verify/settle.h).
  absl::Status Settled(const TableInfo& t, std::vector<KeyValues> candidates, bool live,
                       std::vector<RowDiff>* out, std::vector<RowDiff>* unsettled,
                       Classified* first = nullptr) {
    out->clear();
    unsettled->clear();
    std::map<KeyValues, RowDiff> previous;
    // Each side's standing, between the previous read and this one, toward what the other
    // had at the previous read: caught up, or stalled with this backlog.
    const InFlightRows* lacking_a = nullptr;
    const InFlightRows* lacking_b = nullptr;
    auto standing = [&](const InFlightRows* lacking, const KeyValues& key) {
      if (lacking == nullptr) return CatchUp::kCaughtUp;
      return lacking->Touches(t.QualifiedName(), key) ? CatchUp::kStalledTouched
                                             : CatchUp::kStalledUntouched;
    };
    const int attempts = live ? std::max(o_.rechecks, 1) + 1 : 1;
    for (int attempt = 0; attempt < attempts && (!candidates.empty() || first != nullptr);
         ++attempt) {
      std::vector<RowDiff> diffs;
      std::string pos_a;
      std::string pos_b;
      if (first != nullptr) {
        diffs = std::move(first->diffs);
        pos_a = std::move(first->pos_a);
        pos_b = std::move(first->pos_b);
        first = nullptr;
      } else {
        RETURN_IF_ERROR(Classify(a_, b_, t, candidates, live, &diffs, &pos_a, &pos_b));
      }
      candidates.clear();
      if (!live) {  // nothing can arrive: what differs is settled
        for (RowDiff& d : diffs) out->push_back(std::move(d));
        break;
      }
      const bool last = attempt + 1 == attempts;
      std::map<KeyValues, RowDiff> current;
      for (RowDiff& d : diffs) {
        const auto it = previous.find(d.key);
        RowReads reads;
        reads.have_previous = it != previous.end();
        reads.unchanged = reads.have_previous && it->second.kind == d.kind &&
                          it->second.a_row == d.a_row && it->second.b_row == d.b_row;
        reads.a = standing(lacking_a, d.key);
        reads.b = standing(lacking_b, d.key);
        reads.last_attempt = last;
        const Settle verdict = SettleRow(reads);
        if (verdict == Settle::kSettled) {
          out->push_back(std::move(d));
        } else if (verdict == Settle::kUnsettled || last) {
          unsettled->push_back(std::move(d));
        } else {
          candidates.push_back(d.key);
          current.emplace(d.key, std::move(d));
        }
      }
      previous = std::move(current);
      if (candidates.empty()) break;
      ASSIGN_OR_RETURN(const auto caught_up, WaitForEachOther(pos_a, pos_b));
      lacking_a = caught_up.first ? nullptr : &ScanBacklog(a_, b_);
      lacking_b = caught_up.second ? nullptr : &ScanBacklog(b_, a_);
    }
    if (!unsettled->empty()) {
      spdlog::warn("verify: {}: {} differing rows could not be settled while replication "
                   "lagged or kept changing them; listed as unsettled, not repaired",
                   t.QualifiedName(), unsettled->size());
    }
    return absl::OkStatus();
  }

 public:
  // Compares only `keys` (resync: the rows it touched), fetched from both sides.
  absl::StatusOr<TableResult> Rows(const TableInfo& t, TableResult r,
                                   std::vector<KeyValues> keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const bool live = a_.replicating || b_.replicating;
    r.chunks = 1;
    r.rows_a = r.rows_b = keys.size();
    std::vector<RowDiff> diffs;
    std::vector<RowDiff> unsettled;
    RETURN_IF_ERROR(Settled(t, std::move(keys), live, &diffs, &unsettled));
    if (!diffs.empty()) r.diff_chunks = 1;
    for (RowDiff& d : diffs) r.diffs.push_back(std::move(d));
    for (RowDiff& d : unsettled) r.unsettled.push_back(std::move(d));
    return r;
  }

 private:

  // Keys whose (key, row hash) differ between the sides, or that one side lacks, among the
  // range's rows.
  absl::Status RowCandidates(const TablePass& pass, const Range& range, uint64_t* rows_a,
                             uint64_t* rows_b, std::vector<KeyValues>* out) {
    const TableInfo& t = pass.t;
    const size_t expected = static_cast<size_t>(pass.sizer.target_rows() * 1.1) + 16;
    auto [ha, hb] = Both([&] { return RowHashes(a_, t, range, expected); },
                         [&] { return RowHashes(b_, t, range, expected); });
    if (!ha.ok()) return ha.status();
    if (!hb.ok()) return hb.status();
    *rows_a = ha->size();
    *rows_b = hb->size();
    // Keys on one side only, or with another hash.
    const RowHashList& xa = *ha;
    const RowHashList& xb = *hb;
    MergeSorted(
        xa.size(), xb.size(), [&](size_t i, size_t j) { return xa[i].first.compare(xb[j].first) <=> 0; },
        [&](MergeSide side, size_t i, size_t j) {
          if (side == MergeSide::kOnlyB) {
            out->push_back(DecodeKey(xb[j].first));
          } else if (side == MergeSide::kOnlyA || xa[i].second != xb[j].second) {
            out->push_back(DecodeKey(xa[i].first));
          }
        });
    return absl::OkStatus();
  }

  // A single integer key: one scan per side sums buckets of about RowsPerBucket() rows
  // (only a few thousand rows cross the wire), then the rows of the differing buckets
  // only are read from both sides and compared value by value (no row hash: exact, and
  // no second fetch to classify them). Far less transfer than every row's hash when the
  // differences are few and spread (the usual case after a break).
  absl::Status BucketDiffs(const TablePass& pass, const Range& range, bool live, uint64_t* rows_a,
                           uint64_t* rows_b, Classified* out, double* scan_seconds) {
    const TableInfo& t = pass.t;
    const auto start = Clock::now();
    // About RowsPerBucket() rows per bucket at the key density seen so far.
    const double per_bucket = RowsPerBucket(pass.diff_rows_seen, pass.rows_seen);
    const Int128 w = BucketWidth(per_bucket, pass.sizer.key_density());
    const size_t expected = static_cast<size_t>(pass.sizer.target_rows() / per_bucket) + 16;
    BucketList ba;
    BucketList bb;
    auto [na, nb] = Both([&] { return BucketSums(a_, t, range, w, expected, &ba); },
                         [&] { return BucketSums(b_, t, range, w, expected, &bb); });
    if (!na.ok()) return na.status();
    if (!nb.ok()) return nb.status();
    *rows_a = *na;
    *rows_b = *nb;
    *scan_seconds = SecondsSince(start);
    // Merge the sorted lists: buckets on one side only, or with another count or hash.
    const bool is_unsigned = schema::IsUnsignedColumn(t, KeyColumns(t)[0]);
    Spans spans;
    MergeSorted(
        ba.size(), bb.size(), [&](size_t i, size_t j) { return ba[i].bucket <=> bb[j].bucket; },
        [&](MergeSide side, size_t i, size_t j) {
          if (side == MergeSide::kBoth && ba[i] == bb[j]) return;
          const IntKeySpan span =
              BucketSpan(side == MergeSide::kOnlyB ? bb[j].bucket : ba[i].bucket, w, is_unsigned);
          spans.emplace_back(IntKeyText(span.low), IntKeyText(span.high));
        });
    if (spans.empty()) return absl::OkStatus();
    RowBatch xa(t.columns.size());
    RowBatch xb(t.columns.size());
    for (size_t from = 0; from < spans.size(); from += kSpansPerQuery) {
      if (out->diffs.size() >= Room()) {
        out->truncated = true;
        break;
      }
      auto [fa, fb] = Both([&] { return RowsIn(a_, t, range, spans, from, &xa); },
                           [&] { return RowsIn(b_, t, range, spans, from, &xb); });
      RETURN_IF_ERROR(fa);
      RETURN_IF_ERROR(fb);
      // Merge by key (each side's rows sorted, each key once).
      MergeSorted(
          xa.size(), xb.size(), [&](size_t i, size_t j) { return xa.key(i) <=> xb.key(j); },
          [&](MergeSide side, size_t i, size_t j) {
            const bool on_a = side != MergeSide::kOnlyB;
            const bool on_b = side != MergeSide::kOnlyA;
            AddIfDiffers(
                t, on_a, on_b, [&] { return KeyValues{IntKeyText(on_a ? xa.key(i) : xb.key(j))}; },
                [&](bool a_side, size_t c) { return a_side ? xa.value(i, c) : xb.value(j, c); },
                [&](bool a_side) { return a_side ? xa.Copy(i) : xb.Copy(j); }, &out->diffs);
          });
    }
    auto [pa, pb] = Both([&] { return GtidState(a_, live); }, [&] { return GtidState(b_, live); });
    if (!pa.ok()) return pa.status();
    if (!pb.ok()) return pb.status();
    out->pos_a = *std::move(pa);
    out->pos_b = *std::move(pb);
    return absl::OkStatus();
  }

  // Compares the chunk row by row: the differing keys (by buckets for a single integer
  // key, else by every row's hash), then the candidate rows fetched and classified,
  // rechecked while replication has writes in flight.
  absl::StatusOr<ChunkSum> Narrow(TablePass& pass, const Range& range, TableResult* r,
                                  bool live) {
    const TableInfo& t = pass.t;
    const auto start = Clock::now();
    uint64_t rows_a = 0;
    uint64_t rows_b = 0;
    std::vector<KeyValues> candidates;
    ChunkSum out;
    std::vector<RowDiff> diffs;
    std::vector<RowDiff> unsettled;
    bool truncated = false;  // --max-diffs: more rows differ than may be listed
    if (pass.int_range) {
      Classified first;
      RETURN_IF_ERROR(BucketDiffs(pass, range, live, &rows_a, &rows_b, &first, &out.seconds));
      truncated = first.truncated;
      pass.rows_seen += rows_a;
      pass.diff_rows_seen += first.diffs.size();
      RETURN_IF_ERROR(Settled(t, {}, live, &diffs, &unsettled, &first));
    } else {
      RETURN_IF_ERROR(RowCandidates(pass, range, &rows_a, &rows_b, &candidates));
      out.seconds = SecondsSince(start) / 2;  // a checksum costs about half of reading row hashes
      if (candidates.size() > Room()) {
        candidates.resize(Room());
        truncated = true;
      }
      RETURN_IF_ERROR(Settled(t, std::move(candidates), live, &diffs, &unsettled));
    }
    if (diffs.size() > Room()) {
      diffs.resize(Room());
      truncated = true;
    }
    listed_ += diffs.size();
    out.rows = rows_a;
    r->rows_a += rows_a;
    r->rows_b += rows_b;
    if (truncated) {
      Unlisted(r);
    } else if (!diffs.empty()) {
      ++r->diff_chunks;  // none: equal, or only while writes were in flight
    } else {
      pass.row_mode = false;
    }
    for (RowDiff& d : diffs) r->diffs.push_back(std::move(d));
    for (RowDiff& d : unsettled) r->unsettled.push_back(std::move(d));
    return out;
  }

  Side& a_;
  Side& b_;
  size_t listed_ = 0;  // differing rows listed in this run, for --max-diffs
  const VerifyOptions& o_;
  VerifyStateFile& state_;
  Progress& progress_;
};

}  // namespace

absl::StatusOr<VerifyReport> RunVerify(const ConnectOptions& ca, const ConnectOptions& cb,
                                       const VerifyOptions& o) {
  Side a;
  Side b;
  {
    auto [sa, sb] = Both([&] { return OpenSide(ca, &a); }, [&] { return OpenSide(cb, &b); });
    RETURN_IF_ERROR(sa);
    RETURN_IF_ERROR(sb);
  }
  a.watch.emplace(o.settle_timeout_s);
  b.watch.emplace(o.settle_timeout_s);
  RETURN_IF_ERROR(CheckSelection(a, b, o));
  auto [loaded_a, loaded_b] = Both([&] { return LoadSchemas(a.conn, o); },
                                   [&] { return LoadSchemas(b.conn, o); });
  ASSIGN_OR_RETURN(auto schemas_a, std::move(loaded_a));
  ASSIGN_OR_RETURN(auto schemas_b, std::move(loaded_b));
  VerifyStateFile state(o.state_file, StrCat(ca.uri.Endpoint(), " ", cb.uri.Endpoint()));
  if (o.resume) RETURN_IF_ERROR(state.Load());

  std::set<std::string> names;
  for (const auto& [n, t] : schemas_a) names.insert(n);
  for (const auto& [n, t] : schemas_b) names.insert(n);
  Progress progress(o.progress_bar);
  progress.tables = names.size();
  {
    // For the ETA: A's row estimates of the tables this run compares.
    ASSIGN_OR_RETURN(const ResultSet est,
                     QueryInSchemas(a.conn,
                                    StrCat("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM "
                                           "information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ",
                                           kSystemSchemas),
                                    "TABLE_SCHEMA", SelectedSchemas(o), ""));
    for (const auto& row : est.rows()) {
      if (names.count(StrCat(row[0].value_or(""), ".", row[1].value_or(""))) != 0) {
        progress.total_rows += ToU64(row[2]);
      }
    }
  }
  Verifier verifier(a, b, o, state, progress);
  VerifyReport report;
  for (const std::string& name : names) {
    const auto start = Clock::now();
    TableResult r;
    r.table = name;
    const auto ia = schemas_a.find(name);
    const auto ib = schemas_b.find(name);
    if (ia == schemas_a.end() || ib == schemas_b.end()) {
      const bool on_a = ia != schemas_a.end();
      r.schema = on_a ? ia->second : ib->second;
      Side& s = on_a ? a : b;
      ASSIGN_OR_RETURN(auto n, s.conn.QueryValue(StrCat("SELECT COUNT(*) FROM ", QuotedName(r.schema))));
      ASSIGN_OR_RETURN((on_a ? r.rows_a : r.rows_b),
                       NumberOf(StrCat(r.schema.QualifiedName(), " row count"), n.value_or("0")));
      r.problem = on_a ? "missing on B" : "missing on A";
    } else if (auto diff = SchemaDifference(ia->second, ib->second)) {
      r.schema = ia->second;
      r.problem = *diff;
    } else {
      r.schema = ia->second;
      std::optional<KeyValues> after;
      if (o.resume) {
        if (auto saved = state.Saved(name)) {
          TableResult restored = saved->first;
          restored.schema = r.schema;
          verifier.CountListed(restored.diffs.size());
          if (state.Done(name)) {
            report.tables.push_back(std::move(restored));
            ++progress.tables_done;
            continue;
          }
          after = saved->second;
          r = std::move(restored);
        }
      }
      const TableInfo schema = r.schema;  // r moves into the call
      const std::vector<uint32_t>& key = KeyColumns(schema);
      auto only = o.keys.find(name);
      bool same_key = only != o.keys.end() && HasPrimaryKey(schema) &&
                      key.size() == only->second.columns.size();
      for (size_t i = 0; same_key && i < key.size(); ++i) {
        same_key = EqualsIgnoreCase(schema.columns[key[i]], only->second.columns[i]);
      }
      if (same_key) {
        ASSIGN_OR_RETURN(r, verifier.Rows(schema, std::move(r), only->second.keys));
      } else if (key.empty()) {
        ASSIGN_OR_RETURN(r, verifier.Keyless(schema, std::move(r)));
      } else {
        ASSIGN_OR_RETURN(r, verifier.Keyed(schema, std::move(r), after));
      }
    }
    r.seconds = SecondsSince(start);
    if (state.Due()) state.Save(r, std::nullopt, true);
    ++progress.tables_done;
    report.tables.push_back(std::move(r));
  }
  return report;
}

namespace {

ParamType ValueParamType(const TableInfo& t, size_t c) {
  if (schema::IsBinaryColumn(t, c)) return ParamType::kBinary;
  return ParamType::kText;  // the server converts text exactly for every other type
}

}  // namespace

absl::StatusOr<std::string> RepairSql(Connection& b, const VerifyReport& report,
                                      const RepairOptions& options) {
  return RepairScript(report, options, [&b](std::string_view v) { return b.QuoteLiteral(v); });
}

absl::StatusOr<uint64_t> ApplyRepair(Connection& b, const VerifyReport& report,
                                     const RepairOptions& options) {
  RepairSession session([&b](std::string_view sql) { return b.Execute(sql); }, options);
  RETURN_IF_ERROR(session.Begin());
  uint64_t changed = 0;
  // One table's prepared statements at a time; the plan lists each table's steps together.
  size_t prepared_for = SIZE_MAX;
  std::optional<PreparedStatement> del;
  std::optional<PreparedStatement> up;
  std::vector<Param> params;
  for (const RepairStep& step : PlanRepair(report)) {
    const TableInfo& s = report.tables[step.table].schema;
    const RowDiff& d = report.tables[step.table].diffs[step.diff];
    if (step.table != prepared_for) {
      prepared_for = step.table;
      ASSIGN_OR_RETURN(del, PreparedStatement::Prepare(b, VerifySql::DeleteByKey(s)));
      ASSIGN_OR_RETURN(up, PreparedStatement::Prepare(b, VerifySql::Upsert(s)));
    }
    if (step.op == RepairOp::kDeleteByKey) {
      ASSIGN_OR_RETURN(const uint64_t n, del->Execute(KeyParams(s, d.key)));
      changed += n;
    } else {
      params.clear();
      for (size_t i = 0; i < s.columns.size(); ++i) {
        const auto& v = d.a_row.at(i);
        params.push_back(Param{v ? std::optional<std::string_view>(*v) : std::nullopt,
                               ValueParamType(s, i)});
      }
      auto n = up->Execute(params);
      if (!n.ok()) {
        return absl::Status(n.status().code(),
                            StrCat(s.QualifiedName(), ": repair failed: ", n.status().message()));
      }
      changed += *n > 0 ? 1 : 0;
    }
    RETURN_IF_ERROR(session.StatementDone());
  }
  RETURN_IF_ERROR(session.Finish());
  return changed;
}

}  // namespace binsync
