#include "net/lagbench/run.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>

#include "core/lagbench/arrivals.h"
#include "net/lagbench/engine.h"
#include "net/lagbench/load.h"
#include "net/lagbench/tap.h"
#include "core/lagbench/preflight.h"
#include "net/mysql/inspect.h"
#include "net/replicate/stream_lease.h"
#include "spdlog/spdlog.h"
#include "core/util/progress.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr char kDb[] = "lagbench";

int64_t Us(Clock::duration d) { return duration_cast<microseconds>(d).count(); }

// One direction of the pair: its tables, its books, the servers' roles.
struct Direction {
  std::string name;  // "a-b"
  const ConnectOptions* source = nullptr;
  const ConnectOptions* target = nullptr;
  std::string probe_table, load_table;
  uint64_t key_first = 1;
  std::unique_ptr<ArrivalBook> at_source, at_source_again, at_target, visible;
  uint64_t next_probe_id = 1;
};

absl::Status CreateProbeSchema(Connection& c) {
  // Not binlogged: the schema exists on both servers, no DDL travels through the
  // replication being measured. Truncated so probe ids start at 1 for this run.
  return Unlogged(c, [&c]() -> absl::Status {
    RETURN_IF_ERROR(c.Execute(StrCat("CREATE DATABASE IF NOT EXISTS ", kDb)));
    for (const char* dir : {"a_b", "b_a"}) {
      RETURN_IF_ERROR(c.Execute(StrCat("CREATE TABLE IF NOT EXISTS ", kDb, ".probe_", dir,
                                       " (probe_id BIGINT UNSIGNED PRIMARY KEY, "
                                       "intended_us BIGINT NOT NULL) ENGINE=InnoDB")));
      RETURN_IF_ERROR(c.Execute(StrCat("CREATE TABLE IF NOT EXISTS ", kDb, ".load_", dir,
                                       " (k BIGINT UNSIGNED PRIMARY KEY, v BIGINT NOT NULL) "
                                       "ENGINE=InnoDB")));
      RETURN_IF_ERROR(c.Execute(StrCat("TRUNCATE TABLE ", kDb, ".probe_", dir)));
      RETURN_IF_ERROR(c.Execute(StrCat("TRUNCATE TABLE ", kDb, ".load_", dir)));
    }
    return absl::OkStatus();
  });
}

absl::Status DropProbeSchema(Connection& c) {
  return Unlogged(c, [&c] { return c.Execute(StrCat("DROP DATABASE IF EXISTS ", kDb)); });
}

