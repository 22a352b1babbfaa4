#include "net/resync.h"

#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "core/gtid/mariadb_gtid.h"
#include "core/topology/server_facts.h"
#include "core/txn/assembler.h"
#include "core/txn/row_walker.h"
#include "core/txn/writeset.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/inspect.h"
#include "net/native_replication.h"
#include "net/schema_cache.h"
#include "net/verify_runner.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Last change time per row (key hash), the row's name for messages, and the primary key
// values of every touched row for the final verify (tables whose key cannot be written
// as text here are verified whole).
struct KeyLog {
  std::unordered_map<uint64_t, uint32_t> last_change;
  std::unordered_map<uint64_t, std::string> name;
  std::map<std::string, VerifyOptions::RowKeys> touched;
  std::set<std::string> whole;

  void Record(const txn::TableInfo& info, const std::string& table, const binlog::RowImage& img,
              uint32_t timestamp);
};

void KeyLog::Record(const txn::TableInfo& info, const std::string& table,
                    const binlog::RowImage& img, uint32_t timestamp) {
  if (!whole.contains(table)) {
    std::vector<std::string> key;
    if (txn::PrimaryKeyText(info, img, &key)) {
      VerifyOptions::RowKeys& rk = touched[table];
      if (rk.columns.empty()) {
        for (uint32_t c : info.unique_keys.front()) rk.columns.push_back(info.columns[c]);
      }
      rk.keys.push_back(std::move(key));
    } else {
      whole.insert(table);  // a key binsync cannot write as text: verify the table whole
      touched.erase(table);
    }
  }
  uint64_t h = 0;
  if (!txn::RowKeyHash(info, img, &h)) return;
  uint32_t& ts = last_change[h];
  ts = std::max(ts, timestamp);
  if (!name.contains(h)) name[h] = StrCat(table, " ", txn::DescribeRowKey(info, img));
}

// Reads `source`'s binlog after `start` up to its current end, without applying
// anything: what the other server lacks.
absl::StatusOr<StreamPlan> Scan(const ConnectOptions& source, uint32_t target_id,
                                uint32_t binsync_id, const std::string& start,
                                const std::string& direction, KeyLog* keys) {
  StreamPlan plan;
  plan.direction = direction;
  plan.start = start;
  BinlogStreamOptions so;
  so.connect = source;
  so.server_id = binsync_id;
  so.stop_at_end = true;
  so.start_gtid = start;
  if (start.empty()) so.start_file.clear();
  absl::StatusOr<std::unique_ptr<BinlogStream>> opened = BinlogStream::Open(so);
  if (!opened.ok()) return opened.status();
  BinlogStream& s = **opened;
  ASSIGN_OR_RETURN(MariaDbGtidPos start_pos, ParseMariaDbGtidPos(start));
  txn::Assembler assembler(start_pos);
  SchemaCache schema(source);
  // A table dropped since has nothing left to compare: left out.
  const txn::TableLookup lookup =
      [&](std::string_view db,
          std::string_view table) -> absl::StatusOr<std::shared_ptr<const txn::TableInfo>> {
    absl::StatusOr<std::shared_ptr<const txn::TableInfo>> info = schema.Get(db, table);
    if (absl::IsNotFound(info.status())) return nullptr;
    return info;
  };
  txn::RowWalker walker;
  walker.set_skip_mismatched_tables(true);
  binlog::EventView ev;
  binlog::Event decoded;
  for (;;) {
    absl::StatusOr<bool> more = s.Next(&ev);
    if (!more.ok()) {
      if (absl::IsFailedPrecondition(more.status())) {
        plan.purged = true;
        plan.purged_message = std::string(more.status().message());
        return plan;
      }
      return more.status();
    }
    if (!*more) break;
    if (IsStreamArtificial(ev)) continue;
    RETURN_IF_ERROR(s.Decode(ev, &decoded));
    std::unique_ptr<txn::Transaction> t;
    RETURN_IF_ERROR(assembler.Add(ev, decoded, s.format(), s.file(), &t));
    if (t == nullptr) continue;
    if (t->server_id == target_id || t->server_id == binsync_id) {
      ++plan.skipped_own;
      continue;
    }
    ++plan.transactions;
    if (plan.first_gtid.empty()) plan.first_gtid = t->Name();
    plan.last_gtid = t->Name();
    const absl::Status walked = walker.Walk(
        *t, lookup, nullptr,
        [&](const std::shared_ptr<const txn::TableInfo>& info, binlog::RowsKind /*kind*/,
            const binlog::RowImage* b, const binlog::RowImage* a,
            const binlog::EventView& /*ev*/) {
          const std::string& table = info->QualifiedName();
          ++plan.rows;
          ++plan.table_rows[table];
          for (const binlog::RowImage* img : {b, a}) {
            if (img != nullptr) keys->Record(*info, table, *img, t->timestamp);
          }
          return absl::OkStatus();
        },
        txn::IgnoreStatement);
    RETURN_IF_ERROR(walked);
  }
  return plan;
}

