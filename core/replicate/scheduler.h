// Parallel-apply scheduler: hands source transactions to N worker threads as soon as
// their writesets allow, and makes the workers commit strictly in source order.
//
// Protocol (one producer thread, any number of worker threads):
//   producer: Submit(job)... Close(); Drain();
//   worker:   while (Job* j = Acquire()) {
//               apply j on the target (BEGIN ... statements);
//               if (!WaitCommitTurn(*j)) { rollback; break; }     // aborted
//               COMMIT on the target;  error -> Abort(status), break
//               Committed(j);                                     // j is freed here
//             }
//   anyone:   Abort(status) stops everything; every blocked call returns.
//
// Dependency rule: a job may start once every earlier job that shares a key with it has
// committed; a barrier starts only once every earlier job committed, and no later job
// starts before the barrier commits. Because commits happen in seq order, "every earlier
// conflicting job committed" is the single comparison committed_through() >= dep, with
// dep = the highest seq among earlier jobs that hold one of the job's keys (or the last
// barrier): computed once at Submit in O(keys) and never revisited.
//
// Ownership: the scheduler owns every submitted job from Submit until Committed (or until
// the scheduler is destroyed, for jobs never committed because of Abort). The Job* that
// Acquire returns stays valid until the worker passes it to Committed. Destroy the
// scheduler only after every thread has left all of its methods.
#ifndef BINSYNC_CORE_REPLICATE_SCHEDULER_H_
#define BINSYNC_CORE_REPLICATE_SCHEDULER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace binsync::replicate {

// Base for what is scheduled; users derive (e.g. a Transaction) and add their payload.
struct Job {
  virtual ~Job() = default;
  uint64_t seq = 0;            // set by Submit: dense, increasing (first = Options.first_seq)
  std::vector<uint64_t> keys;  // writeset: 64-bit hashes of every key the job touches (dups ok)
  bool barrier = false;        // runs alone: starts when every earlier job committed, and no
                               // later job starts before it commits
  size_t bytes = 0;            // memory charged against Options.max_bytes until Committed
  // Submit reads keys, barrier and bytes, and Committed reads bytes again: do not change
  // them (nor seq) while the scheduler owns the job.
};

class Scheduler {
 public:
  struct Options {
    size_t max_jobs = 4096;        // submitted but not yet committed jobs (0 counts as 1)
    size_t max_bytes = 256 << 20;  // sum of their Job::bytes
    uint64_t first_seq = 1;        // seq of the first job; must be >= 1
  };

  explicit Scheduler(Options options);
  ~Scheduler();  // frees the jobs never committed; no thread may be inside a method
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Producer. Assigns job->seq and takes ownership. Blocks while max_jobs or max_bytes would
  // be exceeded (a job larger than max_bytes is admitted once nothing else is uncommitted).
  // Returns false, and drops the job, if aborted or closed.
  [[nodiscard]] bool Submit(std::unique_ptr<Job> job);

  // Worker. Blocks until a job may start and returns the runnable job with the lowest seq,
  // or nullptr once closed with every job handed out, or once aborted.
  [[nodiscard]] Job* Acquire();

  // Worker. Blocks until every job with a smaller seq has committed. Returns false if
  // aborted (the worker must then roll back, not commit).
  [[nodiscard]] bool WaitCommitTurn(const Job& job);

  // Worker, after its target COMMIT returned OK (and WaitCommitTurn returned true): marks
  // the job committed, releasing its keys, jobs and bytes, wakes whoever that unblocks and
  // frees the job. Still records the commit after Abort: it happened on the target.
  void Committed(Job* job);

  // Any thread: stops everything with `status` (an OK status becomes an Internal error);
  // every blocked call returns false/nullptr. The first error wins.
  void Abort(absl::Status status);

  // Producer: no more jobs. Workers' Acquire returns nullptr once all are handed out.
  void Close();

  // Producer, on a stop request: no more jobs, and those not yet handed out never start
  // (they are read again from the checkpoint next time). The jobs being applied that can
  // still commit in order -- every one below the first job not handed out -- commit as
  // usual; any later one is told by WaitCommitTurn to roll back. Drain then returns once
  // the former committed. Bounded: a stop waits for at most the jobs in flight.
  void Stop();

  // Worker, after Stop, for a job it applied but cannot commit (the stop interrupted its
  // statement, or it was failing and waiting to be applied again): rolled back, it is left
  // for the next run with every later job, and Drain stops waiting for them. Without a
  // Stop it is a misuse and aborts.
  void Withdraw(const Job& job);

  // Producer, with nothing uncommitted (after Drain): takes the next seq for work done
  // outside the scheduler (a streamed transaction the producer applies itself), as if a
  // job with that seq had committed. Later jobs get later seqs.
  [[nodiscard]] uint64_t TakeSeq();

  // Blocks until every job submitted before the call committed (OK), or until Abort (its
  // status; also returned when the abort came after those commits).
  [[nodiscard]] absl::Status Drain();

  // Any thread, without blocking: the first Abort's status, OK while not aborted (the
  // producer polls it, so a worker's error ends the run while the source is quiet).
  [[nodiscard]] absl::Status status() const;
  // Any thread: Stop was called.
  [[nodiscard]] bool stopping() const;

