// lagbench's results and their two renderings: the terminal table (one row per engine x
// direction x step, ending with the step's verdict and its reason; then the floor, the
// visibility gap, the verdicts and the count line) and the versioned JSON document
// (docs/lagbench.md). Pure: the run fills the model.
#ifndef BINSYNC_CORE_LAGBENCH_REPORT_H_
#define BINSYNC_CORE_LAGBENCH_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/lagbench/histogram.h"
#include "core/lagbench/saturation.h"
#include "core/lagbench/step_stats.h"

namespace binsync::lagbench {

// How the run measured (echoed in the JSON so a result file explains itself).
struct RunMethod {
  std::vector<std::string> engines, directions;
  std::string binsync_mode = "live";
  std::vector<double> rates;
  std::string arrivals = "constant";
  double duration_s = 0, warmup_s = 0;
  int workers = 0;
  uint32_t rows_per_txn = 1;
  std::string mix, hot_keys, slo;
};

struct ServerInfo {
  std::string endpoint, version;
  std::map<std::string, std::string> settings;  // replication settings as found
};

struct StepReport {
  std::string engine, direction;
  int round = 1;  // --engine both: native and binsync alternate, 3 rounds
  double offered_tps = 0;
  StepStats stats;
  LagHistogram commit_latency;  // on the source, from the intended start
  uint64_t late_sends = 0;      // sent more than 1 ms after their intended start
  // Seconds_Behind_Master sampled on the target (native engine) meanwhile.
  uint64_t sbm_samples = 0;
  int64_t sbm_max_s = -1;
  double sbm_mean_s = 0;
  std::vector<int64_t> sbm_series;  // per second of the window, the last value seen (-1 none)
};

struct LagbenchReport {
  RunMethod method;
  ServerInfo a, b;
  LagHistogram floor;       // |source tap - second source tap| of every probe
  LagHistogram visibility;  // polled visible on the target - target tap arrival (1% sample)
  uint64_t visibility_timeouts = 0;
  std::vector<StepReport> steps;
  // Per engine x direction, in the order run.
  std::vector<std::pair<std::string, SweepVerdict>> verdicts;
  uint64_t sent = 0, measured = 0, unmeasured = 0, failed = 0;
  bool interrupted = false;  // SIGINT/SIGTERM: the last step is partial
  absl::Status first_load_error;
};

// What a step's verdict is judged on (core/lagbench/saturation); `slo` picks the percentile
// the SLO is checked at.
[[nodiscard]] StepFacts FactsOf(const StepReport& s, const std::optional<Slo>& slo);

// The sweep verdict of each engine x direction (x round, when there are several rounds:
// "native a-b (round 2)"), over its steps in the order run.
[[nodiscard]] std::vector<std::pair<std::string, SweepVerdict>> JudgeSteps(
    const std::vector<StepReport>& steps, const std::vector<std::string>& engines,
    const std::vector<std::string>& directions, int rounds, const std::optional<Slo>& slo);

// True when every transaction sent was measured (and none failed on the source).
[[nodiscard]] bool EveryTransactionMeasured(const LagbenchReport& r);

[[nodiscard]] std::string ReportText(const LagbenchReport& r);
// Schema version 1 (docs/lagbench.md); one JSON document.
[[nodiscard]] std::string ReportJson(const LagbenchReport& r);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_REPORT_H_
