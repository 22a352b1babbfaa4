#include "net/replicate/replicator.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/replicate/scheduler.h"
#include "core/gtid/mariadb_gtid.h"
#include "core/replicate/apply_errors.h"
#include "core/replicate/assembler.h"
#include "core/replicate/statement_dml.h"
#include "core/replicate/writeset.h"
#include "core/util/clock.h"
#include "core/util/progress.h"
#include "core/util/server_error.h"
#include "core/util/fault.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/schema_cache.h"
#include "core/replicate/batching.h"
#include "net/replicate/stream_lease.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

// A plain copy of ReplicateMetrics' counters.
struct Counts {
  uint64_t applied_txns, target_commits, rows, retries, missing_rows, conflicts, apply_us,
      commit_wait_us, commit_us, overwritten_rows;
};

Counts Load(const ReplicateMetrics& m) {
  constexpr auto r = std::memory_order_relaxed;
  return {m.applied_txns.load(r), m.target_commits.load(r), m.rows.load(r),
          m.retries.load(r),      m.missing_rows.load(r),   m.conflicts.load(r),
          m.apply_us.load(r),     m.commit_wait_us.load(r), m.commit_us.load(r),
          m.overwritten_rows.load(r)};
}

// What the workers, the progress line and RunOnce share. The workers count into the
// caller's ReplicateMetrics (--metrics-port: totals across reconnects) or a private one;
// this run's figures are the counts minus `start`.
struct Shared {
  Shared(ReplicateMetrics* external, std::string stream_label)
      : counts(external != nullptr ? external : &own),
        start(Load(*counts)),
        label(std::move(stream_label)) {}
  [[nodiscard]] Counts Run() const {
    const Counts now = Load(*counts);
    return {now.applied_txns - start.applied_txns,     now.target_commits - start.target_commits,
            now.rows - start.rows,                     now.retries - start.retries,
            now.missing_rows - start.missing_rows,     now.conflicts - start.conflicts,
            now.apply_us - start.apply_us,             now.commit_wait_us - start.commit_wait_us,
            now.commit_us - start.commit_us,           now.overwritten_rows - start.overwritten_rows};
  }

  ReplicateMetrics own;
  ReplicateMetrics* const counts;
  const Counts start;
  const std::string label;  // "A->B" in logs
  std::mutex mu;
  std::string applied_position;  // gtid_pos_after of the last commit
  std::string applied_file;      // and where it ends in the source binlog
  uint64_t applied_pos = 0;
};

uint64_t MicrosSince(Clock::time_point* t) {
  const auto now = Clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - *t).count();
  *t = now;
  return static_cast<uint64_t>(us);
}

// A target session that a stop may have to interrupt: its CONNECTION_ID() and whether it
// is running a transaction's statements now (not idle, not committing).
struct Session {
  uint64_t connection_id = 0;
  std::atomic<bool> applying{false};
  std::atomic<bool> interrupted{false};  // the stop killed its statement (KILL QUERY)
};

