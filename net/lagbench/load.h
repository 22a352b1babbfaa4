// The open-loop load generator (issue 14, "Load"): `workers` client connections to the
// source send one probe transaction per slot of a precomputed schedule (schedule.h). A
// worker takes the next slot, waits for its intended start, and sends it; a late worker sends
// at once and the lateness is recorded, never skipped. Each transaction inserts its probe row
// (probe id, intended start) and then the workload's row changes (workload.h), and commits.
//
// Probe ids of a step are first_probe_id .. first_probe_id + slots - 1, in schedule order.
#ifndef BINSYNC_NET_LAGBENCH_LOAD_H_
#define BINSYNC_NET_LAGBENCH_LOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lagbench/histogram.h"
#include "core/lagbench/schedule.h"
#include "core/lagbench/workload.h"
#include "net/mysql/connection.h"
#include "core/util/clock.h"

namespace binsync::lagbench {

struct LoadOptions {
  ConnectOptions source;
  std::string db = "lagbench";
  std::string probe_table;  // probe_a_b or probe_b_a
  std::string load_table;   // load_a_b or load_b_a
  uint64_t first_probe_id = 1;
  double rate = 1000;
  Arrivals arrivals = Arrivals::kConstant;
  uint64_t seed = 1;
  std::chrono::milliseconds duration{10000};
  int workers = 16;
  WorkloadSpec workload;
  Clock::time_point epoch;  // lagbench's clock; intended times are reported against it
  Clock::time_point start;  // the schedule's time 0
  const std::atomic<bool>* stop = nullptr;  // SIGINT: stop sending
};

struct LoadResult {
  uint64_t slots = 0;      // transactions scheduled
  uint64_t committed = 0;  // committed on the source
  uint64_t failed = 0;     // refused by the source (first error kept)
  absl::Status first_error;
  // Intended start of probe (first_probe_id + i), microseconds since `epoch`; -1 never sent.
  std::vector<int64_t> intended_us;
  // Commit end of probe i on the source, microseconds since `epoch`; -1 not committed.
  std::vector<int64_t> committed_us;
  // 1 when probe i was sent (0: the run was stopped before its turn).
  std::vector<uint8_t> sent;
  bool stopped = false;  // `stop` was set: the slots after it were not sent
  LagHistogram commit_latency;  // commit end - intended start (coordinated-omission free)
  LagHistogram lateness;        // actual send - intended start
};

// Runs one step of load; returns when every slot was sent (or `stop` was set).
[[nodiscard]] absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options);

}  // namespace binsync::lagbench

#endif  // BINSYNC_NET_LAGBENCH_LOAD_H_