std::string Errors(const ServerFacts& f) {
  std::string out;
  for (const ReplicationChannel& ch : f.channels) {
    if (ch.last_sql_errno != 0) {
      StrAppend(&out, "SQL thread error ", ch.last_sql_errno, ": ", ch.last_sql_error, "; ");
    }
    if (ch.last_io_errno != 0) {
      StrAppend(&out, "IO thread error ", ch.last_io_errno, ": ", ch.last_io_error, "; ");
    }
  }
  return out;
}

// Restarts native replication on `replica` from `position` (the peer's binlog position
// binsync read through), keeping the channel's host and credentials.
absl::Status HandBack(Connection& replica, const std::string& position, bool had_channel) {
  if (!had_channel) {
    return absl::FailedPreconditionError(
        StrCat(replica.endpoint(), ": no native replication channel is configured, so binsync "
                                   "cannot restart it; set it up with CHANGE MASTER TO ... "
                                   "MASTER_USE_GTID=slave_pos, or use --handback none"));
  }
  RETURN_IF_ERROR(replica.Execute("STOP SLAVE"));
  RETURN_IF_ERROR(replica.Execute(
      StrCat("SET GLOBAL gtid_slave_pos = ", replica.QuoteLiteral(position))));
  RETURN_IF_ERROR(replica.Execute("CHANGE MASTER TO MASTER_USE_GTID = slave_pos"));
  RETURN_IF_ERROR(replica.Execute("START SLAVE"));
  return WaitReplicationRunning(replica, std::chrono::seconds(30));
}

}  // namespace

bool ResyncReport::clean() const {
  if (dry_run) return predicted_conflicts.empty();
  return verified && verify_final.consistent();
}

namespace {
absl::StatusOr<ResyncReport> RunResyncSteps(const ResyncOptions& o, bool* stopped_native);
}  // namespace

absl::StatusOr<ResyncReport> RunResync(const ResyncOptions& o) {
  bool stopped_native = false;
  absl::StatusOr<ResyncReport> r = RunResyncSteps(o, &stopped_native);
  if (!r.ok() && stopped_native) {
    // Say what state the pair is left in: binsync stopped native replication first.
    return absl::Status(r.status().code(),
                        StrCat(r.status().message(),
                               " (native replication is stopped on both servers; fix the cause "
                               "and run resync again, which resumes from the servers' positions)"));
  }
  return r;
}

