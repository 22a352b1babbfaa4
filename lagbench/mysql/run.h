// One lagbench run against a pair (issue 14): probe schema on both servers, taps on both
// binlogs (and a second tap on each source, for the measurement floor), the open-loop load
// per step, a 1% visibility poller, Seconds_Behind_Master sampled on the target, and the
// figures of every engine x direction x step.
//
// Engines: `native` (the pair's own replication, as configured; its settings are recorded).
// `binsync` is not measured yet: RunLagbench refuses it by name (issue 14 continues).
#ifndef BINSYNC_LAGBENCH_MYSQL_RUN_H_
#define BINSYNC_LAGBENCH_MYSQL_RUN_H_

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lagbench/histogram.h"
#include "lagbench/saturation.h"
#include "lagbench/schedule.h"
#include "lagbench/step_stats.h"
#include "lagbench/workload.h"
#include "mysql/connection.h"

namespace binsync::lagbench {

struct LagbenchOptions {
  ConnectOptions a, b;
  std::vector<std::string> engines = {"native"};
  std::vector<std::string> directions = {"a-b"};  // a-b, b-a
  std::vector<double> rates = {1000};             // one step per rate (a sweep: several)
  Arrivals arrivals = Arrivals::kConstant;
  std::chrono::milliseconds duration{20000};      // measuring window per step
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds drain{10000};         // wait for stragglers after a step
  int workers = 16;
  WorkloadSpec workload;
  std::optional<Slo> slo;
  uint64_t seed = 1;
  bool keep = false;  // keep the probe schema afterwards
  const std::atomic<bool>* stop = nullptr;
};

struct ServerInfo {
  std::string endpoint, version;
  std::map<std::string, std::string> settings;  // replication settings as found
};

struct StepReport {
  std::string engine, direction;
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
  ServerInfo a, b;
  LagHistogram floor;       // |source tap - second source tap| of every probe
  LagHistogram visibility;  // polled visible on the target - target tap arrival (1% sample)
  uint64_t visibility_timeouts = 0;
  std::vector<StepReport> steps;
  // Per engine x direction, in the order run.
  std::vector<std::pair<std::string, SweepVerdict>> verdicts;
  uint64_t sent = 0, measured = 0, unmeasured = 0, failed = 0;
  absl::Status first_load_error;
};

[[nodiscard]] absl::StatusOr<LagbenchReport> RunLagbench(const LagbenchOptions& options);

}  // namespace binsync::lagbench

#endif  // BINSYNC_LAGBENCH_MYSQL_RUN_H_