// Polls the target for 1% of the probes (ids divisible by 100) once the source tap saw
// them, several at a time, and stamps when each became visible to a query.
class VisibilityPoller {
 public:
  VisibilityPoller(Direction& d, Connection conn) : d_(d), conn_(std::move(conn)) {}
  void Start(const std::atomic<bool>* done, Clock::time_point epoch) {
    thread_ = std::thread([this, done, epoch] { Run(done, epoch); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint64_t timeouts() const { return timeouts_; }

 private:
  void Run(const std::atomic<bool>* done, Clock::time_point epoch) {
    std::vector<uint64_t> pending;
    uint64_t next = 100;
    while (!done->load()) {
      while (next <= d_.at_source->capacity() && d_.at_source->At(next)) {
        pending.push_back(next);
        next += 100;
      }
      if (pending.empty()) {
        std::this_thread::sleep_for(microseconds(500));
        continue;
      }
      std::string in;
      for (uint64_t id : pending) StrAppend(&in, in.empty() ? "" : ",", id);
      absl::StatusOr<ResultSet> rs = conn_.Query(
          StrCat("SELECT probe_id FROM ", kDb, ".", d_.probe_table, " WHERE probe_id IN (", in, ")"));
      const int64_t now = Us(Clock::now() - epoch);
      if (rs.ok()) {
        for (const auto& row : rs->rows()) {
          const uint64_t id = std::strtoull(row[0].value_or("0").c_str(), nullptr, 10);
          d_.visible->Stamp(id, now);
          pending.erase(std::remove(pending.begin(), pending.end(), id), pending.end());
        }
      }
      // A probe still invisible a minute after the source binlogged it is given up.
      while (!pending.empty() && now - *d_.at_source->At(pending.front()) > 60'000'000) {
        pending.erase(pending.begin());
        ++timeouts_;
      }
      std::this_thread::sleep_for(microseconds(300));
    }
  }

  Direction& d_;
  Connection conn_;
  uint64_t timeouts_ = 0;
  std::thread thread_;
};

// Samples the target's Seconds_Behind_Master (the channel from the source) every 250 ms.
class SbmSampler {
 public:
  SbmSampler(Connection conn, uint16_t source_port) : conn_(std::move(conn)), port_(source_port) {}
  void Start(const std::atomic<bool>* done, Clock::time_point epoch) {
    thread_ = std::thread([this, done, epoch] {
      while (!done->load()) {
        absl::StatusOr<ServerFacts> f = InspectServer(conn_);
        if (f.ok()) {
          for (const ReplicationChannel& c : f->channels) {
            if (c.source_port == port_ && c.seconds_behind) {
              samples_.emplace_back(Us(Clock::now() - epoch), *c.seconds_behind);
            }
          }
        }
        std::this_thread::sleep_for(milliseconds(250));
      }
    });
  }
  std::vector<std::pair<int64_t, int64_t>> Join() {
    if (thread_.joinable()) thread_.join();
    return samples_;
  }

 private:
  Connection conn_;
  uint16_t port_;
  std::vector<std::pair<int64_t, int64_t>> samples_;
  std::thread thread_;
};

void AddSbm(const std::vector<std::pair<int64_t, int64_t>>& samples, int64_t w0, int64_t w1,
            StepReport* r) {
  const size_t seconds = r->stats.series.size();
  r->sbm_series.assign(seconds, -1);
  double sum = 0;
  for (const auto& [at, sbm] : samples) {
    if (at < w0 || at >= w1) continue;
    ++r->sbm_samples;
    sum += static_cast<double>(sbm);
    r->sbm_max_s = std::max(r->sbm_max_s, sbm);
    const auto sec = static_cast<size_t>((at - w0) / 1'000'000);
    if (sec < seconds) r->sbm_series[sec] = sbm;
  }
  if (r->sbm_samples > 0) r->sbm_mean_s = sum / static_cast<double>(r->sbm_samples);
}

absl::StatusOr<ServerInfo> Describe(Connection& c, ServerFacts* facts) {
  ASSIGN_OR_RETURN(*facts, InspectServer(c));
  ServerInfo info;
  info.endpoint = facts->endpoint;
  info.version = facts->version;
  info.settings = RecordedSettings(*facts);
  for (const char* v : {"slave_parallel_threads", "slave_parallel_mode", "sync_binlog",
                        "innodb_flush_log_at_trx_commit", "binlog_commit_wait_count"}) {
    absl::StatusOr<std::optional<std::string>> value = c.QueryValue(StrCat("SELECT @@", v));
    if (value.ok() && value->has_value()) info.settings[v] = **value;
  }
  return info;
}

// While a step's load runs: one progress line per direction (engine, direction, offered
// and achieved TPS at the source's binlog, applied TPS at the target's, p99 lag over the
// last second), rewritten on a terminal every 250 ms, a log line every 10 s otherwise.
void ShowProgress(const LagbenchOptions& o, const std::vector<std::unique_ptr<Direction>>& dirs,
                  Clock::time_point epoch, const std::string& engine, double rate,
                  const std::atomic<size_t>& loads_done) {
  ProgressLine line(o.progress_bar, milliseconds(250), std::chrono::seconds(10));
  LagHistogram recent;
  const auto span = static_cast<uint64_t>(rate * static_cast<double>((o.warmup + o.duration).count()) /
                                          1000.0 * 1.05) + 100;
  while (loads_done.load() < dirs.size()) {
    std::this_thread::sleep_for(milliseconds(50));
    const Clock::time_point now = Clock::now();
    if (!line.Due(now)) continue;
    const int64_t now_us = Us(now - epoch), since = now_us - 1'000'000;
    std::string text;
    for (const auto& d : dirs) {
      recent.Reset();
      uint64_t at_source = 0, at_target = 0;
      for (uint64_t id = d->next_probe_id; id < d->next_probe_id + span; ++id) {
        const auto s = d->at_source->At(id), t = d->at_target->At(id);
        at_source += s && *s >= since ? 1 : 0;
        at_target += t && *t >= since ? 1 : 0;
        if (s && t && *t >= since) recent.Record(*t - *s);
      }
      StrAppend(&text, text.empty() ? "" : " | ",
                fmt::format("lagbench {} {} {:.0f} TPS: achieved {}, applied {}, p99 {:.1f} ms",
                            engine, d->name, rate, at_source, at_target,
                            static_cast<double>(recent.ValueAtPercentile(99)) / 1000.0));
    }
    line.Show(text, now);
  }
}

// One step: the load on every direction at once (a master-master pair takes writes on
// both sides), the stragglers drained, the figures computed.
absl::Status RunStep(const LagbenchOptions& o, std::vector<std::unique_ptr<Direction>>& dirs,
                     Clock::time_point epoch, const std::string& engine, int round, double rate,
                     LagbenchReport& report) {
  absl::Status failure;
  const Clock::time_point start = Clock::now() + milliseconds(200);
  std::vector<absl::StatusOr<LoadResult>> loads(dirs.size(), absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  std::atomic<size_t> loads_done{0};
  std::atomic<bool> step_done{false};
  std::vector<std::unique_ptr<SbmSampler>> samplers;
  for (size_t i = 0; i < dirs.size(); ++i) {
    ASSIGN_OR_RETURN(Connection sc, Connection::Open(*dirs[i]->target));
    samplers.push_back(std::make_unique<SbmSampler>(std::move(sc), dirs[i]->source->uri.port));
    samplers.back()->Start(&step_done, epoch);
    LoadOptions lo;
    lo.source = *dirs[i]->source;
    lo.db = kDb;
    lo.probe_table = dirs[i]->probe_table;
    lo.load_table = dirs[i]->load_table;
    lo.first_probe_id = dirs[i]->next_probe_id;
    lo.rate = rate;
    lo.arrivals = o.arrivals;
    lo.seed = o.seed + i;
    lo.duration = o.warmup + o.duration;
    lo.workers = o.workers;
    lo.workload = o.workload;
    lo.workload.key_first = dirs[i]->key_first;
    lo.epoch = epoch;
    lo.start = start;
    lo.stop = o.stop;
    threads.emplace_back([&loads, &loads_done, i, lo] {
      loads[i] = RunLoad(lo);
      loads_done.fetch_add(1);
    });
  }
  ShowProgress(o, dirs, epoch, engine, rate, loads_done);
  for (std::thread& t : threads) t.join();
  // Stragglers: wait until each target saw what its source committed. A replica that is
  // behind but applying is waited for (its lag is the measurement); one that makes no
  // progress for --drain is given up on, and what it never applied is unmeasured.
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (!loads[i].ok()) continue;
    uint64_t seen = dirs[i]->at_target->stamped();
    Clock::time_point give_up = Clock::now() + o.drain;
    for (;;) {
      uint64_t missing = 0;
      for (size_t k = 0; k < loads[i]->slots; ++k) {
        if (loads[i]->committed_us[k] >= 0 && !dirs[i]->at_target->At(dirs[i]->next_probe_id + k)) {
          ++missing;
        }
      }
      if (missing == 0 || Clock::now() >= give_up || (o.stop != nullptr && o.stop->load())) break;
      if (const uint64_t now_seen = dirs[i]->at_target->stamped(); now_seen != seen) {
        seen = now_seen;
        give_up = Clock::now() + o.drain;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  step_done.store(true);
  for (size_t i = 0; i < dirs.size(); ++i) {
    Direction& d = *dirs[i];
    const std::vector<std::pair<int64_t, int64_t>> sbm = samplers[i]->Join();
    if (!loads[i].ok()) {
      failure = loads[i].status();
      continue;
    }
    const LoadResult& load = *loads[i];
    StepReport step;
    step.engine = engine;
    step.round = round;
    step.direction = d.name;
    step.offered_tps = rate;
    const int64_t w0 = Us(start - epoch) + Us(o.warmup);
    const int64_t w1 = w0 + Us(o.duration);
    report.interrupted |= load.stopped;
    ComputeStep({d.next_probe_id, load.intended_us, load.committed_us, load.sent, d.at_source.get(),
                 d.at_target.get(), w0, w1},
                &step.stats);
    step.commit_latency.Merge(load.commit_latency);
    load.lateness.ForEachBucket([&](int64_t lo, int64_t, uint64_t n) {
      if (lo > 1000) step.late_sends += n;
    });
    AddSbm(sbm, w0, w1, &step);
    report.sent += step.stats.sent;
    report.measured += step.stats.measured;
    report.unmeasured += step.stats.unmeasured;
    report.failed += load.failed;
    if (report.first_load_error.ok() && !load.first_error.ok()) {
      report.first_load_error = load.first_error;
    }
    spdlog::info("lagbench {} {} {:.0f} TPS: achieved {:.0f}, applied {:.0f}, lag p50 {} us, "
                 "p99 {} us, max {} us ({} measured, {} unmeasured): {}",
                 engine, d.name, rate, step.stats.achieved_tps, step.stats.applied_tps,
                 step.stats.lag.ValueAtPercentile(50), step.stats.lag.ValueAtPercentile(99),
                 step.stats.lag.max(), step.stats.measured, step.stats.unmeasured,
                 JudgeStep(FactsOf(step, std::nullopt)).reason);
    report.steps.push_back(std::move(step));
    d.next_probe_id += load.slots;
  }
  return failure;
}

// Arrival books hold every probe id of the run: each step's schedule, for every engine and
// round (--engine both runs each step three times per engine).
uint64_t BookCapacity(const LagbenchOptions& o, int rounds) {
  double probes = 0;
  for (double rate : o.rates) {
    probes += rate * static_cast<double>((o.warmup + o.duration).count()) / 1000.0;
  }
  probes *= static_cast<double>(o.engines.size() * static_cast<size_t>(rounds));
  return static_cast<uint64_t>(probes * 1.05) + 1000;
}

// The measured directions, each checked (preflight) and with its tables and books.
absl::StatusOr<std::vector<std::unique_ptr<Direction>>> MakeDirections(
    const LagbenchOptions& o, const ServerFacts& fa, const ServerFacts& fb, uint64_t capacity) {
  std::vector<std::unique_ptr<Direction>> dirs;
  for (const std::string& name : o.directions) {
    auto d = std::make_unique<Direction>();
    d->name = name;
    const bool ab = name == "a-b";
    d->source = ab ? &o.a : &o.b;
    d->target = ab ? &o.b : &o.a;
    RETURN_IF_ERROR(CheckNativeDirection(ab ? fa : fb, d->source->uri.port, ab ? fb : fa));
    d->probe_table = ab ? "probe_a_b" : "probe_b_a";
    d->load_table = ab ? "load_a_b" : "load_b_a";
    d->key_first = ab ? 1 : 1'000'000'000;
    d->at_source = std::make_unique<ArrivalBook>(capacity);
    d->at_source_again = std::make_unique<ArrivalBook>(capacity);
    d->at_target = std::make_unique<ArrivalBook>(capacity);
    d->visible = std::make_unique<ArrivalBook>(capacity);
    dirs.push_back(std::move(d));
  }
  return dirs;
}

// Two taps on each server: the first stamps arrivals as source (its outgoing direction)
// and as target (the incoming one); the second stamps the outgoing probes again, for the
// floor (two taps of one binlog differ only by the taps' own jitter).
absl::StatusOr<std::vector<std::unique_ptr<BinlogTap>>> StartTaps(
    const LagbenchOptions& o, Connection& a, Connection& b,
    const std::vector<std::unique_ptr<Direction>>& dirs, Clock::time_point epoch) {
  std::vector<std::unique_ptr<BinlogTap>> taps;
  uint32_t tap_id = kTapServerIdBase + 1;
  for (auto [conn, opts, is_a] : {std::tuple{&a, &o.a, true}, std::tuple{&b, &o.b, false}}) {
    ASSIGN_OR_RETURN(std::optional<std::string> pos, conn->QueryValue("SELECT @@gtid_binlog_pos"));
    TapOptions main_tap, again;
    main_tap.server = again.server = *opts;
    main_tap.start_gtid = again.start_gtid = pos.value_or("");
    main_tap.epoch = again.epoch = epoch;
    for (const auto& d : dirs) {
      const bool outgoing = (d->name == "a-b") == is_a;
      if (outgoing) {
        main_tap.probes.push_back({kDb, d->probe_table, d->at_source.get()});
        again.probes.push_back({kDb, d->probe_table, d->at_source_again.get()});
      } else {
        main_tap.probes.push_back({kDb, d->probe_table, d->at_target.get()});
      }
    }
    main_tap.server_id = tap_id++;
    again.server_id = tap_id++;
    for (TapOptions* t : {&main_tap, &again}) {
      if (t->probes.empty()) continue;
      ASSIGN_OR_RETURN(std::unique_ptr<BinlogTap> tap, BinlogTap::Start(*t));
      taps.push_back(std::move(tap));
    }
  }
  return taps;
}

// Every step of one engine in one round. binsync's engine takes each direction over
// before the steps and hands it back after them, whatever happened in between.
absl::Status RunEngine(const LagbenchOptions& o, std::vector<std::unique_ptr<Direction>>& dirs,
                       Clock::time_point epoch, const std::string& engine, int round,
                       LagbenchReport& report) {
  absl::Status failure;
  std::vector<std::unique_ptr<BinsyncEngine>> binsync;
  if (engine == "binsync") {
    for (const auto& d : dirs) {
      BinsyncEngineOptions eo;
      eo.source = *d->source;
      eo.target = *d->target;
      eo.mode = o.binsync_mode;
      eo.workers = o.binsync_workers;
      eo.label = d->name == "a-b" ? "A->B" : "B->A";
      absl::StatusOr<std::unique_ptr<BinsyncEngine>> e = BinsyncEngine::Start(eo);
      if (!e.ok()) {
        failure = e.status();
        break;
      }
      binsync.push_back(*std::move(e));
    }
  }
  for (double rate : o.rates) {
    if (!failure.ok() || (o.stop != nullptr && o.stop->load())) break;
    failure = RunStep(o, dirs, epoch, engine, round, rate, report);
    for (auto& e : binsync) {
      // binsync stopped by itself: an error; say it rather than measure nothing.
      if (failure.ok() && e->ended()) failure = e->Stop();
      if (failure.ok() && e->ended()) {
        failure = absl::InternalError("binsync's engine ended during the step");
      }
    }
  }
  // Native back where binsync got to, whatever happened above.
  for (auto& e : binsync) {
    const absl::Status st = e->Stop();
    if (failure.ok() && !st.ok()) failure = st;
  }
  return failure;
}

// The floor and the visibility gap over every probe of the run.
void AddFloorAndVisibility(const std::vector<std::unique_ptr<Direction>>& dirs,
                           LagbenchReport& report) {
  for (const auto& d : dirs) {
    for (uint64_t id = 1; id < d->next_probe_id; ++id) {
      const auto s = d->at_source->At(id), s2 = d->at_source_again->At(id),
                 t = d->at_target->At(id), v = d->visible->At(id);
      if (s && s2) report.floor.Record(std::llabs(*s2 - *s));
      if (t && v) report.visibility.Record(*v - *t);
    }
  }
}

}  // namespace

absl::StatusOr<LagbenchReport> RunLagbench(const LagbenchOptions& o) {
  LagbenchReport report;
  ASSIGN_OR_RETURN(Connection a, Connection::Open(o.a));
  ASSIGN_OR_RETURN(Connection b, Connection::Open(o.b));
  // One lagbench per pair: a second would truncate this one's probe tables and stop or
  // restart its channels. Held on both servers until the run ends (freed by the server if
  // this process dies).
  StreamLease lease_a(o.a, "lagbench", 0, /*check_native=*/false);
  StreamLease lease_b(o.b, "lagbench", 0, /*check_native=*/false);
  RETURN_IF_ERROR(lease_a.Ensure());
  RETURN_IF_ERROR(lease_b.Ensure());
  // A killed run may have left a direction with binsync: native back first.
  RETURN_IF_ERROR(RestoreAfterKilledRun(o.a, o.b));
  RETURN_IF_ERROR(RestoreAfterKilledRun(o.b, o.a));
  ServerFacts fa, fb;
  ASSIGN_OR_RETURN(report.a, Describe(a, &fa));
  ASSIGN_OR_RETURN(report.b, Describe(b, &fb));
  // --engine both: native and binsync interleaved, three times each, on the same load.
  const int rounds = o.engines.size() > 1 ? 3 : 1;
  ASSIGN_OR_RETURN(std::vector<std::unique_ptr<Direction>> dirs,
                   MakeDirections(o, fa, fb, BookCapacity(o, rounds)));
  RETURN_IF_ERROR(CreateProbeSchema(a));
  RETURN_IF_ERROR(CreateProbeSchema(b));
  const Clock::time_point epoch = Clock::now();
  ASSIGN_OR_RETURN(std::vector<std::unique_ptr<BinlogTap>> taps, StartTaps(o, a, b, dirs, epoch));
  std::atomic<bool> run_done{false};
  std::vector<std::unique_ptr<VisibilityPoller>> pollers;
  for (const auto& d : dirs) {
    ASSIGN_OR_RETURN(Connection pc, Connection::Open(*d->target));
    pollers.push_back(std::make_unique<VisibilityPoller>(*d, std::move(pc)));
    pollers.back()->Start(&run_done, epoch);
  }

  absl::Status failure;
  for (int round = 1; round <= rounds && failure.ok(); ++round) {
    for (const std::string& engine : o.engines) {
      if (!failure.ok() || (o.stop != nullptr && o.stop->load())) break;
      failure = RunEngine(o, dirs, epoch, engine, round, report);
    }
  }
  run_done.store(true);
  for (auto& p : pollers) p->Join();
  for (auto& t : taps) t->Stop();
  for (auto& t : taps) {
    if (!t->status().ok() && failure.ok()) failure = t->status();
  }
  AddFloorAndVisibility(dirs, report);
  for (auto& p : pollers) report.visibility_timeouts += p->timeouts();
  report.verdicts = JudgeSteps(report.steps, o.engines, o.directions, rounds, o.slo);
  if (!o.keep) {
    RETURN_IF_ERROR(DropProbeSchema(a));
    RETURN_IF_ERROR(DropProbeSchema(b));
  }
  if (!failure.ok()) return failure;
  return report;
}

}  // namespace binsync::lagbench
