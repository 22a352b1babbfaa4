#include "core/lagbench/arrivals.h"

namespace binsync::lagbench {

ArrivalBook::ArrivalBook(uint64_t capacity)
    : capacity_(capacity), at_(std::make_unique<std::atomic<int64_t>[]>(capacity + 1)) {
  for (uint64_t i = 0; i <= capacity; ++i) at_[i].store(kUnseen, std::memory_order_relaxed);
}

bool ArrivalBook::Stamp(uint64_t id, int64_t us) {
  if (id == 0 || id > capacity_) {
    out_of_range_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  int64_t expected = kUnseen;
  if (at_[id].compare_exchange_strong(expected, us < 0 ? 0 : us, std::memory_order_release,
                                      std::memory_order_relaxed)) {
    stamped_.fetch_add(1, std::memory_order_relaxed);
  } else {
    repeats_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

std::optional<int64_t> ArrivalBook::At(uint64_t id) const {
  if (id == 0 || id > capacity_) return std::nullopt;
  const int64_t v = at_[id].load(std::memory_order_acquire);
  if (v == kUnseen) return std::nullopt;
  return v;
}

}  // namespace binsync::lagbench
