#include "net/resync/resync.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "net/mysql/inspect.h"
#include "net/mysql/native_replication.h"
#include "net/mysql/schema_cache.h"
#include "core/replicate/assembler.h"
#include "core/replicate/checkpoint.h"
#include "net/replicate/stream_lease.h"
#include "core/replicate/row_walker.h"
#include "core/replicate/writeset.h"
#include "net/resync/resync_state.h"
#include "core/resync/plan.h"
#include "core/resync/run_state.h"
#include "core/topology/server_facts.h"
#include "core/util/clock.h"
#include "core/util/fault.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/verify/verify_runner.h"

namespace binsync {
namespace {

// Logs one row image of `table` into `changes`: its last change time (by key hash), its
// name for messages, and its primary key values for the final verify (a table whose key
// cannot be written as text is verified whole).
void RecordRow(const schema::TableInfo& info, const std::string& table,
               const binlog::RowImage& img, uint32_t timestamp, RowChanges* changes) {
  if (!changes->whole.contains(table)) {
    std::vector<std::string> key;
    if (replicate::PrimaryKeyText(info, img, &key)) {
      RowChanges::RowKeys& rk = changes->touched[table];
      if (rk.columns.empty()) {
        for (uint32_t c : info.unique_keys.front()) rk.columns.push_back(info.columns[c]);
      }
      rk.keys.push_back(std::move(key));
    } else {
      changes->whole.insert(table);
      changes->touched.erase(table);
    }
  }
  uint64_t h = 0;
  if (!replicate::RowKeyHash(info, img, &h)) return;
  uint32_t& ts = changes->last_change[h];
  ts = std::max(ts, timestamp);
  if (!changes->name.contains(h)) {
    changes->name[h] = StrCat(table, " ", replicate::DescribeRowKey(info, img));
  }
}

// Reads `source`'s binlog after `start` up to its current end, without applying
// anything: what the other server lacks.
// `stop_at` (a resumed run): the position the first run's plan read through, so that the
// plan is the same again (later writes are the catch-up's, as they were for the first run).
absl::StatusOr<StreamPlan> Scan(const ConnectOptions& source, uint32_t target_id,
                                uint32_t binsync_id, const std::string& start,
                                const std::optional<std::string>& stop_at,
                                const std::string& direction, RowChanges* changes) {
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
            if (img != nullptr) RecordRow(*info, table, *img, t->timestamp, changes);
          }
          return absl::OkStatus();
        },
        replicate::IgnoreStatement);
    RETURN_IF_ERROR(walked);
  }
  plan.end = assembler.Position();
  return plan;
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
  return RestartNativeAt(replica, position);
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

// Both copies of the run state, --to's first.
absl::Status SaveRuns(Connection& from, Connection& to, const ResyncRun& run) {
  RETURN_IF_ERROR(SaveRun(to, run));
  return SaveRun(from, run);
}


AppliedCounts Applied(const ReplicateResult& res) {
  return {res.applied_txns, res.rows, res.target_commits, res.seconds, res.read_position};
}

ConflictDecision ToDecision(const PolicyDecision& d) {
  return {d.action == RowAction::kOverwrite ? ConflictAction::kOverwrite : ConflictAction::kKeep,
          std::string(d.resolution)};
}

// What the five steps share: the pair, the run's plan and the report they fill in.
struct Pair {
  Pair(const ResyncOptions& options, Connection from_conn, Connection to_conn)
      : o(options), from(std::move(from_conn)), to(std::move(to_conn)) {}

  const ResyncOptions& o;
  Connection from, to;
  ServerFacts from_facts, to_facts;
  // One resync of a pair at a time: a second one would find this run unfinished and
  // "resume" it while it still runs. Held on both servers until the end (or kill -9).
  std::optional<StreamLease> lease_to, lease_from;
  RunPlan plan;
  ResyncReport report;
  std::string start_to, start_from;     // the positions each catch-up stream starts after
  RowChanges from_changes, to_changes;  // rows changed on --from / on --to since then
  bool stopped_native = false;          // an error leaves native replication stopped

  [[nodiscard]] absl::Status Save() { return SaveRuns(from, to, plan.run); }
  [[nodiscard]] const std::string& Direction(bool into_to) const {
    return into_to ? report.to_lacks.direction : report.from_lacks.direction;
  }
};

