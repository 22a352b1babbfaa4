// One lagbench run against a pair (issue 14): probe schema on both servers, taps on both
// binlogs (and a second tap on each source, for the measurement floor), the open-loop load
// per step, a 1% visibility poller, Seconds_Behind_Master sampled on the target, and the
// figures of every engine x direction x step.
//
// Engines: `native` (the pair's own replication, as configured; its settings are recorded)
// and `binsync` (replicate live or catchup, taking each direction over from native and
// handing it back where it got to: net/lagbench/engine). Both: interleaved, 3 rounds.
#ifndef BINSYNC_NET_LAGBENCH_RUN_H_
#define BINSYNC_NET_LAGBENCH_RUN_H_

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lagbench/report.h"
#include "core/lagbench/saturation.h"
#include "core/lagbench/schedule.h"
#include "core/lagbench/workload.h"
#include "net/mysql/connection.h"
#include "net/replicate/applier.h"

namespace binsync::lagbench {

struct LagbenchOptions {
  ConnectOptions a, b;
  std::vector<std::string> engines = {"native"};
  std::vector<std::string> directions = {"a-b"};  // a-b, b-a
  std::vector<double> rates = {1000};             // one step per rate (a sweep: several)
  Arrivals arrivals = Arrivals::kConstant;
  std::chrono::milliseconds duration{20000};      // measuring window per step
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds drain{10000};         // after a step: no progress this long = give up
  int workers = 16;
  WorkloadSpec workload;
  std::optional<Slo> slo;
  ApplyMode binsync_mode = ApplyMode::kLive;  // --binsync-mode live|catchup
  int binsync_workers = 4;
  uint64_t seed = 1;
  bool keep = false;  // keep the probe schema afterwards
  bool progress_bar = false;  // stderr is a terminal: a \r progress line, else log lines
  const std::atomic<bool>* stop = nullptr;
};

[[nodiscard]] absl::StatusOr<LagbenchReport> RunLagbench(const LagbenchOptions& options);

}  // namespace binsync::lagbench

#endif  // BINSYNC_NET_LAGBENCH_RUN_H_
