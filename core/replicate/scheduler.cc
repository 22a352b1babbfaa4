#include "core/replicate/scheduler.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <thread>
#include <utility>

#include "core/util/clock.h"
#include "core/util/strings.h"

namespace binsync::replicate {
namespace {

constexpr size_t kMinKeySlots = 64;
constexpr size_t kMinWindow = 64;

// Keys are hashes already, but callers may pass small integers: spread them over the
// table (murmur3's 64-bit finalizer).
uint64_t MixKey(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Heap orders (std::*_heap build max-heaps, so "less" means "later").
bool LaterSeq(const Job* a, const Job* b) { return a->seq > b->seq; }
struct LaterNeed {  // over Scheduler::Pending: by need, then seq
  template <typename P>
  bool operator()(const P& a, const P& b) const {
    return a.need > b.need || (a.need == b.need && a.job->seq > b.job->seq);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// KeyTable

Scheduler::KeyTable::KeyTable() : slots_(kMinKeySlots, Slot{0, 0}), mask_(kMinKeySlots - 1) {}

Scheduler::KeyTable::Slot& Scheduler::KeyTable::Probe(std::vector<Slot>& slots, uint64_t mask,
                                                      uint64_t key) {
  uint64_t i = MixKey(key) & mask;
  while (slots[i].need != 0 && slots[i].key != key) i = (i + 1) & mask;
  return slots[i];
}

void Scheduler::KeyTable::Reserve(size_t incoming, uint64_t next_commit) {
  // Invariant: used_ <= slots_.size() / 2 after every Exchange, so probes terminate and
  // stay short.
  if ((used_ + incoming) * 2 <= slots_.size()) return;
  // Rebuild without the stale entries (holder committed). The new size keeps the live and
  // incoming entries at <= 1/4 load, so at least size/4 inserts happen before the next
  // rebuild: the O(size) rebuild is amortized O(1) per key.
  size_t live = 0;
  for (const Slot& s : slots_) live += s.need > next_commit ? 1 : 0;
  const size_t size = std::bit_ceil(std::max(kMinKeySlots, 4 * (live + incoming)));
  spare_.assign(size, Slot{0, 0});
  const uint64_t mask = size - 1;
  for (const Slot& s : slots_) {
    if (s.need > next_commit) Probe(spare_, mask, s.key) = s;
  }
  slots_.swap(spare_);
  mask_ = mask;
  used_ = live;
}

uint64_t Scheduler::KeyTable::Exchange(uint64_t key, uint64_t need) {
  Slot& s = Probe(slots_, mask_, key);
  const uint64_t previous = s.need;
  if (previous == 0) {
    s.key = key;
    ++used_;
  }
  s.need = need;
  return previous;
}

// ---------------------------------------------------------------------------------------
// Scheduler

Scheduler::Scheduler(Options options)
    : max_jobs_(std::max<size_t>(options.max_jobs, 1)),
      max_bytes_(options.max_bytes),
      next_commit_(options.first_seq),
      next_commit_hint_(options.first_seq),
      next_seq_(options.first_seq) {
  std::lock_guard lock(mu_);
  window_.assign(std::bit_ceil(std::min(max_jobs_, kMinWindow)), nullptr);
  window_mask_ = window_.size() - 1;
  ready_.reserve(window_.size());
  blocked_.reserve(window_.size());
}

Scheduler::~Scheduler() {
  std::lock_guard lock(mu_);
  for (uint64_t seq = next_commit_; seq != next_seq_; ++seq) delete Owned(seq);
}

void Scheduler::GrowWindow() {
  std::vector<Job*> bigger(window_.size() * 2, nullptr);
  const uint64_t mask = bigger.size() - 1;
  for (uint64_t seq = next_commit_; seq != next_seq_; ++seq) bigger[seq & mask] = Owned(seq);
  window_.swap(bigger);
  window_mask_ = mask;
}

bool Scheduler::Submit(std::unique_ptr<Job> job) {
  std::unique_lock lock(mu_);
  // Backpressure: at most max_jobs_ uncommitted jobs and max_bytes_ of them, except that a
  // job always gets in when nothing is uncommitted (a job above max_bytes_ would otherwise
  // wait forever). Room is only made by Committed, which wakes us.
  const auto has_room = [&] {
    const size_t jobs = next_seq_ - next_commit_;
    if (jobs == 0) return true;
    return jobs < max_jobs_ && bytes_ <= max_bytes_ && job->bytes <= max_bytes_ - bytes_;
  };
  while (!aborted_ && !closed_ && !has_room()) {
    ++waiting_producers_;
    producer_cv_.wait(lock);
    --waiting_producers_;
  }
  if (aborted_ || closed_) return false;  // the job is dropped with `job`

  const uint64_t seq = next_seq_;
  job->seq = seq;
  // need = 1 + the highest seq this job must see committed before it starts.
  uint64_t need;
  if (job->barrier) {
    // Starts only when every earlier job committed; every later job inherits
    // barrier_need_ = seq + 1, so none starts before this one commits. Its keys need not
    // enter keys_: any later need is already >= seq + 1.
    need = seq;
    barrier_need_ = seq + 1;
  } else {
    // Runnable iff every earlier job sharing a key committed. Commits are in seq order, so
    // that is the last earlier holder of any of its keys, found in keys_ (which this job
    // now becomes the holder of), and the last barrier. A job without keys depends on the
    // last barrier only.
    need = barrier_need_;
    keys_.Reserve(job->keys.size(), next_commit_);
    for (const uint64_t key : job->keys) {
      const uint64_t previous = keys_.Exchange(key, seq + 1);
      // previous == seq + 1: the same key twice in this job, not a dependency.
      if (previous > need && previous != seq + 1) need = previous;
    }
  }

  if (next_seq_ - next_commit_ == window_.size()) GrowWindow();
  bytes_ += job->bytes;
  Job* const raw = job.release();
  Owned(seq) = raw;
  ++next_seq_;

  if (need <= next_commit_) {
    ready_.push_back(raw);
    std::push_heap(ready_.begin(), ready_.end(), LaterSeq);
    // One new runnable job wakes one idle worker. A woken worker takes a job or finds that
    // a non-waiting worker took it, so no runnable job is left while a worker sleeps.
    if (idle_workers_ > 0) worker_cv_.notify_one();
  } else {
    blocked_.push_back(Pending{need, raw});
    std::push_heap(blocked_.begin(), blocked_.end(), LaterNeed());
  }
  return true;
}

Job* Scheduler::Acquire() {
  std::unique_lock lock(mu_);
  while (!aborted_ && ready_.empty() && !(closed_ && blocked_.empty())) {
    ++idle_workers_;
    worker_cv_.wait(lock);
    --idle_workers_;
  }
  if (aborted_ || ready_.empty()) return nullptr;
  // Lowest runnable seq first. This is what makes the scheduler deadlock-free: the job with
  // seq == next_commit_ (the one everybody's commit waits for) is runnable as soon as its
  // predecessors committed, and from then on it is the lowest runnable job, so the next
  // worker to ask takes it -- and there is one: the worker whose Committed made it runnable
  // (or, if it was runnable at Submit, any worker, since all later jobs were submitted
  // after it). Were a higher seq preferred, all N workers could sit in WaitCommitTurn
  // holding later jobs while the next one to commit waits for a worker forever.
  std::pop_heap(ready_.begin(), ready_.end(), LaterSeq);
  Job* const job = ready_.back();
  ready_.pop_back();
  // Closed and all handed out: the other idle workers must return nullptr now.
  if (closed_ && ready_.empty() && blocked_.empty() && idle_workers_ > 0) {
    worker_cv_.notify_all();
  }
  return job;
}

bool Scheduler::WaitCommitTurn(const Job& job) {
  if (next_commit_hint_.load(std::memory_order_acquire) + 1 == job.seq) {
    // Next in line: poll briefly (yielding the core) before sleeping on the condition.
    const auto until = Clock::now() + std::chrono::microseconds(300);
    while (next_commit_hint_.load(std::memory_order_acquire) < job.seq &&
           Clock::now() < until) {
      std::this_thread::yield();
    }
  }
  std::unique_lock lock(mu_);
  auto stopped = [&] { return stopping_ && job.seq >= stop_at_; };
  if (!aborted_ && !stopped() && next_commit_ < job.seq) {
    TurnWaiter waiter;
    waiter.seq = job.seq;
    turn_waiters_.push_back(&waiter);
    while (!aborted_ && !stopped() && next_commit_ < job.seq) waiter.cv.wait(lock);
    *std::find(turn_waiters_.begin(), turn_waiters_.end(), &waiter) = turn_waiters_.back();
    turn_waiters_.pop_back();
  }
  if (aborted_ || stopped()) return false;
  if (next_commit_ != job.seq) {
    AbortLocked(absl::FailedPreconditionError(
        StrCat("apply scheduler: WaitCommitTurn for job ", job.seq, " which committed already")));
    return false;
  }
  return true;
}

void Scheduler::Committed(Job* job) {
  std::unique_ptr<Job> done;  // freed after the lock is released
  std::lock_guard lock(mu_);
  // Commit order == seq order: only the job at next_commit_ may commit, and it advances
  // next_commit_ by exactly one.
  if (job == nullptr || next_commit_ == next_seq_ || Owned(next_commit_) != job) {
    AbortLocked(absl::FailedPreconditionError(
        StrCat("apply scheduler: Committed out of turn (next to commit is ", next_commit_,
               "); call WaitCommitTurn first")));
    return;
  }
  done.reset(job);
  Owned(next_commit_) = nullptr;
  bytes_ -= job->bytes;
  ++next_commit_;  // releases this job's keys: holders <= committed_through are stale
  next_commit_hint_.store(next_commit_, std::memory_order_release);

  // Jobs whose need just became <= next_commit_ are runnable now.
  size_t runnable = 0;
  while (!blocked_.empty() && blocked_.front().need <= next_commit_) {
    std::pop_heap(blocked_.begin(), blocked_.end(), LaterNeed());
    ready_.push_back(blocked_.back().job);
    std::push_heap(ready_.begin(), ready_.end(), LaterSeq);
    blocked_.pop_back();
    ++runnable;
  }
  if (runnable > 0 && idle_workers_ > 0) {
    if (runnable == 1) {
      worker_cv_.notify_one();
    } else {
      worker_cv_.notify_all();
    }
  }
  // Notifying under the lock: a Drain that returns may destroy the scheduler, which must
  // not happen while this thread still touches a condition variable.
  for (TurnWaiter* waiter : turn_waiters_) {
    if (waiter->seq == next_commit_) {
      waiter->cv.notify_one();
      break;
    }
  }
  if (waiting_producers_ > 0) producer_cv_.notify_all();
  if (drainers_ > 0) drain_cv_.notify_all();
}

void Scheduler::Abort(absl::Status status) {
  std::lock_guard lock(mu_);
  AbortLocked(std::move(status));
}

void Scheduler::AbortLocked(absl::Status status) {
  if (aborted_) return;  // the first error wins
  aborted_ = true;
  aborted_hint_.store(true, std::memory_order_release);
  abort_status_ = status.ok() ? absl::InternalError("apply scheduler: aborted with an OK status")
                              : std::move(status);
  worker_cv_.notify_all();
  producer_cv_.notify_all();
  drain_cv_.notify_all();
  for (TurnWaiter* waiter : turn_waiters_) waiter->cv.notify_one();
}

void Scheduler::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  worker_cv_.notify_all();
  producer_cv_.notify_all();
}

uint64_t Scheduler::TakeSeq() {
  std::lock_guard lock(mu_);
  if (next_commit_ != next_seq_) {
    AbortLocked(absl::FailedPreconditionError(
        StrCat("apply scheduler: TakeSeq with ", next_seq_ - next_commit_,
               " jobs uncommitted; Drain first")));
    return 0;
  }
  const uint64_t seq = next_seq_++;
  ++next_commit_;
  next_commit_hint_.store(next_commit_, std::memory_order_release);
  return seq;
}

void Scheduler::Stop() {
  std::lock_guard lock(mu_);
  closed_ = true;
  if (!stopping_) {
    stopping_ = true;
    // The first job not handed out; every job below it is committed or being applied.
    stop_at_ = next_seq_;
    for (Job* job : ready_) stop_at_ = std::min(stop_at_, job->seq);
    for (const Pending& p : blocked_) stop_at_ = std::min(stop_at_, p.job->seq);
    // Left in window_: freed with the scheduler, as jobs an Abort leaves behind are.
    ready_.clear();
    blocked_.clear();
  }
  worker_cv_.notify_all();
  producer_cv_.notify_all();
  drain_cv_.notify_all();
  for (TurnWaiter* waiter : turn_waiters_) waiter->cv.notify_one();
}

void Scheduler::Withdraw(const Job& job) {
  std::lock_guard lock(mu_);
  if (!stopping_) {
    AbortLocked(absl::FailedPreconditionError(
        StrCat("apply scheduler: Withdraw of job ", job.seq, " without a Stop")));
    return;
  }
  stop_at_ = std::min(stop_at_, job.seq);
  drain_cv_.notify_all();
  for (TurnWaiter* waiter : turn_waiters_) waiter->cv.notify_one();
}

absl::Status Scheduler::status() const {
  if (!aborted_hint_.load(std::memory_order_acquire)) return absl::OkStatus();
  std::lock_guard lock(mu_);
  return abort_status_;
}

bool Scheduler::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

absl::Status Scheduler::Drain() {
  std::unique_lock lock(mu_);
  const uint64_t target = next_seq_;
  ++drainers_;
  while (!aborted_ && next_commit_ < (stopping_ ? std::min(stop_at_, target) : target)) {
    drain_cv_.wait(lock);
  }
  --drainers_;
  return aborted_ ? abort_status_ : absl::OkStatus();
}

uint64_t Scheduler::committed_through() const {
  std::lock_guard lock(mu_);
  return next_commit_ - 1;
}

size_t Scheduler::queued_jobs() const {
  std::lock_guard lock(mu_);
  return next_seq_ - next_commit_;
}

size_t Scheduler::queued_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace binsync::replicate
