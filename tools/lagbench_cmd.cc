// binsync lagbench --a URI --b URI: the replication lag of every transaction, in microseconds
// (docs/lagbench.md).
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>

#include "core/lagbench/html_report.h"
#include "net/lagbench/run.h"
#include "core/lagbench/report.h"
#include "core/lagbench/schedule.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

// --sweep FROM:TO:STEPS
absl::Status ParseSweep(std::string_view text, std::vector<double>* rates) {
  double v[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  bool ok = true;
  for (int i = 0; i < 3 && ok; ++i) {
    auto [next, ec] = std::from_chars(p, end, v[i]);
    ok = ec == std::errc() && (i == 2 ? next == end : next != end && *next == ':');
    p = next + 1;
  }
  if (ok && v[2] >= 1 && v[2] <= 100 && v[2] == static_cast<int>(v[2])) {
    *rates = lagbench::SweepRates(v[0], v[1], static_cast<int>(v[2]));
  }
  if (rates->empty()) {
    return absl::InvalidArgumentError(StrCat("--sweep ", text, ": expected FROM:TO:STEPS with "
                                             "0 < FROM <= TO and STEPS >= 1, e.g. 500:8000:5"));
  }
  return absl::OkStatus();
}

}  // namespace

RunFn RegisterLagbench(CLI::App& app, const GlobalOptions& g) {
  struct Opts {
    std::string a, b, engine = "native", binsync_mode = "live", direction = "a-b", sweep,
                       mix = "1:0:0",
                       hot_keys = "uniform", slo, format = "table", report, arrivals = "constant";
    double rate = 1000, duration = 20, warmup = 2, drain = 10;
    uint32_t rows_per_txn = 1;
    int workers = 16, binsync_workers = 4;
    uint64_t seed = 1;
    bool keep = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--a", o->a, "server A URI (option-file group [binsync-a])")->required();
  app.add_option("--b", o->b, "server B URI ([binsync-b])")->required();
  app.add_option("--engine", o->engine, "native (the pair's own replication) | binsync | both")
      ->check(CLI::IsMember({"native", "binsync", "both"}))->capture_default_str();
  app.add_option("--binsync-mode", o->binsync_mode, "live | catchup: how binsync's engine applies")
      ->check(CLI::IsMember({"live", "catchup"}))->capture_default_str();
  app.add_option("--binsync-workers", o->binsync_workers, "binsync's engine: apply workers")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--direction", o->direction, "a-b | b-a | both (both: load on both at once)")
      ->check(CLI::IsMember({"a-b", "b-a", "both"}))->capture_default_str();
  auto* rate = app.add_option("--rate", o->rate, "offered transactions per second (open loop)")
                   ->capture_default_str()->check(CLI::Range(0.1, 1e6));
  app.add_option("--sweep", o->sweep, "FROM:TO:STEPS: geometric steps of offered rate")->excludes(rate);
  app.add_option("--arrivals", o->arrivals, "constant | poisson intended start times")
      ->check(CLI::IsMember({"constant", "poisson"}))->capture_default_str();
  app.add_option("--duration", o->duration, "seconds measured per step")->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--warmup", o->warmup, "seconds of load before each measuring window")
      ->capture_default_str()->check(CLI::Range(0.0, 3600.0));
  app.add_option("--drain", o->drain, "after a step, seconds without progress on a target before its missing transactions are given up (unmeasured)")
      ->capture_default_str()->check(CLI::Range(0.0, 3600.0));
  app.add_option("--rows-per-txn", o->rows_per_txn, "row changes per transaction besides the probe row")
      ->capture_default_str()->check(CLI::Range(0, 10000));
  app.add_option("--mix", o->mix, "insert:update:delete weights")->capture_default_str();
  app.add_option("--hot-keys", o->hot_keys, "uniform | zipf:THETA")->capture_default_str();
  app.add_option("--workers", o->workers, "client connections per direction")->capture_default_str()
      ->check(CLI::Range(1, 512));
  app.add_option("--slo", o->slo, "e.g. p99<5ms: report the highest rate meeting it; exit 1 if a step misses it");
  app.add_option("--seed", o->seed, "load schedule and workload seed")->capture_default_str();
  app.add_option("--format", o->format, "table | json")->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--report", o->report, "FILE.html: also write a self-contained HTML report with charts");
  app.add_flag("--keep", o->keep, "keep the lagbench probe schema on both servers afterwards");
  app.footer("Exit: 0 every transaction sent was measured (and the SLO held), 1 some were not "
             "(or a step missed the SLO), 2 error.");
  return [o, &g]() -> int {
    lagbench::LagbenchOptions lo;
    auto ca = MakeConnectOptions(o->a, g, kRoleA);
    if (!ca.ok()) return FailWith(ca.status());
    auto cb = MakeConnectOptions(o->b, g, kRoleB);
    if (!cb.ok()) return FailWith(cb.status());
    lo.a = *ca;
    lo.b = *cb;
    lo.engines = o->engine == "both" ? std::vector<std::string>{"native", "binsync"}
                                     : std::vector<std::string>{o->engine};
    lo.directions = o->direction == "both" ? std::vector<std::string>{"a-b", "b-a"}
                                           : std::vector<std::string>{o->direction};
    if (!o->sweep.empty()) {
      if (absl::Status st = ParseSweep(o->sweep, &lo.rates); !st.ok()) return FailWith(st);
    } else {
      lo.rates = {o->rate};
    }
    lo.arrivals = o->arrivals == "poisson" ? lagbench::Arrivals::kPoisson : lagbench::Arrivals::kConstant;
    lo.duration = std::chrono::milliseconds(static_cast<int64_t>(o->duration * 1000));
    lo.warmup = std::chrono::milliseconds(static_cast<int64_t>(o->warmup * 1000));
    lo.drain = std::chrono::milliseconds(static_cast<int64_t>(o->drain * 1000));
    lo.workers = o->workers;
    lo.workload.rows_per_txn = o->rows_per_txn;
    if (absl::Status st = lagbench::ParseMix(o->mix, &lo.workload); !st.ok()) return FailWith(st);
    if (absl::Status st = lagbench::ParseHotKeys(o->hot_keys, &lo.workload); !st.ok()) {
      return FailWith(st);
    }
    if (!o->slo.empty()) {
      absl::StatusOr<lagbench::Slo> slo = lagbench::ParseSlo(o->slo);
      if (!slo.ok()) return FailWith(slo.status());
      lo.slo = *slo;
    }
    lo.binsync_mode = o->binsync_mode == "catchup" ? ApplyMode::kCatchup : ApplyMode::kLive;
    lo.binsync_workers = o->binsync_workers;
    lo.seed = o->seed;
    lo.keep = o->keep;
    lo.progress_bar = isatty(STDERR_FILENO) != 0;
    lo.stop = InstallStopSignals();
    absl::StatusOr<lagbench::LagbenchReport> r = lagbench::RunLagbench(lo);
    if (!r.ok()) return FailWith(r.status());
    lagbench::RunMethod& m = r->method;
    m.engines = lo.engines;
    m.binsync_mode = o->binsync_mode;
    m.directions = lo.directions;
    m.rates = lo.rates;
    m.arrivals = o->arrivals;
    m.duration_s = o->duration;
    m.warmup_s = o->warmup;
    m.workers = o->workers;
    m.rows_per_txn = o->rows_per_txn;
    m.mix = o->mix;
    m.hot_keys = o->hot_keys;
    m.slo = o->slo;
    const std::string text = o->format == "json" ? lagbench::ReportJson(*r) : lagbench::ReportText(*r);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (!o->report.empty()) {
      std::ofstream out(o->report, std::ios::binary | std::ios::trunc);
      out << lagbench::ReportHtml(*r);
      out.close();
      if (!out) {
        return FailWith(absl::InternalError(
            StrCat("lagbench --report ", o->report, ": cannot write it; check the directory "
                   "exists and is writable (the results above are complete)")));
      }
      spdlog::info("lagbench: report written to {}", o->report);
    }
    bool slo_held = true;
    if (lo.slo) {
      for (const lagbench::StepReport& s : r->steps) {
        slo_held &= s.stats.lag.ValueAtPercentile(lo.slo->percentile) < lo.slo->threshold_us;
      }
    }
    return lagbench::EveryTransactionMeasured(*r) && slo_held ? kExitOk : kExitDifferences;
  };
}

}  // namespace binsync
