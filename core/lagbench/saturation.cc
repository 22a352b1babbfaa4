#include "core/lagbench/saturation.h"

#include <charconv>

#include "absl/status/status.h"
#include "core/util/strings.h"

namespace binsync::lagbench {

StepVerdict JudgeStep(const StepFacts& s) {
  if (s.achieved_tps < 0.95 * s.offered_tps) return StepVerdict::kSourceLimited;
  const bool applies = s.applied_tps >= 0.99 * s.achieved_tps;
  const bool steady = s.p99_second_half_us <= 2 * s.p99_first_half_us + 1000;
  return applies && steady ? StepVerdict::kKeepsUp : StepVerdict::kBehind;
}

std::string_view StepVerdictName(StepVerdict v) {
  switch (v) {
    case StepVerdict::kKeepsUp: return "keeps up";
    case StepVerdict::kBehind: return "behind";
    case StepVerdict::kSourceLimited: return "source-limited";
  }
  return "?";
}

absl::StatusOr<Slo> ParseSlo(std::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        StrCat("--slo ", text, ": expected pNN<VALUE with a unit, e.g. p99<5ms, p99.9<200ms, "
               "p50<800us"));
  };
  if (text.size() < 4 || text[0] != 'p') return bad();
  const size_t lt = text.find('<');
  if (lt == std::string_view::npos) return bad();
  Slo slo;
  const std::string_view pct = text.substr(1, lt - 1);
  auto [p_end, p_err] = std::from_chars(pct.data(), pct.data() + pct.size(), slo.percentile);
  if (p_err != std::errc() || p_end != pct.data() + pct.size() || slo.percentile <= 0 ||
      slo.percentile > 100) {
    return bad();
  }
  std::string_view value = text.substr(lt + 1);
  double scale = 0;
  for (auto [unit, s] : {std::pair{"us", 1.0}, std::pair{"ms", 1e3}, std::pair{"s", 1e6}}) {
    if (value.ends_with(unit)) {
      scale = s;
      value.remove_suffix(std::string_view(unit).size());
      break;
    }
  }
  double v = 0;
  auto [v_end, v_err] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (scale == 0 || value.empty() || v_err != std::errc() || v_end != value.data() + value.size() ||
      v <= 0) {
    return bad();
  }
  slo.threshold_us = static_cast<int64_t>(v * scale);
  return slo;
}

SweepVerdict JudgeSweep(const std::vector<StepFacts>& steps, const std::optional<Slo>& slo) {
  SweepVerdict out;
  bool failed = false;
  for (const StepFacts& s : steps) {
    const StepVerdict v = JudgeStep(s);
    out.steps.push_back(v);
    if (v == StepVerdict::kSourceLimited) continue;
    if (v == StepVerdict::kBehind) {
      failed = true;
      out.saturated_within = true;
      continue;
    }
    if (failed) continue;  // kept up above a failure: not counted
    out.saturation_tps = s.offered_tps;
    if (slo && s.slo_value_us < slo->threshold_us) out.slo_tps = s.offered_tps;
  }
  return out;
}

}  // namespace binsync::lagbench
