#include "core/lagbench/saturation.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "core/util/strings.h"

namespace binsync::lagbench {

namespace {

// 1840 -> "1,840".
std::string Grouped(uint64_t n) {
  const std::string digits = StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Percent(double share) { return fmt::format("{:.1f}%", 100 * share); }

// "0 -> 1,840 over 20 s" (empty without samples).
std::string BacklogSpan(const StepFacts& s) {
  if (s.backlog.empty()) return "";
  return fmt::format("{} -> {} over {:.3g} s", Grouped(s.backlog.front()),
                     Grouped(s.backlog.back()), s.window_s);
}

std::string BehindReason(const StepFacts& s, const StepJudgement& j, bool growing,
                         bool short_applied) {
  std::string reason = "behind: ";
  if (growing) {
    const std::string trend = fmt::format("+{:.0f}/s, {} of the rate", *j.backlog_growth_tps,
                                          Percent(*j.backlog_growth_tps / s.achieved_tps));
    if (s.backlog.back() > s.backlog.front()) {
      StrAppend(&reason, "backlog grew ", BacklogSpan(s), " (", trend, ")");
    } else {
      StrAppend(&reason, "backlog trend ", trend, " (", BacklogSpan(s), ")");
    }
  }
  if (short_applied) {
    StrAppend(&reason, growing ? ", " : "", "applied ", Percent(j.applied_ratio), " of achieved");
    if (!growing && !s.backlog.empty()) StrAppend(&reason, " (backlog ", BacklogSpan(s), ")");
  }
  return reason;
}

}  // namespace

std::optional<double> BacklogGrowthPerSecond(std::span<const uint64_t> backlog, double window_s) {
  if (backlog.size() < kMinTrendSamples) return std::nullopt;
  const size_t stride = (backlog.size() + kMaxTrendSamples - 1) / kMaxTrendSamples;
  std::vector<std::pair<double, double>> points;  // (seconds into the window, backlog)
  for (size_t k = 0; k < backlog.size(); k += stride) {
    points.emplace_back(std::min(static_cast<double>(k), window_s),
                        static_cast<double>(backlog[k]));
  }
  if ((backlog.size() - 1) % stride != 0) {  // the window's end always counts
    points.emplace_back(std::min(static_cast<double>(backlog.size() - 1), window_s),
                        static_cast<double>(backlog.back()));
  }
  std::vector<double> slopes;
  slopes.reserve(points.size() * (points.size() - 1) / 2);
  for (size_t i = 0; i < points.size(); ++i) {
    for (size_t k = i + 1; k < points.size(); ++k) {
      const double dt = points[k].first - points[i].first;
      if (dt > 0) slopes.push_back((points[k].second - points[i].second) / dt);
    }
  }
  if (slopes.empty()) return std::nullopt;  // a window of no length
  const auto mid = slopes.begin() + static_cast<std::ptrdiff_t>(slopes.size() / 2);
  std::nth_element(slopes.begin(), mid, slopes.end());
  if (slopes.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(slopes.begin(), mid)) / 2;  // the two middle slopes
}

StepJudgement JudgeStep(const StepFacts& s) {
  StepJudgement j;
  j.achieved_ratio = s.offered_tps > 0 ? s.achieved_tps / s.offered_tps : 0;
  j.applied_ratio = s.achieved_tps > 0 ? s.applied_tps / s.achieved_tps : 0;
  if (s.achieved_tps <= 0 || s.achieved_tps < kSourceLimitedBelow * s.offered_tps) {
    j.verdict = StepVerdict::kSourceLimited;
    j.reason = s.achieved_tps <= 0
                   ? "source-limited: nothing reached the source's binlog in the window"
                   : StrCat("source-limited: the source reached ", Percent(j.achieved_ratio),
                            " of the offered rate");
    return j;
  }
  j.backlog_growth_tps = BacklogGrowthPerSecond(s.backlog, s.window_s);
  const double growth_limit =
      std::max(kBacklogGrowthShare * s.achieved_tps, kBacklogGrowthFloorTps);
  const bool growing = j.backlog_growth_tps && *j.backlog_growth_tps > growth_limit;
  const bool short_applied = j.applied_ratio < kAppliedBelow;
  if (growing || short_applied) {
    j.verdict = StepVerdict::kBehind;
    j.reason = BehindReason(s, j, growing, short_applied);
  } else {
    j.verdict = StepVerdict::kKeepsUp;
    j.reason = j.backlog_growth_tps
                   ? "keeps up"
                   : fmt::format("keeps up (window under {} s: judged by the applied rate alone)",
                                 kMinTrendSamples - 1);
  }
  return j;
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
    const StepVerdict v = JudgeStep(s).verdict;
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