namespace {
absl::StatusOr<ResyncReport> RunResyncSteps(const ResyncOptions& o, bool* stopped_native) {
  ResyncReport r;
  r.dry_run = o.dry_run;
  auto t0 = Clock::now();
  // 1. Inspect.
  ASSIGN_OR_RETURN(Connection from, Connection::Open(o.from));
  ASSIGN_OR_RETURN(Connection to, Connection::Open(o.to));
  r.from = from.endpoint();
  r.to = to.endpoint();
  ASSIGN_OR_RETURN(ServerFacts ff, InspectServer(from));
  ASSIGN_OR_RETURN(ServerFacts tf, InspectServer(to));
  if (ff.server_id == tf.server_id) {
    return absl::InvalidArgumentError(StrCat(r.from, " and ", r.to, " have the same server_id ",
                                             ff.server_id, "; they cannot be resynced as a pair"));
  }
  for (const ServerFacts* f : {&ff, &tf}) {
    if (!EqualsIgnoreCase(f->binlog_format, "ROW")) {
      return absl::FailedPreconditionError(
          StrCat(f->endpoint, ": binlog_format is ", f->binlog_format,
                 "; resync reads row events: SET GLOBAL binlog_format=ROW"));
    }
  }
  r.from_errors = Errors(ff);
  r.to_errors = Errors(tf);
  const bool from_channel = !ff.channels.empty();
  const bool to_channel = !tf.channels.empty();
  if (!o.dry_run) {
    // Native replication must not apply concurrently with binsync.
    *stopped_native = from_channel || to_channel;
    if (from_channel) RETURN_IF_ERROR(from.Execute("STOP SLAVE"));
    if (to_channel) RETURN_IF_ERROR(to.Execute("STOP SLAVE"));
  }
  r.step_seconds["inspect"] = Since(t0);

  // 2. Plan.
  t0 = Clock::now();
  ASSIGN_OR_RETURN(std::string start_to, NativeStartPosition(from, to));
  ASSIGN_OR_RETURN(std::string start_from, NativeStartPosition(to, from));
  KeyLog from_keys, to_keys;  // rows changed on --from / on --to since the divergence
  const std::string dir_ft = StrCat(r.from, " -> ", r.to);
  const std::string dir_tf = StrCat(r.to, " -> ", r.from);
  ASSIGN_OR_RETURN(r.to_lacks, Scan(o.from, tf.server_id, o.server_id, start_to, dir_ft,
                                    &from_keys));
  ASSIGN_OR_RETURN(r.from_lacks, Scan(o.to, ff.server_id, o.server_id, start_from, dir_tf,
                                      &to_keys));
  std::set<std::string> predicted;
  for (const auto& [h, ts] : from_keys.last_change) {
    if (to_keys.last_change.contains(h)) predicted.insert(from_keys.name[h]);
  }
  r.predicted_conflicts.assign(predicted.begin(), predicted.end());
  r.step_seconds["plan"] = Since(t0);
  if (o.dry_run) return r;

  // 3. Catch up both ways; conflicts resolved by policy.
  t0 = Clock::now();
  std::mutex mu;
  auto resolver = [&](bool into_to) {
    return [&, into_to](const Conflict& c) {
      ConflictAction action = ConflictAction::kKeep;
      std::string resolution;
      switch (o.conflicts) {
        case ConflictPolicy::kReport:
          resolution = "left alone (report)";
          break;
        case ConflictPolicy::kFromWins:
          action = into_to ? ConflictAction::kOverwrite : ConflictAction::kKeep;
          resolution = into_to ? "--to's row overwritten with --from's change"
                               : "--from's row kept";
          break;
        case ConflictPolicy::kNewestWins: {
          // The other side's last change of this row; unknown (a change outside the
          // binlog) counts as older than a logged one only when it is --to's.
          const KeyLog& other = into_to ? to_keys : from_keys;
          auto it = c.has_key_hash ? other.last_change.find(c.key_hash) : other.last_change.end();
          bool newer;
          if (it == other.last_change.end()) {
            newer = into_to;  // no logged change on the other side: --from wins
          } else {
            newer = into_to ? c.timestamp >= it->second : c.timestamp > it->second;
          }
          action = newer ? ConflictAction::kOverwrite : ConflictAction::kKeep;
          resolution = newer ? "overwritten with the newer change" : "newer row kept";
          break;
        }
      }
      std::lock_guard lock(mu);
      r.conflicts.push_back({c, into_to ? dir_ft : dir_tf, resolution});
      return action;
    };
  };
  auto stream = [&](const ConnectOptions& src, const ConnectOptions& dst, const std::string& start,
                    bool into_to, const std::string& label) {
    ReplicateOptions ro;
    ro.source = src;
    ro.target = dst;
    ro.mode = ApplyMode::kCatchup;
    ro.workers = o.workers;
    ro.server_id = o.server_id;
    ro.start = start;
    ro.until_caught_up = true;
    ro.on_conflict = resolver(into_to);
    ro.stop = o.stop;
    ro.label = label;
    ro.max_reconnects = 3;
    return ro;
  };
  absl::StatusOr<ReplicateResult> res_ft = ReplicateResult{}, res_tf = ReplicateResult{};
  {
    std::vector<std::thread> threads;
    if (!r.to_lacks.purged) {
      threads.emplace_back([&] { res_ft = Replicate(stream(o.from, o.to, start_to, true, dir_ft)); });
    } else {
      r.notes.push_back(StrCat("binlog of ", r.from, " needed for catch-up is purged (",
                               r.to_lacks.purged_message, "): verify + repair instead"));
    }
    if (!r.from_lacks.purged) {
      threads.emplace_back(
          [&] { res_tf = Replicate(stream(o.to, o.from, start_from, false, dir_tf)); });
    } else {
      r.notes.push_back(StrCat("binlog of ", r.to, " needed for catch-up is purged (",
                               r.from_lacks.purged_message,
                               "): its changes since the divergence cannot be replayed; --to is "
                               "repaired from --from"));
    }
    for (std::thread& t : threads) t.join();
  }
  if (!res_ft.ok()) return res_ft.status();
  if (!res_tf.ok()) return res_tf.status();
  r.applied_to_to = *res_ft;
  r.applied_to_from = *res_tf;
  r.step_seconds["catch up"] = Since(t0);

  // 4. Hand back.
  t0 = Clock::now();
  auto pos_or_current = [](const ReplicateResult& res, Connection& peer) -> absl::StatusOr<std::string> {
    if (!res.read_position.empty()) return res.read_position;
    ASSIGN_OR_RETURN(auto cur, peer.QueryValue("SELECT @@global.gtid_binlog_pos"));
    return cur.value_or("");
  };
  ASSIGN_OR_RETURN(std::string to_pos, pos_or_current(r.applied_to_to, from));
  ASSIGN_OR_RETURN(std::string from_pos, pos_or_current(r.applied_to_from, to));
  if (o.handback == Handback::kNative) {
    RETURN_IF_ERROR(HandBack(to, to_pos, to_channel));
    RETURN_IF_ERROR(HandBack(from, from_pos, from_channel));
    r.handback = StrCat("native replication running both ways: ", r.to, " from ", to_pos,
                        "; ", r.from, " from ", from_pos);
    *stopped_native = false;
  } else {
    r.handback = StrCat("not restarted (--handback none); to resume native replication run\n",
                        "  on ", r.to, ": STOP SLAVE; SET GLOBAL gtid_slave_pos='", to_pos,
                        "'; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE;\n  on ",
                        r.from, ": STOP SLAVE; SET GLOBAL gtid_slave_pos='", from_pos,
                        "'; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE;");
  }
  r.step_seconds["hand back"] = Since(t0);

  // 5. Verify what was touched; repair from --from what differs; verify again.
  t0 = Clock::now();
  VerifyOptions vo;
  vo.require_selected = false;  // touched tables may have been dropped since
  // Replication runs again: a recheck waits for it; two are enough to tell a live write.
  vo.rechecks = 2;
  vo.settle_timeout_s = 10;
  if (!o.full_verify && !r.to_lacks.purged && !r.from_lacks.purged) {
    std::set<std::string> tables;
    for (const auto& [t, n] : r.to_lacks.table_rows) tables.insert(t);
    for (const auto& [t, n] : r.from_lacks.table_rows) tables.insert(t);
    for (const ResolvedConflict& c : r.conflicts) tables.insert(c.conflict.table);
    vo.tables.assign(tables.begin(), tables.end());
    // Only the touched rows of tables with a usable primary key: the verify grows with the
    // damage, not with the data.
    for (const KeyLog* log : {&from_keys, &to_keys}) {
      for (const auto& [table, rk] : log->touched) {
        if (from_keys.whole.contains(table) || to_keys.whole.contains(table)) continue;
        VerifyOptions::RowKeys& dst = vo.keys[table];
        dst.columns = rk.columns;
        dst.keys.insert(dst.keys.end(), rk.keys.begin(), rk.keys.end());
      }
    }
    if (vo.tables.empty()) r.notes.push_back("nothing to catch up: no table to verify");
  }
  if (o.full_verify || !vo.tables.empty() || r.to_lacks.purged || r.from_lacks.purged) {
    ASSIGN_OR_RETURN(r.verify_first, RunVerify(o.from, o.to, vo));
    r.verify_final = r.verify_first;
    if (!r.verify_first.consistent() && o.conflicts != ConflictPolicy::kReport) {
      RepairOptions ro;
      ASSIGN_OR_RETURN(r.repaired_rows, ApplyRepair(to, r.verify_first, ro));
      ASSIGN_OR_RETURN(r.verify_final, RunVerify(o.from, o.to, vo));
    }
  }
  r.verified = true;
  r.step_seconds["verify"] = Since(t0);
  return r;
}
}  // namespace

