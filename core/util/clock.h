// The one clock for durations, rates and deadlines: std::chrono::steady_clock (monotonic,
// never stepped by NTP). Wall-clock time (std::chrono::system_clock) is only for what is
// shown as a date or stored beside data.
#pragma once

#include <chrono>

namespace binsync {

using Clock = std::chrono::steady_clock;

// Seconds between two instants, as a double (for rates and messages).
[[nodiscard]] inline double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Seconds since `t`.
[[nodiscard]] inline double SecondsSince(Clock::time_point t) {
  return SecondsBetween(t, Clock::now());
}

}  // namespace binsync
