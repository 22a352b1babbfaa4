// The open-loop load schedule (wrk2's idea, written here from its description): every probe
// transaction has an intended start time fixed before the run, at the offered rate, constant
// or Poisson. The generator sends each one at its intended time or, when it is late (a stalled
// server, a busy client), as soon as it can, and the lateness is recorded, never skipped: a
// stall shows as latency of every transaction it delayed (no coordinated omission).
#ifndef BINSYNC_CORE_LAGBENCH_SCHEDULE_H_
#define BINSYNC_CORE_LAGBENCH_SCHEDULE_H_

#include <cstdint>
#include <random>
#include <vector>

namespace binsync::lagbench {

enum class Arrivals { kConstant, kPoisson };

// Intended start times in microseconds from the start of a step. Deterministic for a seed.
class LoadSchedule {
 public:
  // `rate`: transactions per second, > 0.
  LoadSchedule(double rate, Arrivals arrivals, uint64_t seed);

  // The next transaction's intended start (us from the step's start); non-decreasing.
  [[nodiscard]] int64_t Next();
  // How many transactions start before `us` (for "sent so far" against "should have").
  [[nodiscard]] uint64_t issued() const { return issued_; }

 private:
  double interval_us_;
  Arrivals arrivals_;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> gap_;
  double at_us_ = 0;
  uint64_t issued_ = 0;
};

// Offered rates of a sweep: `steps` rates from `from` to `to` in a geometric progression
// (both ends included; one step gives `from`). Empty when the arguments make no sweep.
[[nodiscard]] std::vector<double> SweepRates(double from, double to, int steps);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_SCHEDULE_H_