std::string ResyncReportText(const ResyncReport& r) {
  std::string out;
  StrAppend(&out, "resync ", r.from, " (from, authoritative) -> ", r.to, " (to)\n");
  if (!r.from_errors.empty()) StrAppend(&out, "  ", r.from, " replication: ", r.from_errors, "\n");
  if (!r.to_errors.empty()) StrAppend(&out, "  ", r.to, " replication: ", r.to_errors, "\n");
  for (const StreamPlan* p : {&r.to_lacks, &r.from_lacks}) {
    StrAppend(&out, "plan ", p->direction, ": ", p->transactions, " transactions, ", p->rows,
              " rows", p->transactions ? StrCat(", GTIDs ", p->first_gtid, " .. ", p->last_gtid)
                                       : std::string(),
              " (after ", p->start.empty() ? "the beginning" : p->start, ")",
              p->purged ? " [binlog purged]" : "", "\n");
    for (const auto& [t, n] : p->table_rows) StrAppend(&out, "    ", t, ": ", n, " rows\n");
  }
  StrAppend(&out, "rows changed on both sides: ", r.predicted_conflicts.size(), "\n");
  constexpr size_t kListed = 50;  // the JSON report lists everything
  for (size_t i = 0; i < r.predicted_conflicts.size() && i < kListed; ++i) {
    StrAppend(&out, "    ", r.predicted_conflicts[i], "\n");
  }
  if (r.predicted_conflicts.size() > kListed) {
    StrAppend(&out, "    ... and ", r.predicted_conflicts.size() - kListed,
              " more (--format json lists them all)\n");
  }
  if (r.dry_run) {
    out += "dry run: nothing was changed\n";
    return out;
  }
  for (const auto* a : {&r.applied_to_to, &r.applied_to_from}) {
    StrAppend(&out, "applied ", a == &r.applied_to_to ? r.from + " -> " + r.to : r.to + " -> " + r.from,
              ": ", a->applied_txns, " transactions, ", a->rows, " rows in ", a->target_commits,
              " target commits\n");
  }
  StrAppend(&out, "conflicts: ", r.conflicts.size(), "\n");
  for (size_t i = 0; i < r.conflicts.size(); ++i) {
    const ResolvedConflict& c = r.conflicts[i];
    if (i == kListed) {
      StrAppend(&out, "    ... and ", r.conflicts.size() - kListed,
                " more (--format json lists them all)\n");
      break;
    }
    StrAppend(&out, "    ", c.conflict.table, " ", c.conflict.key, ": ", c.conflict.kind, " (",
              c.direction, ", ", c.conflict.txn, "): ", c.resolution, "\n");
  }
  StrAppend(&out, "hand back: ", r.handback, "\n");
  if (r.verified) {
    StrAppend(&out, "verify: ", r.verify_first.tables.size(), " tables, ",
              r.verify_first.consistent() ? "identical" : "differences found");
    if (r.repaired_rows > 0) StrAppend(&out, "; repaired ", r.repaired_rows, " rows from --from");
    StrAppend(&out, "; final: ", r.verify_final.consistent() ? "identical" : "DIFFERENT", "\n");
    if (!r.verify_final.consistent()) out += ReportTable(r.verify_final);
  }
  for (const std::string& n : r.notes) StrAppend(&out, "note: ", n, "\n");
  out += "time:";
  for (const char* step : {"inspect", "plan", "catch up", "hand back", "verify"}) {
    auto it = r.step_seconds.find(step);
    if (it != r.step_seconds.end()) out += fmt::format(" {} {:.2f} s,", step, it->second);
  }
  out.back() = '\n';
  return out;
}