// 1. Inspect both servers, take the run (fresh or resumed), record it, stop native
// replication.
absl::Status Inspect(Pair& p) {
  ResyncReport& r = p.report;
  r.dry_run = p.o.dry_run;
  r.from = p.from.endpoint();
  r.to = p.to.endpoint();
  ASSIGN_OR_RETURN(p.from_facts, InspectServer(p.from));
  ASSIGN_OR_RETURN(p.to_facts, InspectServer(p.to));
  RETURN_IF_ERROR(CheckPair(p.from_facts, p.to_facts));
  r.from_errors = ReplicationErrors(p.from_facts);
  r.to_errors = ReplicationErrors(p.to_facts);
  const uint32_t from_id = p.from_facts.server_id, to_id = p.to_facts.server_id;
  p.lease_to.emplace(p.o.to, "resync", from_id, /*check_native=*/false);
  p.lease_from.emplace(p.o.from, "resync", to_id, /*check_native=*/false);
  if (!p.o.dry_run) {
    RETURN_IF_ERROR(p.lease_to->Ensure());
    RETURN_IF_ERROR(p.lease_from->Ensure());
  }
  ASSIGN_OR_RETURN(std::optional<ResyncRun> on_to, LoadLatestRun(p.to, from_id, to_id));
  ASSIGN_OR_RETURN(std::optional<ResyncRun> on_from, LoadLatestRun(p.from, from_id, to_id));
  const RunFacts facts{p.from_facts,   p.to_facts,  r.from,
                       r.to,           LatestOfCopies(on_to, on_from),
                       NewRunId(),     p.o.conflicts, p.o.dry_run};
  ASSIGN_OR_RETURN(p.plan, PlanRun(facts));
  r.run_id = p.plan.run_id;
  r.resumed_step = p.plan.resumed_step;
  r.resumed_message = p.plan.resumed_message;
  r.notes = p.plan.notes;
  if (p.plan.record_new_run) {
    // Recorded before anything changes: a run killed from here on is found and finished.
    RETURN_IF_ERROR(EnsureResyncTables(p.to));
    RETURN_IF_ERROR(EnsureResyncTables(p.from));
    RETURN_IF_ERROR(p.Save());
  }
  if (p.o.dry_run) return absl::OkStatus();
  p.stopped_native = p.plan.stop_from_native || p.plan.stop_to_native;
  if (p.plan.stop_from_native) RETURN_IF_ERROR(p.from.Execute("STOP SLAVE"));
  if (p.plan.stop_to_native) RETURN_IF_ERROR(p.to.Execute("STOP SLAVE"));
  FaultKill("resync.after_stop_native");
  return absl::OkStatus();
}

// 2. Plan: scan what each server lacks, from the servers' positions or (resumed) the
// recorded ones up to where the first plan's scans ended, so that it is the same plan.
absl::Status Plan(Pair& p) {
  const ResyncRun& run = p.plan.run;
  std::optional<std::string> end_to, end_from;
  if (p.plan.work.replan) {
    ASSIGN_OR_RETURN(p.start_to, NativeStartPosition(p.from, p.to));
    ASSIGN_OR_RETURN(p.start_from, NativeStartPosition(p.to, p.from));
  } else {
    p.start_to = run.into_to.start;
    p.start_from = run.into_from.start;
    end_to = ScanStop(run.into_to);
    end_from = ScanStop(run.into_from);
  }
  ResyncReport& r = p.report;
  const uint32_t from_id = p.from_facts.server_id, to_id = p.to_facts.server_id;
  ASSIGN_OR_RETURN(r.to_lacks, Scan(p.o.from, to_id, p.o.server_id, p.start_to, end_to,
                                    StrCat(r.from, " -> ", r.to), &p.from_changes));
  ASSIGN_OR_RETURN(r.from_lacks, Scan(p.o.to, from_id, p.o.server_id, p.start_from, end_from,
                                      StrCat(r.to, " -> ", r.from), &p.to_changes));
  r.predicted_conflicts = PredictedConflicts(p.from_changes, p.to_changes);
  return absl::OkStatus();
}

// Records a new plan: its positions and where each catch-up stream's checkpoint stands
// now (anything above was this run's).
absl::Status RecordPlan(Pair& p) {
  if (!p.plan.work.replan) return absl::OkStatus();
  RETURN_IF_ERROR(EnsureCheckpointTable(p.to));
  RETURN_IF_ERROR(EnsureCheckpointTable(p.from));
  ASSIGN_OR_RETURN(Checkpoint cp_to, LoadCheckpoint(p.to, replicate::CheckpointStream(p.from_facts.server_id)));
  ASSIGN_OR_RETURN(Checkpoint cp_from, LoadCheckpoint(p.from, replicate::CheckpointStream(p.to_facts.server_id)));
  ResyncRun& run = p.plan.run;
  run.into_to.start = p.start_to;
  run.into_to.plan_end = p.report.to_lacks.end;
  run.into_to.checkpoint_seq = cp_to.seq;
  run.into_from.start = p.start_from;
  run.into_from.plan_end = p.report.from_lacks.end;
  run.into_from.checkpoint_seq = cp_from.seq;
  run.step = ResyncStep::kPlanned;
  return p.Save();
}

