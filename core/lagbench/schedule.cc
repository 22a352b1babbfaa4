#include "core/lagbench/schedule.h"

#include <cmath>

namespace binsync::lagbench {

LoadSchedule::LoadSchedule(double rate, Arrivals arrivals, uint64_t seed)
    : interval_us_(1e6 / rate), arrivals_(arrivals), rng_(seed), gap_(1.0 / (1e6 / rate)) {}

int64_t LoadSchedule::Next() {
  const double at = at_us_;
  at_us_ += arrivals_ == Arrivals::kConstant ? interval_us_ : gap_(rng_);
  ++issued_;
  return static_cast<int64_t>(std::llround(at));
}

std::vector<double> SweepRates(double from, double to, int steps) {
  std::vector<double> out;
  if (steps < 1 || from <= 0 || to < from) return out;
  if (steps == 1) return {from};
  const double ratio = std::pow(to / from, 1.0 / (steps - 1));
  for (int i = 0; i < steps; ++i) out.push_back(i == steps - 1 ? to : from * std::pow(ratio, i));
  return out;
}

}  // namespace binsync::lagbench
