#include "resync/mysql/resync.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>

#include "gtid/mariadb_gtid.h"
#include "resync/run_state.h"
#include "topology/server_facts.h"
#include "replicate/assembler.h"
#include "replicate/row_walker.h"
#include "replicate/writeset.h"
#include "util/clock.h"
#include "util/fault.h"
#include "util/status_macros.h"
#include "util/strings.h"
#include "mysql/inspect.h"
#include "mysql/native_replication.h"
#include "resync/mysql/resync_state.h"
#include "mysql/schema_cache.h"
#include "replicate/mysql/stream_lease.h"
#include "verify/mysql/verify_runner.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {



// Last change time per row (key hash), the row's name for messages, and the primary key
// values of every touched row for the final verify (tables whose key cannot be written
// as text here are verified whole).
struct KeyLog {
  std::unordered_map<uint64_t, uint32_t> last_change;
  std::unordered_map<uint64_t, std::string> name;
  std::map<std::string, VerifyOptions::RowKeys> touched;
  std::set<std::string> whole;

  void Record(const schema::TableInfo& info, const std::string& table, const binlog::RowImage& img,
              uint32_t timestamp);
  // The last logged change of the conflict's row; nullopt when none (or no key hash).
  [[nodiscard]] std::optional<uint32_t> LastChange(const Conflict& c) const {
    if (!c.has_key_hash) return std::nullopt;
    auto it = last_change.find(c.key_hash);
    if (it == last_change.end()) return std::nullopt;
    return it->second;
  }
};

ConflictDecision ToDecision(const PolicyDecision& d) {
  return {d.action == RowAction::kOverwrite ? ConflictAction::kOverwrite : ConflictAction::kKeep,
          std::string(d.resolution)};
}

