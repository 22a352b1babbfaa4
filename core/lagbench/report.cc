#include "core/lagbench/report.h"

#include "nlohmann/json.hpp"
#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

using nlohmann::ordered_json;

std::string Rate(double tps) { return fmt::format("{:.0f}", tps); }

// "p99<5ms met up to 2000 TPS" / saturation line for one engine x direction.
std::string VerdictLine(const std::string& name, const SweepVerdict& v, const RunMethod& m) {
  std::string line = StrCat(name, ": ");
  if (!v.saturation_tps) {
    StrAppend(&line, "the replica kept up at no step");
  } else if (v.saturated_within) {
    StrAppend(&line, "saturation at ", Rate(*v.saturation_tps),
              " TPS (the highest rate it kept up with; the next step fell behind)");
  } else {
    StrAppend(&line, "kept up at every rate up to ", Rate(*v.saturation_tps),
              " TPS (not saturated: sweep higher to find its limit)");
  }
  for (size_t i = 0; i < v.steps.size() && i < m.rates.size(); ++i) {
    if (v.steps[i] == StepVerdict::kSourceLimited) {
      StrAppend(&line, "; ", Rate(m.rates[i]), " TPS: the source could not reach it");
    }
  }
  if (!m.slo.empty()) {
    StrAppend(&line, "; SLO ", m.slo,
              v.slo_tps ? StrCat(" met up to ", Rate(*v.slo_tps), " TPS") : " met at no step");
  }
  return line;
}

ordered_json Histogram(const LagHistogram& h) {
  ordered_json j;
  j["count"] = h.count();
  j["min_us"] = h.min();
  j["p50_us"] = h.ValueAtPercentile(50);
  j["p90_us"] = h.ValueAtPercentile(90);
  j["p99_us"] = h.ValueAtPercentile(99);
  j["p999_us"] = h.ValueAtPercentile(99.9);
  j["max_us"] = h.max();
  j["mean_us"] = h.mean();
  j["clamped_low"] = h.clamped_low();
  j["clamped_high"] = h.clamped_high();
  ordered_json buckets = ordered_json::array();
  h.ForEachBucket([&](int64_t lo, int64_t hi, uint64_t n) { buckets.push_back({lo, hi, n}); });
  j["buckets"] = std::move(buckets);  // [lowest_us, highest_us, count]: mergeable
  return j;
}

// The step's verdict, its reason and the figures it was judged on (docs/lagbench.md).
ordered_json StepVerdictJson(const StepReport& s) {
  const StepJudgement j = JudgeStep(FactsOf(s, std::nullopt));
  ordered_json v;
  v["name"] = std::string(StepVerdictName(j.verdict));
  v["reason"] = j.reason;
  v["achieved_ratio"] = j.achieved_ratio;
  v["applied_ratio"] = j.applied_ratio;
  v["backlog_start"] = s.stats.backlog_start;
  v["backlog_end"] = s.stats.series.empty() ? s.stats.backlog_start : s.stats.series.back().backlog;
  v["backlog_growth_tps"] =
      j.backlog_growth_tps ? ordered_json(*j.backlog_growth_tps) : ordered_json(nullptr);
  v["p99_first_half_us"] = s.stats.p99_first_half_us;
  v["p99_second_half_us"] = s.stats.p99_second_half_us;
  return v;
}

}  // namespace

StepFacts FactsOf(const StepReport& s, const std::optional<Slo>& slo) {
  StepFacts f;
  f.offered_tps = s.offered_tps;
  f.achieved_tps = s.stats.achieved_tps;
  f.applied_tps = s.stats.applied_tps;
  f.p99_first_half_us = s.stats.p99_first_half_us;
  f.p99_second_half_us = s.stats.p99_second_half_us;
  f.p99_us = s.stats.lag.ValueAtPercentile(99);
  f.slo_value_us = slo ? s.stats.lag.ValueAtPercentile(slo->percentile) : 0;
  f.window_s = s.stats.window_s;
  f.backlog.reserve(s.stats.series.size() + 1);
  f.backlog.push_back(s.stats.backlog_start);
  for (const SecondStats& x : s.stats.series) f.backlog.push_back(x.backlog);
  return f;
}