std::string ResyncReportJson(const ResyncReport& r) {
  nlohmann::json j;
  j["from"] = r.from;
  j["to"] = r.to;
  j["dry_run"] = r.dry_run;
  j["clean"] = r.clean();
  auto plan = [](const StreamPlan& p) {
    nlohmann::json x;
    x["direction"] = p.direction;
    x["start"] = p.start;
    x["transactions"] = p.transactions;
    x["rows"] = p.rows;
    x["first_gtid"] = p.first_gtid;
    x["last_gtid"] = p.last_gtid;
    x["tables"] = p.table_rows;
    x["purged"] = p.purged;
    return x;
  };
  j["plan"] = {plan(r.to_lacks), plan(r.from_lacks)};
  j["rows_changed_on_both_sides"] = r.predicted_conflicts;
  auto applied = [](const ReplicateResult& a) {
    return nlohmann::json{{"transactions", a.applied_txns}, {"rows", a.rows},
                          {"target_commits", a.target_commits}, {"seconds", a.seconds},
                          {"read_through", a.read_position}};
  };
  j["applied"] = {applied(r.applied_to_to), applied(r.applied_to_from)};
  nlohmann::json conflicts = nlohmann::json::array();
  for (const ResolvedConflict& c : r.conflicts) {
    conflicts.push_back({{"table", c.conflict.table}, {"key", c.conflict.key},
                         {"kind", c.conflict.kind}, {"direction", c.direction},
                         {"transaction", c.conflict.txn}, {"resolution", c.resolution}});
  }
  j["conflicts"] = conflicts;
  j["handback"] = r.handback;
  j["verify"] = {{"done", r.verified},
                 {"identical_before_repair", r.verify_first.consistent()},
                 {"repaired_rows", r.repaired_rows},
                 {"identical", r.verify_final.consistent()}};
  j["seconds"] = r.step_seconds;
  j["notes"] = r.notes;
  return j.dump();
}

}  // namespace binsync