  // Highest seq such that it and all before it committed (first_seq - 1 if none).
  [[nodiscard]] uint64_t committed_through() const;
  // Jobs (and their bytes) submitted and not yet committed: queued or being applied.
  [[nodiscard]] size_t queued_jobs() const;
  [[nodiscard]] size_t queued_bytes() const;

 private:
  // "need" values: a job with need N may start when next_commit_ >= N, i.e. when every job
  // with seq < N committed. N = (highest conflicting earlier seq) + 1, or 0 for none; the
  // +1 keeps 0 free to mean "empty" in KeyTable.

  // key -> need that a later job touching the key inherits (= seq + 1 of the last submitted
  // job holding it). Open addressing, linear probing, no per-insert allocation. Entries whose
  // need <= next_commit_ are stale (their holder committed) and behave as absent; Reserve
  // drops them when it rebuilds, so the table stays proportional to the keys of the
  // uncommitted jobs (plus the incoming ones), amortized O(1) per key.
  class KeyTable {
   public:
    KeyTable();
    // Makes room for `incoming` more inserts, purging stale entries if the load would
    // pass 1/2.
    void Reserve(size_t incoming, uint64_t next_commit);
    // Stores `need` for `key` and returns the previous value (0 if absent). At most as
    // many calls as the last Reserve announced.
    uint64_t Exchange(uint64_t key, uint64_t need);

   private:
    struct Slot {
      uint64_t key;
      uint64_t need;  // 0: empty slot
    };
    // The slot holding `key`, else the empty slot where it belongs (load <= 1/2: one exists).
    static Slot& Probe(std::vector<Slot>& slots, uint64_t mask, uint64_t key);
    std::vector<Slot> slots_;
    std::vector<Slot> spare_;  // rebuild target, reused so rebuilds do not allocate
    size_t used_ = 0;          // non-empty slots, stale ones included
    uint64_t mask_ = 0;        // slots_.size() - 1; the size is a power of two
  };

  struct Pending {
    uint64_t need;
    Job* job;
  };

  // One per thread blocked in WaitCommitTurn, on its stack: Committed wakes only the
  // thread whose turn has come instead of every worker.
  struct TurnWaiter {
    uint64_t seq;
    std::condition_variable cv;
  };

  Job*& Owned(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return window_[seq & window_mask_];
  }
  void GrowWindow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AbortLocked(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_jobs_;
  const size_t max_bytes_;

  mutable std::mutex mu_;
  std::condition_variable producer_cv_;  // Submit waiting for room
  std::condition_variable worker_cv_;    // Acquire waiting for a runnable job
  std::condition_variable drain_cv_;     // Drain waiting for commits

  // Jobs have seq in [next_commit_, next_seq_): all submitted, none committed. Invariant:
  // every job with seq < next_commit_ committed, so committed_through() = next_commit_ - 1
  // and a job is runnable iff its need <= next_commit_. Only Committed advances it, by one,
  // for the job whose seq equals it (commit order == seq order).
  uint64_t next_commit_ ABSL_GUARDED_BY(mu_);
  // next_commit_'s value, readable without mu_: the next job in line polls it for a moment
  // in WaitCommitTurn instead of sleeping (a wake-up costs more than a commit's round trip
  // on a loaded machine, and it is on the critical path of ordered commits).
  std::atomic<uint64_t> next_commit_hint_{0};
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_);  // seq the next Submit assigns

  // Owner of every uncommitted job: window_[seq & window_mask_] for seq in
  // [next_commit_, next_seq_). Its size is a power of two >= next_seq_ - next_commit_,
  // grown on demand and bounded by max_jobs_ (rounded up).
  std::vector<Job*> window_ ABSL_GUARDED_BY(mu_);
  uint64_t window_mask_ ABSL_GUARDED_BY(mu_) = 0;

  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;  // sum of bytes of the uncommitted jobs

  // Submitted, not yet acquired jobs, split by runnability. Each job is in exactly one of
  // them until Acquire hands it out.
  //   blocked_: need > next_commit_; min-heap on need (moved to ready_ when Committed
  //             advances next_commit_ to their need).
  //   ready_:   need <= next_commit_; min-heap on seq, so Acquire takes the lowest seq.
  std::vector<Pending> blocked_ ABSL_GUARDED_BY(mu_);
  std::vector<Job*> ready_ ABSL_GUARDED_BY(mu_);

  KeyTable keys_ ABSL_GUARDED_BY(mu_);
  // need of every job submitted after the last barrier: that barrier's seq + 1.
  uint64_t barrier_need_ ABSL_GUARDED_BY(mu_) = 0;

  std::vector<TurnWaiter*> turn_waiters_ ABSL_GUARDED_BY(mu_);
  int idle_workers_ ABSL_GUARDED_BY(mu_) = 0;       // threads waiting in Acquire
  int waiting_producers_ ABSL_GUARDED_BY(mu_) = 0;  // threads waiting in Submit
  int drainers_ ABSL_GUARDED_BY(mu_) = 0;           // threads waiting in Drain

  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Stop(): jobs with seq >= stop_at_ never commit (one before them never started).
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t stop_at_ ABSL_GUARDED_BY(mu_) = 0;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> aborted_hint_{false};  // aborted_, readable without mu_ (status())
  absl::Status abort_status_ ABSL_GUARDED_BY(mu_);  // the first Abort's status
};

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_SCHEDULER_H_