std::vector<std::pair<std::string, SweepVerdict>> JudgeSteps(
    const std::vector<StepReport>& steps, const std::vector<std::string>& engines,
    const std::vector<std::string>& directions, int rounds, const std::optional<Slo>& slo) {
  std::vector<std::pair<std::string, SweepVerdict>> out;
  for (int round = 1; round <= rounds; ++round) {
    for (const std::string& engine : engines) {
      for (const std::string& direction : directions) {
        std::vector<StepFacts> facts;
        for (const StepReport& s : steps) {
          if (s.engine != engine || s.direction != direction || s.round != round) continue;
          facts.push_back(FactsOf(s, slo));
        }
        if (facts.empty()) continue;
        out.emplace_back(
            StrCat(engine, " ", direction, rounds > 1 ? StrCat(" (round ", round, ")") : ""),
            JudgeSweep(facts, slo));
      }
    }
  }
  return out;
}

bool EveryTransactionMeasured(const LagbenchReport& r) {
  return r.unmeasured == 0 && r.failed == 0 && r.sent > 0 && r.measured == r.sent;
}

std::string ReportText(const LagbenchReport& r) {
  std::string out = fmt::format(
      "{:<9} {:<4} {:>8} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7}  "
      "{}\n",
      "engine", "dir", "offered", "achieved", "applied", "measured", "p50_us", "p90_us", "p99_us",
      "p99.9_us", "max_us", "mean_us", "commit_p99", "SBM_max", "verdict");
  for (const StepReport& s : r.steps) {
    const LagHistogram& h = s.stats.lag;
    StrAppend(&out, fmt::format(
        "{:<9} {:<4} {:>8.0f} {:>9.1f} {:>9.1f} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9.0f} "
        "{:>10} {:>7}  {}\n",
        s.round > 1 || r.method.engines.size() > 1 ? StrCat(s.engine, "/", s.round) : s.engine,
        s.direction, s.offered_tps, s.stats.achieved_tps, s.stats.applied_tps,
        s.stats.measured, h.ValueAtPercentile(50), h.ValueAtPercentile(90),
        h.ValueAtPercentile(99), h.ValueAtPercentile(99.9), h.max(), h.mean(),
        s.commit_latency.ValueAtPercentile(99),
        s.sbm_samples == 0 ? std::string("-") : StrCat(s.sbm_max_s, " s"),
        JudgeStep(FactsOf(s, std::nullopt)).reason));
  }
  StrAppend(&out, fmt::format("floor (two taps of one binlog): p50 {} us, p99 {} us, max {} us\n",
                              r.floor.ValueAtPercentile(50), r.floor.ValueAtPercentile(99),
                              r.floor.max()));
  StrAppend(&out, fmt::format(
      "visibility (in the target's binlog -> visible to a query, {} probes polled): p50 {} us, "
      "p99 {} us, max {} us{}\n",
      r.visibility.count(), r.visibility.ValueAtPercentile(50), r.visibility.ValueAtPercentile(99),
      r.visibility.max(),
      r.visibility_timeouts > 0 ? StrCat(", ", r.visibility_timeouts, " never seen") : ""));
  for (const auto& [name, v] : r.verdicts) StrAppend(&out, VerdictLine(name, v, r.method), "\n");
  if (r.interrupted) {
    StrAppend(&out, "interrupted (SIGINT/SIGTERM): the last step is partial; its figures cover "
                    "what was sent before the stop\n");
  }
  StrAppend(&out, "sent ", r.sent, ", measured ", r.measured);
  if (EveryTransactionMeasured(r)) {
    StrAppend(&out, ": every transaction measured\n");
  } else {
    StrAppend(&out, ", unmeasured ", r.unmeasured, " (committed, never seen in the target's binlog)",
              r.failed > 0 ? StrCat(", ", r.failed, " refused by the source (",
                                    r.first_load_error.message(), ")")
                           : "",
              "\n");
  }
  return out;
}

