// ArrivalBook: when each probe transaction was seen, by probe id, on lagbench's one
// monotonic clock (microseconds since the run's epoch). One book per tap (the source's
// binlog, the target's binlog, the visibility poller) and direction.
//
// Probe ids are dense (1..capacity, assigned by the load generator from its schedule), so the
// book is a preallocated array of atomics: a tap thread stamps without locking or
// allocating, and the reporting thread reads while taps run. The first stamp of an id wins
// (a probe seen again, e.g. a stream re-read after a reconnect, keeps its first arrival).
// Ids outside 1..capacity are counted, never dropped silently.
#ifndef BINSYNC_CORE_LAGBENCH_ARRIVALS_H_
#define BINSYNC_CORE_LAGBENCH_ARRIVALS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

namespace binsync::lagbench {

class ArrivalBook {
 public:
  explicit ArrivalBook(uint64_t capacity);

  // Records that probe `id` arrived at `us` (>= 0). Returns false for an id out of range.
  bool Stamp(uint64_t id, int64_t us);
  // When `id` arrived; nullopt when not (yet) seen or out of range.
  [[nodiscard]] std::optional<int64_t> At(uint64_t id) const;

  [[nodiscard]] uint64_t capacity() const { return capacity_; }
  [[nodiscard]] uint64_t stamped() const { return stamped_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t out_of_range() const { return out_of_range_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t repeats() const { return repeats_.load(std::memory_order_relaxed); }

 private:
  static constexpr int64_t kUnseen = -1;
  uint64_t capacity_;
  std::unique_ptr<std::atomic<int64_t>[]> at_;
  std::atomic<uint64_t> stamped_{0};
  std::atomic<uint64_t> out_of_range_{0};
  std::atomic<uint64_t> repeats_{0};
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_ARRIVALS_H_
