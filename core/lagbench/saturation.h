// lagbench's verdicts on a sweep (issue 14, "Sweep"): which steps the replica kept up with,
// the saturation rate, and the highest rate meeting an SLO such as `p99<5ms`.
//
// A step is judged on its measuring window (after warm-up):
//  - source-limited: the source (or the generator) achieved < 95% of the offered rate; the
//    step says nothing about the replica and is never the replica's limit;
//  - keeps up: the replica applied >= 99% of what the source achieved AND the lag is not
//    growing through the window: p99 of the window's second half <= 2 x p99 of its first
//    half + 1 ms (a replica that falls behind shows lag growing with time, whatever its
//    average);
//  - behind: otherwise.
// The saturation rate is the highest offered rate of a step that keeps up, provided every
// lower step that is not source-limited keeps up too (a replica that fails at 2,000 TPS but
// passes at 4,000 by chance is saturated at the last rate below its first failure).
#ifndef BINSYNC_CORE_LAGBENCH_SATURATION_H_
#define BINSYNC_CORE_LAGBENCH_SATURATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync::lagbench {

struct StepFacts {
  double offered_tps = 0;
  double achieved_tps = 0;  // committed on the source in the window
  double applied_tps = 0;   // arrived in the target's binlog in the window
  int64_t p99_first_half_us = 0;
  int64_t p99_second_half_us = 0;
  int64_t p99_us = 0;       // the whole window
  // The SLO's percentile of the whole window (when an SLO is given).
  int64_t slo_value_us = 0;
};

enum class StepVerdict { kKeepsUp, kBehind, kSourceLimited };

[[nodiscard]] StepVerdict JudgeStep(const StepFacts& s);
[[nodiscard]] std::string_view StepVerdictName(StepVerdict v);

// `--slo pNN<VALUE[us|ms|s]>`, e.g. `p99<5ms`, `p99.9<200ms`, `p50<800us`.
struct Slo {
  double percentile = 99;
  int64_t threshold_us = 0;
};
[[nodiscard]] absl::StatusOr<Slo> ParseSlo(std::string_view text);

struct SweepVerdict {
  std::vector<StepVerdict> steps;
  std::optional<double> saturation_tps;  // none: no step kept up
  bool saturated_within = false;          // some step past saturation was behind
  std::optional<double> slo_tps;          // highest keeping-up rate meeting the SLO
};

// `steps` in increasing offered rate.
[[nodiscard]] SweepVerdict JudgeSweep(const std::vector<StepFacts>& steps,
                                      const std::optional<Slo>& slo);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_SATURATION_H_