std::string ReportJson(const LagbenchReport& r) {
  ordered_json j;
  j["schema_version"] = 1;
  ordered_json env;
  for (const auto& [key, info] : {std::pair{"a", &r.a}, std::pair{"b", &r.b}}) {
    env[key] = {{"endpoint", info->endpoint}, {"version", info->version}, {"settings", info->settings}};
  }
  j["environment"] = std::move(env);
  const RunMethod& m = r.method;
  j["method"] = {{"engines", m.engines},     {"binsync_mode", m.binsync_mode},     {"directions", m.directions},
                 {"rates_tps", m.rates},     {"arrivals", m.arrivals},
                 {"duration_s", m.duration_s}, {"warmup_s", m.warmup_s},
                 {"workers", m.workers},     {"rows_per_txn", m.rows_per_txn},
                 {"mix", m.mix},             {"hot_keys", m.hot_keys},
                 {"slo", m.slo},
                 {"lag", "arrival in the target's binlog - arrival in the source's binlog, "
                         "both stamped by lagbench's taps on one monotonic clock"}};
  j["floor"] = Histogram(r.floor);
  j["visibility"] = Histogram(r.visibility);
  j["visibility"]["never_seen"] = r.visibility_timeouts;
  ordered_json steps = ordered_json::array();
  for (const StepReport& s : r.steps) {
    ordered_json step;
    step["engine"] = s.engine;
    step["direction"] = s.direction;
    step["round"] = s.round;
    step["offered_tps"] = s.offered_tps;
    step["achieved_tps"] = s.stats.achieved_tps;
    step["applied_tps"] = s.stats.applied_tps;
    step["sent"] = s.stats.sent;
    step["committed"] = s.stats.committed;
    step["measured"] = s.stats.measured;
    step["unmeasured"] = s.stats.unmeasured;
    step["lag"] = Histogram(s.stats.lag);
    step["commit_latency"] = Histogram(s.commit_latency);
    step["late_sends"] = s.late_sends;
    step["seconds_behind_master"] = {{"samples", s.sbm_samples},
                                     {"max_s", s.sbm_max_s},
                                     {"mean_s", s.sbm_mean_s}};
    ordered_json series = ordered_json::array();
    for (size_t i = 0; i < s.stats.series.size(); ++i) {
      const SecondStats& x = s.stats.series[i];
      series.push_back({{"second", i},
                        {"count", x.count},
                        {"p50_us", x.p50_us},
                        {"p99_us", x.p99_us},
                        {"max_us", x.max_us},
                        {"backlog", x.backlog},
                        {"sbm_s", i < s.sbm_series.size() ? s.sbm_series[i] : -1}});
    }
    step["series"] = std::move(series);
    step["verdict"] = StepVerdictJson(s);
    steps.push_back(std::move(step));
  }
  j["steps"] = std::move(steps);
  ordered_json verdicts = ordered_json::array();
  for (const auto& [name, v] : r.verdicts) {
    ordered_json x;
    x["name"] = name;
    x["saturation_tps"] = v.saturation_tps ? ordered_json(*v.saturation_tps) : ordered_json(nullptr);
    x["saturated_within"] = v.saturated_within;
    x["slo_tps"] = v.slo_tps ? ordered_json(*v.slo_tps) : ordered_json(nullptr);
    ordered_json names = ordered_json::array();
    for (StepVerdict sv : v.steps) names.push_back(std::string(StepVerdictName(sv)));
    x["steps"] = std::move(names);
    verdicts.push_back(std::move(x));
  }
  j["verdicts"] = std::move(verdicts);
  j["totals"] = {{"sent", r.sent}, {"measured", r.measured}, {"unmeasured", r.unmeasured},
                 {"failed", r.failed}, {"every_transaction_measured", EveryTransactionMeasured(r)},
                 {"interrupted", r.interrupted}};
  return j.dump(2) + "\n";
}

}  // namespace binsync::lagbench