// The apply sessions of one StreamRun, registered as they open (stable addresses).
class Sessions {
 public:
  Session* Add(uint64_t connection_id) {
    std::lock_guard lock(mu_);
    Session& s = sessions_.emplace_back();
    s.connection_id = connection_id;
    return &s;
  }
  [[nodiscard]] std::vector<Session*> Applying() {
    std::lock_guard lock(mu_);
    std::vector<Session*> out;
    for (Session& s : sessions_) {
      if (s.applying.load()) out.push_back(&s);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::deque<Session> sessions_;
};

// After a stop request, a statement still running kStopGrace later (a worker blocked on a
// target lock: LOCK TABLES ... WRITE, a long transaction) would hold the exit for the
// session's lock wait timeout. It is interrupted with KILL QUERY from a connection of its
// own, again every second until the run ends; its worker rolls back and leaves the
// transaction to the next run (the checkpoint stays before it).
class StopWatch {
 public:
  StopWatch(const ReplicateOptions& o, Sessions* sessions) : o_(o), sessions_(*sessions) {
    if (o.stop != nullptr) thread_ = std::thread([this] { Run(); });
  }
  ~StopWatch() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;

 private:
  static constexpr std::chrono::seconds kStopGrace{2};

  void Run() {
    std::unique_lock lock(mu_);
    while (!done_ && !o_.stop->load()) cv_.wait_for(lock, std::chrono::milliseconds(100));
    auto next = Clock::now() + kStopGrace;
    while (!cv_.wait_until(lock, next, [this] { return done_; })) {
      lock.unlock();
      InterruptApplying();
      lock.lock();
      next = Clock::now() + std::chrono::seconds(1);
    }
  }

  void InterruptApplying() {
    const std::vector<Session*> busy = sessions_.Applying();
    if (busy.empty()) return;
    if (!killer_.has_value()) {
      absl::StatusOr<Connection> c = Connection::Open(o_.target);
      if (!c.ok()) {
        spdlog::warn("{}: stopping: cannot connect to interrupt the statements still running: {}",
                     o_.label, c.status().message());
        return;
      }
      killer_.emplace(std::move(*c));
    }
    for (Session* s : busy) {
      s->interrupted.store(true);
      spdlog::warn("{}: stopping: connection {} on {} is still applying a transaction (waiting "
                   "for a lock?); interrupting it (KILL QUERY): it is rolled back and applied "
                   "next time",
                   o_.label, s->connection_id, killer_->endpoint());
      if (absl::Status st = killer_->Execute(StrCat("KILL QUERY ", s->connection_id)); !st.ok()) {
        spdlog::warn("{}: KILL QUERY {}: {}", o_.label, s->connection_id, st.message());
      }
    }
  }

  const ReplicateOptions& o_;
  Sessions& sessions_;
  std::optional<Connection> killer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// What a worker thread works with.
struct Worker {
  replicate::Scheduler* sched;
  Applier* applier;
  Shared* shared;
  Session* session;
  bool resync;  // a resync stream: the test hooks resync.catchup* may kill or stop here
};

struct JobTimes {
  uint64_t apply_us = 0, wait_us = 0, commit_us = 0;
};

// Sleeps `delay`, cut short by a stop or an abort (false then).
bool SleepUnlessStopped(const replicate::Scheduler& sched, std::chrono::milliseconds delay) {
  const auto until = Clock::now() + delay;
  for (;;) {
    if (sched.stopping() || !sched.status().ok()) return false;
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

// A failed attempt, rolled back: counted and shown in the metrics (the transaction is
// failing from its first failure until it commits or is left), logged as `r` says.
void NoteFailure(Shared& shared, const replicate::Transaction& t, const absl::Status& st,
                 const replicate::ApplyRetry& r, int failures) {
  ReplicateMetrics& m = *shared.counts;
  m.apply_errors.fetch_add(1, std::memory_order_relaxed);
  m.last_apply_error.store(ServerErrorNumber(st), std::memory_order_relaxed);
  if (failures == 0) m.failing_txns.fetch_add(1, std::memory_order_relaxed);
  if (r.action == replicate::ApplyErrorAction::kRetry && r.log) {
    spdlog::warn("{}: {} at {}:{} failed on the target (attempt {}): {}{}{}; applying it again "
                 "in {} ms",
                 shared.label, t.Name(), t.file, t.start_pos, failures + 1, st.message(),
                 r.advice.empty() ? "" : "; ", r.advice, r.delay.count());
  }
}

// One attempt at `t`: applied, its commit turn awaited, committed. False in `*turn` when
// the scheduler says it must not commit (a stop before it, an abort): rolled back then.
absl::Status ApplyAndCommit(const Worker& w, const replicate::Transaction& t, JobTimes* times,
                            bool* turn) {
  auto clock = Clock::now();
  w.session->applying.store(true);
  absl::Status st = w.applier->Apply(t);
  w.session->applying.store(false);
  times->apply_us += MicrosSince(&clock);
  RETURN_IF_ERROR(st);
  *turn = w.sched->WaitCommitTurn(t);
  if (!*turn) {
    w.applier->Rollback();
    return absl::OkStatus();
  }
  times->wait_us += MicrosSince(&clock);
  if (w.resync) {
    FaultKill("resync.catchup");
    FaultTerm("resync.catchup_term");
  }
  st = w.applier->Commit();
  times->commit_us += MicrosSince(&clock);
  return st;
}

// The error a transaction stops the stream with, saying how often it failed.
absl::Status FailedFor(const absl::Status& st, int failures) {
  if (failures == 0) return st;
  return KeepServerError(
      st, absl::Status(st.code(), StrCat(st.message(), " (failed ", failures + 1, " times)")));
}

// Applies and commits `t` in its turn. A failure is rolled back, noted, then applied again
// or ends the stream as replicate::DecideApplyRetry says. At a stop, a transaction that
// cannot commit (its statement interrupted, or failing and waiting to be applied again)
// is withdrawn: read again next time. True once committed.
bool ApplyInTurn(const Worker& w, const replicate::Transaction& t, JobTimes* times) {
  std::atomic<uint64_t>& failing = w.shared->counts->failing_txns;
  auto recovered = [&](int failures) {  // no longer failing: committed, or left to a rerun
    if (failures > 0) failing.fetch_sub(1, std::memory_order_relaxed);
  };
  auto leave = [&](int failures) {  // not committed: a stop, an abort, or a reconnect
    recovered(failures);
    if (w.sched->stopping()) w.sched->Withdraw(t);
    return false;
  };
  for (int failures = 0;; ++failures) {
    bool turn = true;
    const absl::Status st = ApplyAndCommit(w, t, times, &turn);
    if (!turn) return leave(failures);
    if (st.ok()) {
      recovered(failures);
      return true;
    }
    w.applier->Rollback();
    if (w.sched->stopping() && w.session->interrupted.load()) return leave(failures);
    const replicate::ApplyRetry r = replicate::DecideApplyRetry(st, failures);
    NoteFailure(*w.shared, t, st, r, failures);
    switch (r.action) {
      case replicate::ApplyErrorAction::kRetry:
        w.shared->counts->retries.fetch_add(1, std::memory_order_relaxed);
        if (!SleepUnlessStopped(*w.sched, r.delay)) return leave(failures + 1);
        break;
      case replicate::ApplyErrorAction::kReconnect:
        w.sched->Abort(st);
        return leave(failures + 1);
      case replicate::ApplyErrorAction::kFail:
        // The stream stops on it; the metrics show it failing until the exit.
        w.sched->Abort(FailedFor(st, failures));
        return false;
    }
  }
}

// One worker thread: takes jobs, applies and commits each in its turn, counts them.
void WorkerLoop(Worker w) {
  ApplyCounters last;
  while (replicate::Job* job = w.sched->Acquire()) {
    auto* t = static_cast<replicate::Transaction*>(job);
    spdlog::debug("acquired seq {} {} committed_through {}", t->seq, t->Name(),
                  w.sched->committed_through());
    JobTimes times;
    if (!ApplyInTurn(w, *t, &times)) return;
    const ApplyCounters& now = w.applier->counters();
    const ApplyCounters delta{now.rows - last.rows, now.missing_rows - last.missing_rows,
                              now.retries - last.retries, now.conflicts - last.conflicts,
                              now.overwritten_rows - last.overwritten_rows};
    last = now;
    constexpr auto kRelaxed = std::memory_order_relaxed;
    ReplicateMetrics& m = *w.shared->counts;
    m.applied_txns.fetch_add(t->source_txns, kRelaxed);
    m.target_commits.fetch_add(1, kRelaxed);
    m.rows.fetch_add(delta.rows, kRelaxed);
    m.missing_rows.fetch_add(delta.missing_rows, kRelaxed);
    m.conflicts.fetch_add(delta.conflicts, kRelaxed);
    m.overwritten_rows.fetch_add(delta.overwritten_rows, kRelaxed);
    m.last_source_timestamp.store(t->timestamp, kRelaxed);
    m.apply_us.fetch_add(times.apply_us, kRelaxed);
    m.commit_wait_us.fetch_add(times.wait_us, kRelaxed);
    m.commit_us.fetch_add(times.commit_us, kRelaxed);
    {
      std::lock_guard lock(w.shared->mu);
      w.shared->applied_position = t->gtid_pos_after;
      w.shared->applied_file = t->file;
      w.shared->applied_pos = t->end_pos;
    }
    w.sched->Committed(job);
  }
}

// Progress lines: applied transactions and txn/s; with --until-caught-up also the
// binlog bytes still to read (the source's binlogs as listed at start) and an ETA from the
// read rate. On a terminal one \r-rewritten line, otherwise a log line every 2 s.
class Progress {
 public:
  Progress(const ReplicateOptions& o, Shared& shared)
      : o_(o), shared_(shared), line_(o.progress_bar, o.progress_every, o.progress_every) {}
  // The source's binlogs and sizes when the run started (the end to catch up to).
  void SetEnd(std::vector<std::pair<std::string, uint64_t>> logs) { logs_ = std::move(logs); }

  // `file`/`pos`: where the reader is; what is left is measured from the last commit.
  void Tick(const std::string& file, uint64_t pos, size_t queued, bool final = false) {
    const auto now = Clock::now();
    if (!final && !line_.Due(now)) return;
    std::string applied_file;
    uint64_t applied_pos = 0;
    {
      std::lock_guard lock(shared_.mu);
      applied_file = shared_.applied_file;
      applied_pos = shared_.applied_pos;
    }
    const double dt = line_.SecondsSinceShown(now);
    const uint64_t applied = shared_.Run().applied_txns;
    const double rate = dt > 0 ? static_cast<double>(applied - last_applied_) / dt : 0;
    std::string left;
    if (!logs_.empty()) {
      uint64_t remaining = 0;
      bool after = false;
      for (const auto& [name, size] : logs_) {
        if (after) remaining += size;
        if (name == applied_file) {
          after = true;
          remaining += size > applied_pos ? size - applied_pos : 0;
        }
      }
      if (!after) {
        // Nothing committed yet (all of it is left), or past what existed at start.
        remaining = 0;
        if (applied_file.empty()) {
          for (const auto& [name, size] : logs_) remaining += size;
        }
      }
      const double read_rate =
          dt > 0 && last_remaining_ >= remaining && last_remaining_ != UINT64_MAX
              ? static_cast<double>(last_remaining_ - remaining) / dt
              : 0;
      left = fmt::format(", {:.1f} MB to read", static_cast<double>(remaining) / 1e6);
      if (read_rate > 0 && !final) {
        left += fmt::format(", ETA {:.0f} s", static_cast<double>(remaining) / read_rate);
      }
      last_remaining_ = remaining;
    }
    last_applied_ = applied;
    if (line_.on_terminal()) {
      line_.Show(fmt::format("{} applied {} txn ({:.0f} txn/s), queued {}{}", o_.label, applied,
                             rate, queued, left),
                 now);
      if (final) line_.Keep();
    } else {
      line_.Show(fmt::format("{} applied {} transactions ({:.0f} txn/s), {} queued, reading {}:{}{}",
                             o_.label, applied, rate, queued, file, pos, left),
                 now);
    }
  }

 private:
  const ReplicateOptions& o_;
  Shared& shared_;
  std::vector<std::pair<std::string, uint64_t>> logs_;
  ProgressLine line_;
  uint64_t last_applied_ = 0;
  uint64_t last_remaining_ = UINT64_MAX;
};

// `lease`: this stream's lease on the target, kept across RunOnce calls (reconnects).
// One connection's worth of a stream: the pair checked, the start chosen, the workers
// started, the source read and submitted until its end, a stop or an error, then the queue
// drained and the run's counts added to `result`. Replicate() runs one per (re)connection.
class StreamRun {
 public:
  StreamRun(const ReplicateOptions& o, ReplicateResult* result, std::unique_ptr<StreamLease>* lease)
      : o_(o), result_(*result), lease_(*lease), schema_(o.target),
        // What the binlog leaves out (signedness, charsets, labels, names) for the column check.
        source_schema_(o.source, "source"), shared_(o.metrics, o.label), progress_(o, shared_) {}

  absl::Status Run() {
    ASSIGN_OR_RETURN(Connection source, Connection::Open(o_.source));
    ASSIGN_OR_RETURN(Connection target, Connection::Open(o_.target));
    RETURN_IF_ERROR(CheckPair(source, target));
    if (result_.start_position.empty()) WarnTriggers(target);  // once, not per reconnect
    RETURN_IF_ERROR(ChooseStartPosition(source, target));
    if (o_.until_caught_up) RETURN_IF_ERROR(ListSourceBinlogs(source));
    RETURN_IF_ERROR(StartWorkers());
    return Finish(Read());
  }

 private:
  // Control connections: facts about both servers.
  absl::Status CheckPair(Connection& source, Connection& target) {
    ASSIGN_OR_RETURN(auto format, source.QueryValue("SELECT @@global.binlog_format"));
    if (!EqualsIgnoreCase(format.value_or(""), "ROW")) {
      return absl::FailedPreconditionError(StrCat(
          source.endpoint(), ": binlog_format is ", format.value_or("?"),
          "; binsync replicates row events: SET GLOBAL binlog_format=ROW (and in my.cnf)"));
    }
    ASSIGN_OR_RETURN(source_id_, ServerIdOf(source));
    ASSIGN_OR_RETURN(target_id_, ServerIdOf(target));
    if (source_id_ == target_id_) {
      return absl::InvalidArgumentError(StrCat(source.endpoint(), " and ", target.endpoint(),
                                               " have the same server_id ", source_id_,
                                               "; give each server its own"));
    }
    if (o_.server_id == source_id_ || o_.server_id == target_id_) {
      return absl::InvalidArgumentError(StrCat("--server-id ", o_.server_id,
                                               " is a server's own id; choose an unused one"));
    }
    return absl::OkStatus();
  }

  // Each replicated table with triggers on the target, once: which apply paths fire them
  // (core/replicate/triggers.h). Best effort: a failed query only loses the warning.
  void WarnTriggers(Connection& target) {
    absl::StatusOr<std::map<std::string, std::vector<std::string>>> triggers =
        TargetTriggers(target);
    if (!triggers.ok() || triggers->empty()) return;
    absl::StatusOr<std::optional<std::string>> rbr =
        target.QueryValue("SELECT @@global.slave_run_triggers_for_rbr");
    const std::string setting = rbr.ok() ? rbr->value_or("NO") : "NO";
    for (const auto& [table, names] : *triggers) {
      const size_t dot = table.find('.');
      if (o_.filter && !o_.filter(std::string_view(table).substr(0, dot),
                                  std::string_view(table).substr(dot + 1))) {
        continue;
      }
      spdlog::warn("{}: {}: {}", o_.label, target.endpoint(),
                   replicate::TriggerWarning(table, names, o_.mode == ApplyMode::kCatchup,
                                             o_.replay_binlog, o_.run_triggers, setting));
    }
  }

  // The lease (one writer per stream: taken before the checkpoint is read, held until the
  // end), the checkpoint, and where reading starts (replicate::ChooseStart).
  absl::Status ChooseStartPosition(Connection& source, Connection& target) {
    RETURN_IF_ERROR(EnsureCheckpointTable(target));
    stream_ = replicate::CheckpointStream(source_id_);
    if (lease_ == nullptr) lease_ = std::make_unique<StreamLease>(o_.target, stream_, source_id_);
    RETURN_IF_ERROR(lease_->Ensure());
    ASSIGN_OR_RETURN(cp_, LoadCheckpoint(target, stream_));
    so_.connect = o_.source;
    so_.server_id = o_.server_id;
    so_.stop_at_end = o_.until_caught_up;
    const replicate::StartFrom from = replicate::ChooseStart(!o_.start.empty(), o_.resume_past_seq, cp_);
    switch (from) {
      case replicate::StartFrom::kStartOption:
        RETURN_IF_ERROR(ParseStartPosition(o_.start, &so_));
        if (cp_.found && !o_.resume_past_seq.has_value()) {
          spdlog::info("{}: --start {} given; the checkpoint is not used", o_.label, o_.start);
        }
        break;
      case replicate::StartFrom::kCheckpoint:
        if (!cp_.gtid_pos.empty()) {
          so_.start_gtid = cp_.gtid_pos;
        } else {
          so_.start_file = cp_.source_file;
          so_.start_pos = cp_.source_pos;
        }
        break;
      case replicate::StartFrom::kNativePosition:
        ASSIGN_OR_RETURN(so_.start_gtid, NativeStartPosition(source, target));
        break;
    }
    const std::string at = so_.start_gtid.empty() ? StrCat(so_.start_file, ":", so_.start_pos)
                                                  : so_.start_gtid;
    // The summary's "from" is where this call started, not a reconnect's checkpoint.
    if (result_.start_position.empty()) result_.start_position = at;
    spdlog::info("{}: {} -> {} starting at {} ({}), {} workers, {} mode", o_.label,
                 source.endpoint(), target.endpoint(), at,
                 replicate::StartFromName(from), o_.workers,
                 o_.mode == ApplyMode::kLive ? "live" : "catchup");
    if (result_.end_position.empty()) result_.end_position = result_.start_position;
    return absl::OkStatus();
  }

  // --until-caught-up: the source's binlogs and sizes now, the end the progress line counts to.
  absl::Status ListSourceBinlogs(Connection& source) {
    std::vector<std::pair<std::string, uint64_t>> end_logs;
    ASSIGN_OR_RETURN(const ResultSet logs, source.Query("SHOW BINARY LOGS"));
    for (const auto& row : logs.rows()) {
      ASSIGN_OR_RETURN(const uint64_t size,
                       NumberOf(StrCat(source.endpoint(), ": SHOW BINARY LOGS size"),
                                row[1].value_or("0")));
      end_logs.emplace_back(row[0].value_or(""), size);
    }
    progress_.SetEnd(std::move(end_logs));
    return absl::OkStatus();
  }

  // The scheduler (numbering after the checkpoint) and one applier + thread per worker.
  absl::Status StartWorkers() {
    replicate::Scheduler::Options sopt;
    sopt.max_jobs = o_.max_queue_txns;
    sopt.max_bytes = o_.max_queue_bytes;
    sopt.first_seq = cp_.seq + 1;
    sched_.emplace(sopt);
    for (int w = 0; w < std::max(1, o_.workers); ++w) {
      ApplierOptions ao;
      ao.mode = o_.mode;
      ao.on_missing_row = o_.on_missing_row.value_or(
          replicate::DefaultOnMissingRow(o_.mode == ApplyMode::kCatchup));
      ao.replay_binlog = o_.replay_binlog;
      ao.run_triggers = o_.run_triggers;
      ao.stream = stream_;
      ao.lease_epoch = lease_->epoch();  // every transaction fenced on the lease taken above
      ao.worker = static_cast<uint32_t>(w);
      ao.binsync_server_id = o_.server_id;
      ao.filter = o_.filter;
      ao.on_conflict = o_.on_conflict;
      ao.record_conflict = o_.record_conflict;
      ao.source_schema = &source_schema_;
      ao.lock_wait_timeout_s = o_.lock_wait_timeout_s;
      ASSIGN_OR_RETURN(std::unique_ptr<Applier> a, Applier::Open(o_.target, ao, &schema_));
      appliers_.push_back(std::move(a));
    }
    workers_.reserve(appliers_.size());
    for (auto& a : appliers_) {
      const Worker w{.sched = &*sched_, .applier = a.get(), .shared = &shared_,
                     .session = sessions_.Add(a->connection_id()),
                     .resync = o_.on_conflict != nullptr};
      workers_.emplace_back(WorkerLoop, w);
    }
    stop_watch_.emplace(o_, &sessions_);
    return absl::OkStatus();
  }

  // The reader: stream, assemble, loop filter, writesets, catchup batching, submit.
  absl::Status Read() {
    ASSIGN_OR_RETURN(std::unique_ptr<BinlogStream> s, BinlogStream::Open(so_));
    MariaDbGtidPos start_pos;
    if (!so_.start_gtid.empty()) {
      ASSIGN_OR_RETURN(start_pos, ParseMariaDbGtidPos(so_.start_gtid));
    }
    replicate::Assembler assembler(start_pos);
    assembler.set_part_limit(o_.stream_above_bytes);
    writesets_.set_source_lookup([this](std::string_view db, std::string_view table) {
      return source_schema_.Get(db, table);
    });
    binlog::EventView ev;
    binlog::Event decoded;
    auto lease_checked = Clock::now();
    for (;;) {
      if (o_.stop != nullptr && o_.stop->load()) break;
      if (Clock::now() - lease_checked >= std::chrono::seconds(1)) {
        // Still the only writer? A lease lost with its connection ends this run (Unavailable:
        // the queue commits under the old epoch, fenced, then the stream resumes from the
        // checkpoint with the lease taken anew, unless another process has it by then).
        RETURN_IF_ERROR(lease_->Ensure());
        lease_checked = Clock::now();
      }
      // A worker's error ends the stream now, not at the next source transaction (the
      // source's heartbeats wake this loop every second when it is quiet).
      RETURN_IF_ERROR(sched_->status());
      absl::StatusOr<bool> more = s->Next(&ev);
      if (!more.ok()) return more.status();
      if (!*more) break;
      const auto type = static_cast<binlog::EventType>(ev.header.type);
      progress_.Tick(s->file(), s->position(), sched_->queued_jobs());
      reader_pos_ = s->position();
      if (reader_file_ != s->file()) reader_file_ = s->file();
      if (type == binlog::EventType::kHeartbeat) {
        RETURN_IF_ERROR(Flush());  // the source is idle: do not hold a partial batch
        continue;
      }
      if (IsStreamArtificial(ev)) continue;
      RETURN_IF_ERROR(s->Decode(ev, &decoded));
      std::unique_ptr<replicate::Transaction> t;
      RETURN_IF_ERROR(assembler.Add(ev, decoded, s->format(), s->file(), &t));
      if (t == nullptr) continue;
      if (t->part != 0) {
        if (t->last_part) ++result_.source_txns;
        RETURN_IF_ERROR(ApplyPart(*t));
        continue;
      }
      ++result_.source_txns;
      RETURN_IF_ERROR(Take(std::move(t)));
    }
    RETURN_IF_ERROR(Flush());
    read_position_ = assembler.Position();
    return absl::OkStatus();
  }

  // A whole transaction: filtered, checked, its writeset built, batched (catchup) or
  // submitted.
  absl::Status Take(std::unique_ptr<replicate::Transaction> t) {
    if (Passed(*t)) return absl::OkStatus();
    // Statement-based DML cannot be applied faithfully: refused by name before any of
    // it is applied (the checkpoint stays before it).
    RETURN_IF_ERROR(replicate::CheckNoStatementDml(*t, o_.filter));
    RETURN_IF_ERROR(writesets_.Build(t.get(), lookup_, o_.filter));
    spdlog::debug("{}: {} rows {} keys {} barrier {}", o_.label, t->Name(), t->row_changes,
                  t->keys.size(), t->barrier);
    if (t->row_changes == 0 && !t->has_statements) {
      ++result_.skipped_filtered;
      return absl::OkStatus();
    }
    if (o_.mode == ApplyMode::kCatchup && batch_ != nullptr &&
        replicate::CanMerge(*batch_, *t, {.max_txns = o_.batch_txns, .max_bytes = o_.batch_bytes})) {
      replicate::Merge(batch_.get(), std::move(t));
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(Flush());
    batch_ = std::move(t);
    if (o_.mode == ApplyMode::kLive || batch_->barrier) RETURN_IF_ERROR(Flush());
    return absl::OkStatus();
  }

  // Loop filter and --skip: true when `t` is not applied (counted; a --skip logged).
  // Never send a server its own changes, nor what binsync wrote.
  bool Passed(const replicate::Transaction& t) {
    if (t.server_id == target_id_ || t.server_id == o_.server_id) {
      ++result_.skipped_own;
      return true;
    }
    if (t.has_gtid && std::find(o_.skip.begin(), o_.skip.end(), t.Name()) != o_.skip.end()) {
      spdlog::warn("{}: {} passed without applying it, as --skip asked", o_.label, t.NameAt());
      ++result_.skipped_by_request;
      return true;
    }
    return false;
  }

  absl::Status Flush() {
    if (batch_ == nullptr) return absl::OkStatus();
    const bool barrier = batch_->barrier;
    if (!sched_->Submit(std::move(batch_))) return sched_->Drain();
    if (barrier) {
      // Later writesets depend on the schema this DDL leaves: wait for it.
      RETURN_IF_ERROR(sched_->Drain());
    }
    return absl::OkStatus();
  }

  // A transaction too large to hold is applied here, on the reader's thread, part by part
  // as it is read: a barrier (every earlier transaction committed first, nothing later
  // submitted before it commits), in one target transaction with its own checkpoint row
  // (worker number o.workers). A deadlock rolls it back and the stream is read again from
  // the checkpoint, i.e. from this transaction's start.
  absl::Status ApplyPart(replicate::Transaction& part) {
    if (part.part == 1) {
      streamed_pass_ = Passed(part);
      if (streamed_pass_) return absl::OkStatus();
      RETURN_IF_ERROR(Flush());
      RETURN_IF_ERROR(sched_->Drain());
      if (streamer_ == nullptr) {
        ApplierOptions ao = appliers_.front()->options();
        ao.worker = static_cast<uint32_t>(appliers_.size());
        ASSIGN_OR_RETURN(streamer_, Applier::Open(o_.target, ao, &schema_));
        streamer_session_ = sessions_.Add(streamer_->connection_id());
      }
      streamed_seq_ = sched_->TakeSeq();
      spdlog::info("{}: {} at {}:{} is larger than {} MB: applied as it is read, alone", o_.label,
                   part.Name(), part.file, part.start_pos, o_.stream_above_bytes >> 20);
    }
    if (streamed_pass_) return absl::OkStatus();
    RETURN_IF_ERROR(replicate::CheckNoStatementDml(part, o_.filter));
    part.seq = streamed_seq_;
    const ApplyCounters before = streamer_->counters();
    streamer_session_->applying.store(true);
    absl::Status st = streamer_->ApplyPart(part);
    streamer_session_->applying.store(false);
    if (st.ok() && part.last_part) st = streamer_->Commit();
    if (!st.ok()) {
      streamer_->Rollback();
      // Interrupted by a stop (StopWatch): rolled back, read again next time.
      if (streamer_session_->interrupted.load()) return absl::OkStatus();
      if (absl::IsAborted(st)) {
        return absl::UnavailableError(StrCat(part.Name(), " (streamed) met a deadlock or lock "
                                             "wait timeout; reading it again: ", st.message()));
      }
      return st;
    }
    ReplicateMetrics& m = *shared_.counts;
    const ApplyCounters& now = streamer_->counters();
    m.rows.fetch_add(now.rows - before.rows, std::memory_order_relaxed);
    m.missing_rows.fetch_add(now.missing_rows - before.missing_rows, std::memory_order_relaxed);
    m.overwritten_rows.fetch_add(now.overwritten_rows - before.overwritten_rows,
                                 std::memory_order_relaxed);
    if (part.last_part) {
      ++result_.streamed_txns;
      m.applied_txns.fetch_add(1, std::memory_order_relaxed);
      m.target_commits.fetch_add(1, std::memory_order_relaxed);
      m.last_source_timestamp.store(part.timestamp, std::memory_order_relaxed);
      std::lock_guard lock(shared_.mu);
      shared_.applied_position = part.gtid_pos_after;
      shared_.applied_file = part.file;
      shared_.applied_pos = part.end_pos;
    }
    return absl::OkStatus();
  }

  // Stops or closes the queue, joins the workers and adds this run's counts to the result.
  absl::Status Finish(const absl::Status& reader_status) {
    if (o_.stop != nullptr && o_.stop->load()) {
      // SIGTERM/SIGINT: what is being applied commits, the queue is dropped (read again
      // from the checkpoint next time), so the exit is bounded by the transactions in flight.
      sched_->Stop();
    } else {
      sched_->Close();
    }
    // A lost source connection still lets the queued transactions commit (then the stream
    // resumes from the checkpoint); any other reader error stops the workers.
    if (!reader_status.ok() && !absl::IsUnavailable(reader_status)) sched_->Abort(reader_status);
    absl::Status drained = sched_->Drain();
    for (std::thread& w : workers_) w.join();
    stop_watch_.reset();
    if (o_.progress_bar || o_.until_caught_up) progress_.Tick(reader_file_, reader_pos_, 0, true);
    const Counts run = shared_.Run();
    result_.applied_txns += run.applied_txns;
    result_.target_commits += run.target_commits;
    result_.rows += run.rows;
    result_.missing_rows += run.missing_rows;
    result_.retries += run.retries;
    result_.conflicts += run.conflicts;
    result_.overwritten_rows += run.overwritten_rows;
    if (const uint64_t n = run.target_commits; n > 0) {
      spdlog::info("{}: per target transaction, over {} workers: applying {} us, waiting for the "
                   "commit turn {} us, COMMIT {} us",
                   o_.label, o_.workers, run.apply_us / n, run.commit_wait_us / n, run.commit_us / n);
    }
    // Read through = applied or passed through. Not after a stop: the queue was dropped,
    // so what was read is not all applied (the caller falls back to end_position).
    const bool stopped = o_.stop != nullptr && o_.stop->load();
    if (!read_position_.empty() && drained.ok() && !stopped) result_.read_position = read_position_;
    std::string applied;
    {
      std::lock_guard lock(shared_.mu);
      applied = shared_.applied_position;
      if (!applied.empty()) result_.end_position = applied;
    }
    if (!reader_status.ok()) return reader_status;
    RETURN_IF_ERROR(drained);
    if (!result_.read_position.empty()) RETURN_IF_ERROR(RecordReadPosition(applied));
    return absl::OkStatus();
  }

  // Read to the source's end (--until-caught-up) with nothing applied after `applied` (the
  // last commit's position; empty: none in this run): what was read after it was passed
  // (loop filter, filters, --skip) or there was nothing at all (a --start past every
  // change). The checkpoint moves to the read position too, so that the next run does not
  // go back to an older, maybe purged, position. Only for a stream with a checkpoint or a
  // --start: one never applied keeps starting where native replication would.
  absl::Status RecordReadPosition(const std::string& applied) {
    if (!cp_.found && o_.start.empty()) return absl::OkStatus();
    const std::string& last = applied.empty() ? cp_.gtid_pos : applied;
    if (read_position_ == last) return absl::OkStatus();
    replicate::Transaction t;
    t.seq = sched_->TakeSeq();
    t.gtid_pos_after = read_position_;
    t.file = reader_file_;
    t.start_pos = t.end_pos = reader_pos_;
    RETURN_IF_ERROR(appliers_.front()->RecordPosition(t));
    spdlog::info("{}: nothing to apply after {}; the checkpoint records the position read "
                 "through, {}",
                 o_.label, last.empty() ? result_.start_position : last, read_position_);
    result_.end_position = read_position_;
    return absl::OkStatus();
  }

  const ReplicateOptions& o_;
  ReplicateResult& result_;
  std::unique_ptr<StreamLease>& lease_;
  uint32_t source_id_ = 0, target_id_ = 0;
  std::string stream_;
  Checkpoint cp_;
  BinlogStreamOptions so_;
  SchemaCache schema_;
  SchemaCache source_schema_;
  const schema::TableLookup lookup_ = [this](std::string_view db, std::string_view table) {
    return schema_.Get(db, table);
  };
  Shared shared_;
  Progress progress_;
  std::optional<replicate::Scheduler> sched_;
  std::vector<std::unique_ptr<Applier>> appliers_;
  std::vector<std::thread> workers_;
  replicate::WritesetBuilder writesets_;
  std::unique_ptr<replicate::Transaction> batch_;  // catchup: the target transaction being built
  std::unique_ptr<Applier> streamer_;              // applies transactions above --stream-above
  bool streamed_pass_ = false;  // the streamed transaction is not applied (loop, --skip)
  uint64_t streamed_seq_ = 0;
  std::string reader_file_;
  uint64_t reader_pos_ = 0;
  std::string read_position_;
  Sessions sessions_;                   // the workers' and the streamer's target sessions
  Session* streamer_session_ = nullptr;
  std::optional<StopWatch> stop_watch_;  // last: gone (joined) before what it reads
};

absl::Status RunOnce(const ReplicateOptions& o, ReplicateResult* result,
                     std::unique_ptr<StreamLease>* lease) {
  return StreamRun(o, result, lease).Run();
}

}  // namespace

absl::StatusOr<std::string> NativeStartPosition(Connection& source, Connection& target) {
  ASSIGN_OR_RETURN(auto src, source.QueryValue("SELECT @@global.gtid_binlog_pos"));
  ASSIGN_OR_RETURN(auto slave, target.QueryValue("SELECT @@global.gtid_slave_pos"));
  ASSIGN_OR_RETURN(auto binlog, target.QueryValue("SELECT @@global.gtid_binlog_pos"));
  ASSIGN_OR_RETURN(MariaDbGtidPos src_pos, ParseMariaDbGtidPos(src.value_or("")));
  ASSIGN_OR_RETURN(MariaDbGtidPos slave_pos, ParseMariaDbGtidPos(slave.value_or("")));
  ASSIGN_OR_RETURN(MariaDbGtidPos binlog_pos, ParseMariaDbGtidPos(binlog.value_or("")));
  MariaDbGtidPos start;
  for (const MariaDbGtid& s : src_pos) {
    const MariaDbGtid* found = nullptr;
    for (const MariaDbGtid& g : slave_pos) {
      if (g.domain_id == s.domain_id) found = &g;
    }
    if (found == nullptr) {
      for (const MariaDbGtid& g : binlog_pos) {
        if (g.domain_id == s.domain_id) found = &g;
      }
    }
    if (found == nullptr) continue;  // the target has nothing of this domain: all of it
    start.push_back(found->seq_no > s.seq_no ? s : *found);
  }
  return FormatMariaDbGtidPos(start);
}

absl::StatusOr<ReplicateResult> Replicate(const ReplicateOptions& options) {
  ReplicateResult result;
  const auto t0 = Clock::now();
  int failures = 0;
  std::unique_ptr<StreamLease> lease;
  for (;;) {
    const auto run_start = Clock::now();
    const uint64_t applied_before = result.applied_txns;
    absl::Status st = RunOnce(options, &result, &lease);
    if (st.ok()) break;
    const bool stopping = options.stop != nullptr && options.stop->load();
    // Retry only a stream that once started: a server unreachable at the start is an error
    // to report at once (wrong host, wrong port), not a connection to wait for.
    const bool started = !result.start_position.empty();
    // A run that applied something, or lasted, was a success: the next drop starts the
    // count and the backoff afresh.
    if (result.applied_txns > applied_before || Clock::now() - run_start > std::chrono::seconds(30)) {
      failures = 0;
    }
    if (!absl::IsUnavailable(st) || stopping || !started || failures >= options.max_reconnects) {
      return st;
    }
    ++failures;
    ++result.reconnects;
    const int delay_ms = std::min(200 << std::min(failures - 1, 5), 5000);
    spdlog::warn("{}: {}; resuming from the checkpoint in {} ms", options.label, st.message(),
                 delay_ms);
    for (int slept = 0; slept < delay_ms && !(options.stop != nullptr && options.stop->load());
         slept += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a stop ends the wait
    }
  }
  result.seconds = SecondsSince(t0);
  return result;
}

}  // namespace binsync
