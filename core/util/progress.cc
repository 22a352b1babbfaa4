#include "core/util/progress.h"

#include <cstdio>

#include "spdlog/spdlog.h"

namespace binsync {

ProgressLine::ProgressLine(bool on_terminal, Clock::duration terminal_every,
                           Clock::duration log_every)
    : on_terminal_(on_terminal), every_(on_terminal ? terminal_every : log_every) {}

ProgressLine::~ProgressLine() { Clear(); }

bool ProgressLine::Due(Clock::time_point now) const {
  if (on_terminal_ && !drawn_) return true;
  return now - last_ >= every_;
}

void ProgressLine::Show(std::string_view text, Clock::time_point now) {
  last_ = now;
  if (!on_terminal_) {
    spdlog::info("{}", text);
    return;
  }
  std::fprintf(stderr, "\r%.*s\033[K", static_cast<int>(text.size()), text.data());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::Keep() {
  if (!drawn_) return;
  std::fputc('\n', stderr);
  std::fflush(stderr);
  drawn_ = false;
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace binsync