// One catch-up stream: from its checkpoint when this run committed past the one recorded
// at the plan; conflicts resolved by policy and recorded with the transaction that meets
// them.
ReplicateOptions StreamOptions(const Pair& p, bool into_to) {
  ReplicateOptions ro;
  ro.source = into_to ? p.o.from : p.o.to;
  ro.target = into_to ? p.o.to : p.o.from;
  ro.mode = ApplyMode::kCatchup;
  ro.workers = p.o.workers;
  ro.server_id = p.o.server_id;
  ro.start = into_to ? p.start_to : p.start_from;
  ro.resume_past_seq = (into_to ? p.plan.run.into_to : p.plan.run.into_from).checkpoint_seq;
  ro.until_caught_up = true;
  ro.on_conflict = [policy = p.o.conflicts, receiver = into_to ? &p.to_changes : &p.from_changes,
                    into_to](const Conflict& c) {
    const std::optional<uint64_t> hash =
        c.has_key_hash ? std::optional<uint64_t>(c.key_hash) : std::nullopt;
    return ToDecision(Decide(
        policy, {into_to ? Side::kTo : Side::kFrom, c.timestamp, LastChange(*receiver, hash)}));
  };
  ro.record_conflict = [id = p.plan.run.id, into_to](Connection& target, const Conflict& c,
                                                     const ConflictDecision& d) {
    return RecordConflict(target, id, into_to, c, d);
  };
  ro.stop = p.o.stop;
  ro.label = p.Direction(into_to);
  ro.max_reconnects = 3;
  return ro;
}

// Where a stream read through; the peer's current position when it read nothing.
absl::StatusOr<std::string> ReadThrough(const ReplicateResult& res, Connection& peer) {
  if (!res.read_position.empty()) return res.read_position;
  ASSIGN_OR_RETURN(auto cur, peer.QueryValue("SELECT @@global.gtid_binlog_pos"));
  return cur.value_or("");
}

// 3. Catch up both ways at once (a direction whose binlog is purged is left to verify);
// then every conflict of the run, an interrupted part's included, as committed.
absl::Status CatchUp(Pair& p) {
  ResyncReport& r = p.report;
  for (std::string& note : PurgedNotes(r)) r.notes.push_back(std::move(note));
  ResyncRun& run = p.plan.run;
  if (p.plan.work.catch_up) {
    run.step = ResyncStep::kCatchingUp;
    RETURN_IF_ERROR(p.Save());
    absl::StatusOr<ReplicateResult> into_to = ReplicateResult{}, into_from = ReplicateResult{};
    {
      std::vector<std::thread> threads;
      if (!r.to_lacks.purged) {
        threads.emplace_back([&] { into_to = Replicate(StreamOptions(p, true)); });
      }
      if (!r.from_lacks.purged) {
        threads.emplace_back([&] { into_from = Replicate(StreamOptions(p, false)); });
      }
      for (std::thread& t : threads) t.join();
    }
    if (!into_to.ok()) return into_to.status();
    if (!into_from.ok()) return into_from.status();
    if (p.o.stop != nullptr && p.o.stop->load()) {
      // SIGTERM/SIGINT: the streams committed what was in flight and dropped their queues,
      // so neither caught up. The run stays "catching up"; a rerun continues each stream
      // from its checkpoint. Never recorded as caught up: handing native replication back
      // past what was applied would skip transactions.
      return absl::CancelledError(
          "stopped by a signal while catching up; run resync again to finish this run");
    }
    r.applied_to_to = Applied(*into_to);
    r.applied_to_from = Applied(*into_from);
    ASSIGN_OR_RETURN(run.into_to.read_through, ReadThrough(*into_to, p.from));
    ASSIGN_OR_RETURN(run.into_from.read_through, ReadThrough(*into_from, p.to));
    run.step = ResyncStep::kCaughtUp;
    RETURN_IF_ERROR(p.Save());
  }
  ASSIGN_OR_RETURN(std::vector<StoredConflict> on_to, LoadConflicts(p.to, run.id));
  ASSIGN_OR_RETURN(std::vector<StoredConflict> on_from, LoadConflicts(p.from, run.id));
  for (const std::vector<StoredConflict>* list : {&on_to, &on_from}) {
    for (const StoredConflict& c : *list) {
      r.conflicts.push_back({c.conflict.table, c.conflict.key, c.conflict.kind, c.conflict.txn,
                             p.Direction(c.into_to), c.resolution});
    }
  }
  return absl::OkStatus();
}

