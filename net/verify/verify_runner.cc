#include "net/verify/verify_runner.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/schema/column_types.h"
#include "spdlog/spdlog.h"
#include "core/util/both.h"
#include "core/util/clock.h"
#include "core/util/progress.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "core/verify/chunks.h"
#include "core/verify/compared_table.h"
#include "core/verify/diff_merge.h"
#include "net/verify/reads.h"
#include "net/verify/selection.h"
#include "net/verify/side.h"
#include "net/verify/verify_state.h"
#include "core/verify/settle.h"
#include "core/verify/sql.h"

namespace binsync {
namespace verify {
namespace {

using schema::QuotedName;

// Tables and chunks done, rows/s and ETA (rows left by information_schema's estimate): a
// line redrawn in place when stderr is a terminal, else a log line every 10 s.
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
      // A broken side's backlog, read after this read of the rows: whatever the other had
      // committed by then is in it.
      if (a_.backlog_scan == BacklogScan::kAtOnce && !diffs.empty()) lacking_a = &ScanBacklog(a_, b_);
      if (b_.backlog_scan == BacklogScan::kAtOnce && !diffs.empty()) lacking_b = &ScanBacklog(b_, a_);
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
        reads.live = live;
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
      if (a_.backlog_scan != BacklogScan::kAtOnce) {
        lacking_a = caught_up.first ? nullptr : &ScanBacklog(a_, b_);
      }
      if (b_.backlog_scan != BacklogScan::kAtOnce) {
        lacking_b = caught_up.second ? nullptr : &ScanBacklog(b_, a_);
      }
    }
    if (!unsettled->empty()) {
      spdlog::warn("verify: {}: {} differing rows could not be settled while replication "
                   "lagged, was broken or kept changing them; listed as unsettled, not repaired",
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

// For the ETA: A's row estimates (information_schema) of the tables this run compares.
absl::StatusOr<uint64_t> EstimatedRows(Connection& a, const VerifyOptions& o,
                                       const std::set<std::string>& names) {
  ASSIGN_OR_RETURN(const ResultSet est,
                   QueryInSchemas(a,
                                  StrCat("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM "
                                         "information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ",
                                         kSystemSchemas),
                                  "TABLE_SCHEMA", SelectedSchemas(o), ""));
  uint64_t rows = 0;
  for (const auto& row : est.rows()) {
    if (names.count(StrCat(row[0].value_or(""), ".", row[1].value_or(""))) != 0) {
      rows += ToU64(row[2]);
    }
  }
  return rows;
}

// A table on one side only (`on_a`: on A, the side `s`): its rows there and the problem.
absl::Status MissingOnOneSide(Side& s, bool on_a, TableResult* r) {
  ASSIGN_OR_RETURN(auto n, s.conn.QueryValue(StrCat("SELECT COUNT(*) FROM ", QuotedName(r->schema))));
  ASSIGN_OR_RETURN((on_a ? r->rows_a : r->rows_b),
                   NumberOf(StrCat(r->schema.QualifiedName(), " row count"), n.value_or("0")));
  r->problem = on_a ? "missing on B" : "missing on A";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VerifyReport> Run(const ConnectOptions& ca, const ConnectOptions& cb,
                                 const VerifyOptions& o) {
  Side a;
  Side b;
  {
    auto [sa, sb] = Both([&] { return OpenSide(ca, &a); }, [&] { return OpenSide(cb, &b); });
    RETURN_IF_ERROR(sa);
    RETURN_IF_ERROR(sb);
  }
  VerifyReport report;
  StandPair(a, b, &report.broken);
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
  ASSIGN_OR_RETURN(progress.total_rows, EstimatedRows(a.conn, o, names));
  Verifier verifier(a, b, o, state, progress);
  for (const std::string& name : names) {
    const auto start = Clock::now();
    TableResult r;
    r.table = name;
    const auto ia = schemas_a.find(name);
    const auto ib = schemas_b.find(name);
    if (ia == schemas_a.end() || ib == schemas_b.end()) {
      const bool on_a = ia != schemas_a.end();
      r.schema = on_a ? ia->second : ib->second;
      RETURN_IF_ERROR(MissingOnOneSide(on_a ? a : b, on_a, &r));
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
      const auto only = o.keys.find(name);
      switch (ChooseComparison(schema, only != o.keys.end() ? &only->second.columns : nullptr)) {
        case Comparison::kRowsByKey: {
          ASSIGN_OR_RETURN(r, verifier.Rows(schema, std::move(r), only->second.keys));
          break;
        }
        case Comparison::kWholeTable: {
          ASSIGN_OR_RETURN(r, verifier.Keyless(schema, std::move(r)));
          break;
        }
        case Comparison::kChunked: {
          ASSIGN_OR_RETURN(r, verifier.Keyed(schema, std::move(r), after));
          break;
        }
      }
    }
    r.seconds = SecondsSince(start);
    if (state.Due()) state.Save(r, std::nullopt, true);
    ++progress.tables_done;
    report.tables.push_back(std::move(r));
  }
  return report;
}

}  // namespace verify

absl::StatusOr<VerifyReport> RunVerify(const ConnectOptions& a, const ConnectOptions& b,
                                       const VerifyOptions& options) {
  return verify::Run(a, b, options);
}

}  // namespace binsync
