// lagbench's verdicts on a sweep (issue 14, "Sweep"; issue 20: judged by the backlog): which
// steps the replica kept up with, the saturation rate, and the highest rate meeting an SLO
// such as `p99<5ms`.
//
// A step is judged on its measuring window (after --warmup) by what falling behind means
// (`JudgeStep`, docs/lagbench.md "Verdicts"):
//  - source-limited: the source's binlog received < 95% of the offered rate (or nothing); the
//    step says nothing about the replica and is never the replica's limit;
//  - behind: the backlog (transactions in the source's binlog, not yet in the target's) grows
//    through the window: its Theil-Sen slope over the per-second samples exceeds 2% of the
//    achieved rate and 1 transaction/s (judged from 5 samples, a 4 s window, on: fewer cannot
//    tell a single spike from growth); or the target's binlog received < 95% of what the
//    source's did in the window;
//  - keeps up: otherwise. The lag's p99 (whole window, halves) is not part of the rule: one
//    slow transaction moves a p99 without the replica falling behind.
// The saturation rate is the highest offered rate of a step that keeps up, provided every
// lower step that is not source-limited keeps up too (a replica that fails at 2,000 TPS but
// passes at 4,000 by chance is saturated at the last rate below its first failure).
#ifndef BINSYNC_CORE_LAGBENCH_SATURATION_H_
#define BINSYNC_CORE_LAGBENCH_SATURATION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync::lagbench {

// The rule's constants (docs/lagbench.md, "Verdicts").
// The source reached less than this share of the offered rate: the generator or the source
// is the limit, not the replica.
inline constexpr double kSourceLimitedBelow = 0.95;
// The backlog grows when its slope exceeds this share of the achieved rate: the target
// applies less than 98% of what the source commits, so the lag grows by 20 ms every second
// (0.4 s over the default 20 s window), beyond what a busy machine's jitter explains.
inline constexpr double kBacklogGrowthShare = 0.02;
// ... and exceeds this many transactions per second: the backlog is a whole count sampled
// once a second, so at low rates a jitter of one transaction must not read as growth.
inline constexpr double kBacklogGrowthFloorTps = 1.0;
// Samples (the window's start and the end of each second) needed to judge the trend: with n
// samples one outlier moves n - 1 of the n(n-1)/2 pairwise slopes, which leaves their median
// among the others only from n = 5 on. Shorter windows are judged by the applied rate alone.
inline constexpr size_t kMinTrendSamples = 5;
// At most this many samples enter the slope (a longer series is strided): the pairwise slopes
// stay a few tens of thousands whatever --duration.
inline constexpr size_t kMaxTrendSamples = 256;
// The target's binlog received less than this share of what the source's did in the window:
// behind, whatever the trend (a backlog piled up at the window's end, which the robust slope
// discounts as one sample, counts once it is 5% of the window's transactions).
inline constexpr double kAppliedBelow = 0.95;

struct StepFacts {
  double offered_tps = 0;
  double achieved_tps = 0;  // committed on the source in the window
  double applied_tps = 0;   // arrived in the target's binlog in the window
  // Supporting figures only (reported, not judged).
  int64_t p99_first_half_us = 0;
  int64_t p99_second_half_us = 0;
  int64_t p99_us = 0;       // the whole window
  // The SLO's percentile of the whole window (when an SLO is given).
  int64_t slo_value_us = 0;
  double window_s = 0;
  // The backlog at the window's start, then at the end of each second of it (the last one
  // at the window's end): backlog[k] at min(k, window_s) seconds.
  std::vector<uint64_t> backlog;
};

enum class StepVerdict { kKeepsUp, kBehind, kSourceLimited };

// A step's verdict and the figures the rule looked at.
struct StepJudgement {
  StepVerdict verdict = StepVerdict::kKeepsUp;
  double achieved_ratio = 0;                 // achieved / offered
  double applied_ratio = 0;                  // applied / achieved (0: nothing achieved)
  std::optional<double> backlog_growth_tps;  // none: under kMinTrendSamples samples
  // One line for the reports, starting with the verdict's name: "keeps up", "behind: backlog
  // grew 0 -> 1,840 over 20 s (+92/s, 9% of the rate)", "source-limited: ...".
  std::string reason;
};

[[nodiscard]] StepJudgement JudgeStep(const StepFacts& s);
[[nodiscard]] std::string_view StepVerdictName(StepVerdict v);

// The Theil-Sen slope (the median of the pairwise slopes) of `backlog` sampled at
// min(k, window_s) seconds, in transactions per second: robust to a single spike from 5
// samples on. None with fewer than kMinTrendSamples samples.
[[nodiscard]] std::optional<double> BacklogGrowthPerSecond(std::span<const uint64_t> backlog,
                                                           double window_s);

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