void KeyLog::Record(const schema::TableInfo& info, const std::string& table,
                    const binlog::RowImage& img, uint32_t timestamp) {
  if (!whole.contains(table)) {
    std::vector<std::string> key;
    if (replicate::PrimaryKeyText(info, img, &key)) {
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
  if (!replicate::RowKeyHash(info, img, &h)) return;
  uint32_t& ts = last_change[h];
  ts = std::max(ts, timestamp);
  if (!name.contains(h)) name[h] = StrCat(table, " ", replicate::DescribeRowKey(info, img));
}

// Reads `source`'s binlog after `start` up to its current end, without applying
// anything: what the other server lacks.
// `stop_at` (a resumed run): the position the first run's plan read through, so that the
// plan is the same again (later writes are the catch-up's, as they were for the first run).
absl::StatusOr<StreamPlan> Scan(const ConnectOptions& source, uint32_t target_id,
                                uint32_t binsync_id, const std::string& start,
                                const std::optional<std::string>& stop_at,
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
  replicate::Assembler assembler(start_pos);
  SchemaCache schema(source);
  // A table dropped since has nothing left to compare: left out.
  const schema::TableLookup lookup =
      [&](std::string_view db,
          std::string_view table) -> absl::StatusOr<std::shared_ptr<const schema::TableInfo>> {
    absl::StatusOr<std::shared_ptr<const schema::TableInfo>> info = schema.Get(db, table);
    if (absl::IsNotFound(info.status())) return nullptr;
    return info;
  };
  replicate::RowWalker walker;
  walker.set_skip_mismatched_tables(true);
  MariaDbGtidPos end;
  if (stop_at.has_value()) {
    ASSIGN_OR_RETURN(end, ParseMariaDbGtidPos(*stop_at));
  }
  binlog::EventView ev;
  binlog::Event decoded;
  for (;;) {
    if (stop_at.has_value()) {
      ASSIGN_OR_RETURN(MariaDbGtidPos at, ParseMariaDbGtidPos(assembler.Position()));
      if (GtidReached(at, end)) break;
    }
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
    std::unique_ptr<replicate::Transaction> t;
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
        [&](const std::shared_ptr<const schema::TableInfo>& info, binlog::RowsKind /*kind*/,
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
        replicate::IgnoreStatement);
    RETURN_IF_ERROR(walked);
  }
  plan.end = assembler.Position();
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

// True when `replica`'s native replication already runs from `position` or beyond: the
// interrupted run handed it back (and it may have applied more since), so setting
// gtid_slave_pos to `position` again would replay what it applied.
absl::StatusOr<bool> AlreadyHandedBack(Connection& replica, const std::string& position) {
  ASSIGN_OR_RETURN(const ServerFacts facts, InspectServer(replica));
  if (facts.channels.empty()) return false;
  const ReplicationChannel& ch = facts.channels.front();
  if (ch.io_running != "Yes" || ch.sql_running != "Yes") return false;
  ASSIGN_OR_RETURN(MariaDbGtidPos slave, ParseMariaDbGtidPos(facts.gtid_slave_pos));
  ASSIGN_OR_RETURN(MariaDbGtidPos wanted, ParseMariaDbGtidPos(position));
  return GtidReached(slave, wanted);
}

AppliedCounts Applied(const ReplicateResult& res) {
  return {res.applied_txns, res.rows, res.target_commits, res.seconds, res.read_position};
}

// A new run's id: UTC start time and pid ("20260101-120000-4242").
std::string NewRunId() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &utc);
  return StrCat(buf, "-", getpid());
}

// The latest run recorded for the pair: both servers hold a copy (--to written first); the
// more advanced copy of the most recent run wins.
absl::StatusOr<std::optional<ResyncRun>> LatestRun(Connection& from, Connection& to,
                                                   uint32_t from_id, uint32_t to_id) {
  ASSIGN_OR_RETURN(std::optional<ResyncRun> on_to, LoadLatestRun(to, from_id, to_id));
  ASSIGN_OR_RETURN(std::optional<ResyncRun> on_from, LoadLatestRun(from, from_id, to_id));
  if (!on_to.has_value()) return on_from;
  if (!on_from.has_value()) return on_to;
  if (on_to->id == on_from->id) return on_to->step >= on_from->step ? on_to : on_from;
  return std::tie(on_to->started, on_to->id) >= std::tie(on_from->started, on_from->id) ? on_to
                                                                                          : on_from;
}

// Both copies of the run state, --to's first.
absl::Status Save(Connection& from, Connection& to, const ResyncRun& run) {
  RETURN_IF_ERROR(SaveRun(to, run));
  return SaveRun(from, run);
}

}  // namespace


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
                               "and run resync again: it resumes this run where it stopped)"));
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
  // One resync of a pair at a time: a second one would find this run unfinished and
  // "resume" it while it still runs. Held on both servers until the end (or kill -9).
  StreamLease pair_lease_to(o.to, "resync", ff.server_id, /*check_native=*/false);
  StreamLease pair_lease_from(o.from, "resync", tf.server_id, /*check_native=*/false);
  if (!o.dry_run) {
    RETURN_IF_ERROR(pair_lease_to.Ensure());
    RETURN_IF_ERROR(pair_lease_from.Ensure());
  }

  // An interrupted run of this pair is finished, not started over: a plan taken afresh from
  // servers it already changed would replay what it applied, each replayed row a conflict.
  ASSIGN_OR_RETURN(std::optional<ResyncRun> latest, LatestRun(from, to, ff.server_id, tf.server_id));
  const ResumeDecision decision =
      DecideResume(latest, ff.server_id, tf.server_id, PolicyName(o.conflicts));
  if (decision.action == ResumeAction::kRefuse) {
    if (!o.dry_run) return absl::FailedPreconditionError(decision.message);
    r.notes.push_back(decision.message);  // a dry run changes nothing: it plans afresh
  }
  const bool resuming = decision.action == ResumeAction::kResume;
  ResyncRun run;
  if (resuming) {
    run = *latest;
  } else {
    run.id = NewRunId();
    run.from_server_id = ff.server_id;
    run.to_server_id = tf.server_id;
    run.from = r.from;
    run.to = r.to;
    run.policy = std::string(PolicyName(o.conflicts));
    run.from_native = NativeFound(ff);
    run.to_native = NativeFound(tf);
  }
  const ResumeWork work = WorkFrom(resuming ? run.step : ResyncStep::kInspected);
  if (resuming) {
    r.resumed_step = std::string(StepName(run.step));
    r.resumed_message = decision.message;
  }
  if (!o.dry_run) r.run_id = run.id;
  // Whether each server had a channel comes from the run's inspection: a resumed run may
  // find replication stopped by the first one.
  const bool from_channel = run.from_native.channel || !ff.channels.empty();
  const bool to_channel = run.to_native.channel || !tf.channels.empty();
  if (o.dry_run && resuming) {
    r.notes.push_back(StrCat("resync run ", run.id, " was interrupted at step '",
                             StepName(run.step), "'; a run without --dry-run finishes it",
                             work.replan ? "" : " (this plan is that run's)"));
  }
  if (!o.dry_run) {
    if (!resuming) {
      // Recorded before anything changes: a run killed from here on is found and finished.
      RETURN_IF_ERROR(EnsureResyncTables(to));
      RETURN_IF_ERROR(EnsureResyncTables(from));
      RETURN_IF_ERROR(Save(from, to, run));
    }
    if (work.stop_native) {
      // Native replication must not apply concurrently with binsync.
      *stopped_native = from_channel || to_channel;
      if (from_channel) RETURN_IF_ERROR(from.Execute("STOP SLAVE"));
      if (to_channel) RETURN_IF_ERROR(to.Execute("STOP SLAVE"));
    }
    FaultKill("resync.after_stop_native");
  }
  r.step_seconds["inspect"] = SecondsSince(t0);

  // 2. Plan: from the servers' positions, or (resumed) the positions the run recorded, up
  // to where its scans ended, so that it is the same plan.
  t0 = Clock::now();
  std::string start_to = run.into_to.start;
  std::string start_from = run.into_from.start;
  std::optional<std::string> end_to, end_from;
  if (work.replan) {
    ASSIGN_OR_RETURN(start_to, NativeStartPosition(from, to));
    ASSIGN_OR_RETURN(start_from, NativeStartPosition(to, from));
  } else {
    // An empty end: the scan found the binlog purged (it will again) or nothing at all.
    if (!run.into_to.plan_end.empty()) end_to = run.into_to.plan_end;
    if (!run.into_from.plan_end.empty()) end_from = run.into_from.plan_end;
  }
  KeyLog from_keys, to_keys;  // rows changed on --from / on --to since the divergence
  const std::string dir_ft = StrCat(r.from, " -> ", r.to);
  const std::string dir_tf = StrCat(r.to, " -> ", r.from);
  ASSIGN_OR_RETURN(r.to_lacks, Scan(o.from, tf.server_id, o.server_id, start_to, end_to, dir_ft,
                                    &from_keys));
  ASSIGN_OR_RETURN(r.from_lacks, Scan(o.to, ff.server_id, o.server_id, start_from, end_from,
                                      dir_tf, &to_keys));
  std::set<std::string> predicted;
  for (const auto& [h, ts] : from_keys.last_change) {
    if (to_keys.last_change.contains(h)) predicted.insert(from_keys.name[h]);
  }
  r.predicted_conflicts.assign(predicted.begin(), predicted.end());
  r.step_seconds["plan"] = SecondsSince(t0);
  if (o.dry_run) return r;
  const std::string stream_to = StrCat("from_server_", ff.server_id);    // into --to
  const std::string stream_from = StrCat("from_server_", tf.server_id);  // into --from
  if (work.replan) {
    // Where each catch-up stream's checkpoint stands now: anything above was this run's.
    RETURN_IF_ERROR(EnsureCheckpointTable(to));
    RETURN_IF_ERROR(EnsureCheckpointTable(from));
    ASSIGN_OR_RETURN(Checkpoint cp_to, LoadCheckpoint(to, stream_to));
    ASSIGN_OR_RETURN(Checkpoint cp_from, LoadCheckpoint(from, stream_from));
    run.into_to.start = start_to;
    run.into_to.plan_end = r.to_lacks.end;
    run.into_to.checkpoint_seq = cp_to.seq;
    run.into_from.start = start_from;
    run.into_from.plan_end = r.from_lacks.end;
    run.into_from.checkpoint_seq = cp_from.seq;
    run.step = ResyncStep::kPlanned;
    RETURN_IF_ERROR(Save(from, to, run));
  }
  FaultKill("resync.after_plan");

  // 3. Catch up both ways, each stream from its checkpoint when this run committed past
  // the one recorded at the plan; conflicts resolved by policy and recorded with the
  // transaction that meets them.
  t0 = Clock::now();
  auto resolver = [&](bool into_to) {
    return [&, into_to](const Conflict& c) {
      const KeyLog& receiver = into_to ? to_keys : from_keys;
      return ToDecision(Decide(o.conflicts, {into_to ? Side::kTo : Side::kFrom, c.timestamp,
                                             receiver.LastChange(c)}));
    };
  };
  auto stream = [&](const ConnectOptions& src, const ConnectOptions& dst, const std::string& start,
                    uint64_t checkpoint_seq, bool into_to, const std::string& label) {
    ReplicateOptions ro;
    ro.source = src;
    ro.target = dst;
    ro.mode = ApplyMode::kCatchup;
    ro.workers = o.workers;
    ro.server_id = o.server_id;
    ro.start = start;
    ro.resume_past_seq = checkpoint_seq;
    ro.until_caught_up = true;
    ro.on_conflict = resolver(into_to);
    ro.record_conflict = [id = run.id, into_to](Connection& target, const Conflict& c,
                                                const ConflictDecision& d) {
      return RecordConflict(target, id, into_to, c, d);
    };
    ro.stop = o.stop;
    ro.label = label;
    ro.max_reconnects = 3;
    return ro;
  };
  if (r.to_lacks.purged) {
    r.notes.push_back(StrCat("binlog of ", r.from, " needed for catch-up is purged (",
                             r.to_lacks.purged_message, "): verify + repair instead"));
  }
  if (r.from_lacks.purged) {
    r.notes.push_back(StrCat("binlog of ", r.to, " needed for catch-up is purged (",
                             r.from_lacks.purged_message,
                             "): its changes since the divergence cannot be replayed; --to is "
                             "repaired from --from"));
  }
  if (work.catch_up) {
    run.step = ResyncStep::kCatchingUp;
    RETURN_IF_ERROR(Save(from, to, run));
    absl::StatusOr<ReplicateResult> res_ft = ReplicateResult{}, res_tf = ReplicateResult{};
    {
      std::vector<std::thread> threads;
      if (!r.to_lacks.purged) {
        threads.emplace_back([&] {
          res_ft = Replicate(stream(o.from, o.to, start_to, run.into_to.checkpoint_seq, true, dir_ft));
        });
      }
      if (!r.from_lacks.purged) {
        threads.emplace_back([&] {
          res_tf = Replicate(
              stream(o.to, o.from, start_from, run.into_from.checkpoint_seq, false, dir_tf));
        });
      }
      for (std::thread& t : threads) t.join();
    }
    if (!res_ft.ok()) return res_ft.status();
    if (!res_tf.ok()) return res_tf.status();
    r.applied_to_to = Applied(*res_ft);
    r.applied_to_from = Applied(*res_tf);
    auto pos_or_current = [](const ReplicateResult& res,
                             Connection& peer) -> absl::StatusOr<std::string> {
      if (!res.read_position.empty()) return res.read_position;
      ASSIGN_OR_RETURN(auto cur, peer.QueryValue("SELECT @@global.gtid_binlog_pos"));
      return cur.value_or("");
    };
    ASSIGN_OR_RETURN(run.into_to.read_through, pos_or_current(*res_ft, from));
    ASSIGN_OR_RETURN(run.into_from.read_through, pos_or_current(*res_tf, to));
    run.step = ResyncStep::kCaughtUp;
    RETURN_IF_ERROR(Save(from, to, run));
  }
  // Every conflict of the run, the interrupted part's included, as committed on each side.
  ASSIGN_OR_RETURN(std::vector<StoredConflict> into_to, LoadConflicts(to, run.id));
  ASSIGN_OR_RETURN(std::vector<StoredConflict> into_from, LoadConflicts(from, run.id));
  for (const std::vector<StoredConflict>* list : {&into_to, &into_from}) {
    for (const StoredConflict& c : *list) {
      r.conflicts.push_back({c.conflict.table, c.conflict.key, c.conflict.kind, c.conflict.txn,
                             c.into_to ? dir_ft : dir_tf, c.resolution});
    }
  }
  r.step_seconds["catch up"] = SecondsSince(t0);
  FaultKill("resync.before_handback");

  // 4. Hand back, server by server, each recorded: one the interrupted run restarted keeps
  // running (setting its position again would replay what it applied since).
  t0 = Clock::now();
  const std::string& to_pos = run.into_to.read_through;
  const std::string& from_pos = run.into_from.read_through;
  if (o.handback == Handback::kNative) {
    if (work.hand_back) {
      run.step = ResyncStep::kHandingBack;
      RETURN_IF_ERROR(Save(from, to, run));
      struct Side {
        Connection* conn;
        const std::string* pos;
        bool channel;
        bool* done;
      };
      const Side sides[] = {{&to, &to_pos, to_channel, &run.into_to.handed_back},
                            {&from, &from_pos, from_channel, &run.into_from.handed_back}};
      for (const Side& side : sides) {
        if (!*side.done) {
          ASSIGN_OR_RETURN(bool running, AlreadyHandedBack(*side.conn, *side.pos));
          if (!running) RETURN_IF_ERROR(HandBack(*side.conn, *side.pos, side.channel));
          *side.done = true;
          RETURN_IF_ERROR(Save(from, to, run));
        }
        if (side.conn == &to) FaultKill("resync.handback");
      }
      run.step = ResyncStep::kHandedBack;
      RETURN_IF_ERROR(Save(from, to, run));
    }
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
  r.step_seconds["hand back"] = SecondsSince(t0);
  FaultKill("resync.after_handback");

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
    for (const ReportedConflict& c : r.conflicts) tables.insert(c.table);
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
  run.step = ResyncStep::kVerified;
  RETURN_IF_ERROR(Save(from, to, run));
  r.step_seconds["verify"] = SecondsSince(t0);
  return r;
}
}  // namespace

}  // namespace binsync
