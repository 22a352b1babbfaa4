#include "core/util/fault.h"

#include <atomic>
#include <csignal>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "spdlog/spdlog.h"

namespace binsync {
namespace {

struct Point {
  std::string name;
  long countdown;  // NOLINT(google-runtime-int): hits left before it fires
};

struct Faults {
  std::mutex mu;
  std::vector<Point> points;
  bool any = false;
};

Faults& Armed() {
  static Faults* faults = [] {
    auto* f = new Faults;  // never destroyed: reached from any thread until exit
    const char* spec = std::getenv("BINSYNC_FAULT");
    std::string_view rest = spec != nullptr ? spec : "";
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t colon = item.find(':');
      long n = 1;  // NOLINT(google-runtime-int)
      if (colon != std::string_view::npos) {
        std::from_chars(item.data() + colon + 1, item.data() + item.size(), n);
        item = item.substr(0, colon);
      }
      if (!item.empty()) f->points.push_back({std::string(item), n});
    }
    f->any = !f->points.empty();
    return f;
  }();
  return *faults;
}

}  // namespace

bool FaultHit(std::string_view point) {
  Faults& f = Armed();
  if (!f.any) return false;
  std::lock_guard lock(f.mu);
  for (Point& p : f.points) {
    if (p.name != point || p.countdown <= 0) continue;
    if (--p.countdown == 0) {
      spdlog::warn("fault injection: {} (BINSYNC_FAULT)", point);
      return true;
    }
  }
  return false;
}

void FaultKill(std::string_view point) {
  if (!FaultHit(point)) return;
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

void FaultTerm(std::string_view point) {
  if (!FaultHit(point)) return;
  spdlog::warn("fault {}: SIGTERM", point);
  std::raise(SIGTERM);
}

}  // namespace binsync
