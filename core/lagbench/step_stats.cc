#include "core/lagbench/step_stats.h"

#include <algorithm>

namespace binsync::lagbench {

void ComputeStep(const StepInputs& in, StepStats* out) {
  out->sent = out->committed = out->measured = out->unmeasured = 0;
  out->lag.Reset();
  out->series.clear();
  const int64_t w0 = in.window_start_us, w1 = in.window_end_us;
  out->window_s = static_cast<double>(std::max<int64_t>(w1 - w0, 1)) / 1e6;
  const size_t seconds = static_cast<size_t>(std::max<int64_t>((w1 - w0 + 999'999) / 1'000'000, 0));
  std::vector<LagHistogram> per_second(seconds);
  std::vector<int64_t> source_at(seconds, 0), target_at(seconds, 0);  // arrivals per second
  LagHistogram first, second;
  const int64_t mid = w0 + (w1 - w0) / 2;
  uint64_t source_in = 0, target_in = 0;
  int64_t backlog = 0;  // arrived at the source, not yet at the target, before the window
  for (size_t i = 0; i < in.intended_us.size(); ++i) {
    const uint64_t id = in.first_probe_id + i;
    const std::optional<int64_t> s = in.source->At(id);
    const std::optional<int64_t> t = in.target->At(id);
    backlog += (s && *s < w0 ? 1 : 0) - (t && *t < w0 ? 1 : 0);
    if (s && *s >= w0 && *s < w1) {
      ++source_in;
      ++source_at[static_cast<size_t>((*s - w0) / 1'000'000)];
    }
    if (t && *t >= w0 && *t < w1) {
      ++target_in;
      ++target_at[static_cast<size_t>((*t - w0) / 1'000'000)];
    }
    const int64_t intended = in.intended_us[i];
    if (intended < w0 || intended >= w1) continue;
    if (!in.sent.empty() && in.sent[i] == 0) continue;  // stopped before its turn
    ++out->sent;
    if (in.committed_us[i] < 0) continue;
    ++out->committed;
    if (!s || !t) {
      ++out->unmeasured;
      continue;
    }
    ++out->measured;
    const int64_t lag = *t - *s;
    out->lag.Record(lag);
    (*s < mid ? first : second).Record(lag);
    if (*s >= w0 && *s < w1) per_second[static_cast<size_t>((*s - w0) / 1'000'000)].Record(lag);
  }
  out->achieved_tps = static_cast<double>(source_in) / out->window_s;
  out->applied_tps = static_cast<double>(target_in) / out->window_s;
  out->p99_first_half_us = first.ValueAtPercentile(99);
  out->p99_second_half_us = second.ValueAtPercentile(99);
  out->backlog_start = static_cast<uint64_t>(std::max<int64_t>(backlog, 0));
  for (size_t sec = 0; sec < seconds; ++sec) {
    backlog += source_at[sec] - target_at[sec];
    const LagHistogram& h = per_second[sec];
    out->series.push_back(SecondStats{h.count(), h.ValueAtPercentile(50), h.ValueAtPercentile(99),
                                      h.max(), static_cast<uint64_t>(std::max<int64_t>(backlog, 0))});
  }
}

}  // namespace binsync::lagbench
