// One step's figures from what the load generator and the taps recorded (all times in
// microseconds on lagbench's one clock). Pure: the executor gathers, this computes.
//
// The measuring window is [window_start, window_end) of intended start times (the warm-up
// before it is left out). For each probe intended in the window:
//   lag = its arrival in the target's binlog - its arrival in the source's binlog.
// A probe committed on the source but never seen by the target tap (by the time the step
// stopped waiting) is unmeasured; the run's exit status says so.
// Rates: achieved = source-tap arrivals in the window / window length; applied = target-tap
// arrivals in the window / window length (both binlogs' throughput over the same interval).
// Per second of the window (by source arrival): count, p50, p99, max lag, and the backlog at
// the second's end (arrived at the source, not yet at the target); `backlog_start` is the
// backlog at the window's start (what the warm-up left). The backlog counts this step's
// probes, and every transaction lagbench sends is one probe.
#ifndef BINSYNC_CORE_LAGBENCH_STEP_STATS_H_
#define BINSYNC_CORE_LAGBENCH_STEP_STATS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/lagbench/arrivals.h"
#include "core/lagbench/histogram.h"

namespace binsync::lagbench {

struct SecondStats {
  uint64_t count = 0;
  int64_t p50_us = 0, p99_us = 0, max_us = 0;
  uint64_t backlog = 0;
};

struct StepStats {
  uint64_t sent = 0;        // probes intended in the window and sent (a stop leaves some unsent)
  uint64_t committed = 0;   // ... committed on the source
  uint64_t measured = 0;    // ... seen by both taps
  uint64_t unmeasured = 0;  // committed, not seen by both taps
  double window_s = 0;
  double achieved_tps = 0, applied_tps = 0;
  LagHistogram lag;
  int64_t p99_first_half_us = 0, p99_second_half_us = 0;
  std::vector<SecondStats> series;
  uint64_t backlog_start = 0;
};

struct StepInputs {
  uint64_t first_probe_id = 1;
  std::span<const int64_t> intended_us;   // probe first_probe_id + i
  std::span<const int64_t> committed_us;  // -1: not committed
  std::span<const uint8_t> sent;          // 0: never sent (a stopped run); empty: all sent
  const ArrivalBook* source = nullptr;
  const ArrivalBook* target = nullptr;
  int64_t window_start_us = 0, window_end_us = 0;
};

// Fills `*out` (its histogram is reset first, so one StepStats can be reused per step).
void ComputeStep(const StepInputs& in, StepStats* out);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_STEP_STATS_H_
