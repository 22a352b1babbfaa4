// The one progress line every job shows while it runs: on a terminal (stderr is a tty or
// --progress) one line rewritten in place with \r, drawn at the first Due() and then every
// `terminal_every`; otherwise a log line (spdlog info) every `log_every`. The job builds the
// text; ProgressLine decides when to show it and how, and erases a drawn line before the job
// prints anything else (Clear, or the destructor).
//
//   ProgressLine line(on_terminal, 250ms, 10s);
//   if (line.Due()) line.Show(fmt::format("verify: {} tables ...", n));
//
// Not thread-safe: one thread owns a line.
#pragma once

#include <chrono>
#include <string_view>

#include "core/util/clock.h"

namespace binsync {

class ProgressLine {
 public:
  ProgressLine(bool on_terminal, Clock::duration terminal_every, Clock::duration log_every);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  [[nodiscard]] bool on_terminal() const { return on_terminal_; }
  // True when the next line is due (the first call on a terminal is always due). Calling it
  // does not consume the interval; Show does.
  [[nodiscard]] bool Due() const { return Due(Clock::now()); }
  [[nodiscard]] bool Due(Clock::time_point now) const;
  // Seconds since the previous Show (or since construction): for rates over the interval.
  [[nodiscard]] double SecondsSinceShown(Clock::time_point now) const {
    return SecondsBetween(last_, now);
  }
  // Shows `text` now: rewrites the terminal line, or logs it. Restarts the interval.
  void Show(std::string_view text) { Show(text, Clock::now()); }
  void Show(std::string_view text, Clock::time_point now);
  // The terminal line stays and the cursor moves to a new line (a final summary).
  void Keep();
  // Erases a drawn terminal line (before other output); nothing otherwise.
  void Clear();

 private:
  bool on_terminal_;
  Clock::duration every_;
  Clock::time_point last_ = Clock::now();
  bool drawn_ = false;
};

}  // namespace binsync