// 4. Hand back, server by server, each recorded: one the interrupted run restarted keeps
// running (setting its position again would replay what it applied since).
absl::Status HandBackStep(Pair& p) {
  ResyncRun& run = p.plan.run;
  if (p.o.handback == Handback::kNative && p.plan.work.hand_back) {
    run.step = ResyncStep::kHandingBack;
    RETURN_IF_ERROR(p.Save());
    for (const HandbackSide& side : HandbackSides(p.plan)) {
      const bool into_to = side.receiver == Side::kTo;
      Connection& receiver = into_to ? p.to : p.from;
      if (!side.done) {
        ASSIGN_OR_RETURN(const ServerFacts facts, InspectServer(receiver));
        ASSIGN_OR_RETURN(const bool running, HandedBackAlready(facts, side.position));
        if (!running) RETURN_IF_ERROR(HandBack(receiver, side.position, side.channel));
        (into_to ? run.into_to : run.into_from).handed_back = true;
        RETURN_IF_ERROR(p.Save());
      }
      if (into_to) FaultKill("resync.handback");
    }
    run.step = ResyncStep::kHandedBack;
    RETURN_IF_ERROR(p.Save());
  }
  if (p.o.handback == Handback::kNative) p.stopped_native = false;
  p.report.handback = HandbackSummary(p.o.handback, run, p.report.from, p.report.to);
  return absl::OkStatus();
}

// 5. Verify what was touched; repair from --from what differs; verify again.
absl::Status Verify(Pair& p) {
  ResyncReport& r = p.report;
  VerifyPlan plan = PlanVerify(p.o.full_verify, r, p.from_changes, p.to_changes);
  r.notes.insert(r.notes.end(), plan.notes.begin(), plan.notes.end());
  if (plan.run) {
    VerifyOptions vo;
    vo.require_selected = false;  // touched tables may have been dropped since
    // Replication runs again: a recheck waits for it; two are enough to tell a live write.
    vo.rechecks = 2;
    vo.settle_timeout_s = 10;
    vo.tables = std::move(plan.tables);
    for (auto& [table, rk] : plan.keys) {
      vo.keys[table] = {std::move(rk.columns), std::move(rk.keys)};
    }
    ASSIGN_OR_RETURN(r.verify_first, RunVerify(p.o.from, p.o.to, vo));
    r.verify_final = r.verify_first;
    if (RepairAfter(p.o.conflicts, r.verify_first.consistent())) {
      RepairOptions ro;
      ASSIGN_OR_RETURN(r.repaired_rows, ApplyRepair(p.to, r.verify_first, ro));
      ASSIGN_OR_RETURN(r.verify_final, RunVerify(p.o.from, p.o.to, vo));
    }
  }
  r.verified = true;
  p.plan.run.step = ResyncStep::kVerified;
  return p.Save();
}

// The five steps in order, each timed; a dry run stops after the plan.
absl::Status RunSteps(Pair& p, Clock::time_point t0) {
  std::map<std::string, double>& seconds = p.report.step_seconds;
  RETURN_IF_ERROR(Inspect(p));
  seconds["inspect"] = SecondsSince(t0);
  t0 = Clock::now();
  RETURN_IF_ERROR(Plan(p));
  seconds["plan"] = SecondsSince(t0);
  if (p.o.dry_run) return absl::OkStatus();
  RETURN_IF_ERROR(RecordPlan(p));
  FaultKill("resync.after_plan");
  t0 = Clock::now();
  RETURN_IF_ERROR(CatchUp(p));
  seconds["catch up"] = SecondsSince(t0);
  FaultKill("resync.before_handback");
  t0 = Clock::now();
  RETURN_IF_ERROR(HandBackStep(p));
  seconds["hand back"] = SecondsSince(t0);
  FaultKill("resync.after_handback");
  t0 = Clock::now();
  RETURN_IF_ERROR(Verify(p));
  seconds["verify"] = SecondsSince(t0);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResyncReport> RunResync(const ResyncOptions& o) {
  const Clock::time_point t0 = Clock::now();
  ASSIGN_OR_RETURN(Connection from, Connection::Open(o.from));
  ASSIGN_OR_RETURN(Connection to, Connection::Open(o.to));
  Pair p(o, std::move(from), std::move(to));
  const absl::Status st = RunSteps(p, t0);
  if (!st.ok() && p.stopped_native) {
    // Say what state the pair is left in: binsync stopped native replication first.
    return absl::Status(st.code(),
                        StrCat(st.message(),
                               " (native replication is stopped on both servers; fix the cause "
                               "and run resync again: it resumes this run where it stopped)"));
  }
  if (!st.ok()) return st;
  return std::move(p.report);
}

}  // namespace binsync
