#include "core/replicate/scheduler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

using namespace std::chrono_literals;

// Long enough for a loaded 2-core machine under TSan; a correct scheduler answers in
// microseconds, so only a broken one ever waits this long.
constexpr auto kPrompt = 10s;
// How long a call must stay blocked to count as "blocks".
constexpr auto kBlocked = 100ms;

// A job that carries what the test's own model expects of it.
struct TestJob : Job {
  uint64_t index = 0;         // 0-based submission index
  uint64_t expected_dep = 0;  // 1 + highest seq that must commit before this job starts
};

std::unique_ptr<Job> MakeJob(std::vector<uint64_t> keys, bool barrier = false, size_t bytes = 0) {
  auto job = std::make_unique<TestJob>();
  job->keys = std::move(keys);
  job->barrier = barrier;
  job->bytes = bytes;
  return job;
}

// Waits for `f` (a blocked scheduler call running on another thread) to finish within
// kPrompt. If it does not, aborts the scheduler, which makes every call return, so the test
// fails instead of hanging.
template <typename T>
T GetPromptly(std::future<T>& f, Scheduler& s, const char* what) {
  if (f.wait_for(kPrompt) != std::future_status::ready) {
    ADD_FAILURE() << what << " did not return within " << kPrompt.count() << "s";
    s.Abort(absl::DeadlineExceededError(what));
  }
  return f.get();
}

template <typename T>
bool StillBlocked(std::future<T>& f) {
  return f.wait_for(kBlocked) == std::future_status::timeout;
}

// Aborts the scheduler unless Done() comes within `timeout`, so that a scheduler that
// deadlocks fails the test (Drain returns DEADLINE_EXCEEDED) instead of hanging it.
class Watchdog {
 public:
  Watchdog(Scheduler& s, std::chrono::seconds timeout)
      : thread_([this, &s, timeout] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, timeout, [this] { return done_; })) {
            fired_ = true;
            s.Abort(absl::DeadlineExceededError("watchdog: the scheduler made no progress"));
          }
        }) {}
  ~Watchdog() {
    Done();
    thread_.join();
  }
  void Done() {
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }
  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// Acquire that must not block.
Job* AcquireNow(Scheduler& s) {
  auto f = std::async(std::launch::async, [&] { return s.Acquire(); });
  return GetPromptly(f, s, "Acquire");
}

// WaitCommitTurn that must not block (the caller commits in order), then Committed.
void Commit(Scheduler& s, Job* job) {
  ASSERT_NE(job, nullptr);
  auto turn = std::async(std::launch::async, [&] { return s.WaitCommitTurn(*job); });
  ASSERT_TRUE(GetPromptly(turn, s, "WaitCommitTurn"));
  s.Committed(job);
}

TEST(SchedulerTest, CloseWithNothingSubmitted) {
  Scheduler s({});
  s.Close();
  EXPECT_EQ(AcquireNow(s), nullptr);
  EXPECT_TRUE(s.Drain().ok());
  EXPECT_EQ(s.committed_through(), 0u);
  EXPECT_FALSE(s.Submit(MakeJob({1})));
  EXPECT_EQ(s.queued_jobs(), 0u);
}

TEST(SchedulerTest, SeqStartsAtFirstSeqAndCountersFollow) {
  Scheduler s({.max_jobs = 10, .max_bytes = 1000, .first_seq = 100});
  EXPECT_EQ(s.committed_through(), 99u);
  ASSERT_TRUE(s.Submit(MakeJob({1}, false, 10)));
  ASSERT_TRUE(s.Submit(MakeJob({2}, false, 20)));
  EXPECT_EQ(s.queued_jobs(), 2u);
  EXPECT_EQ(s.queued_bytes(), 30u);
  Job* a = AcquireNow(s);
  Job* b = AcquireNow(s);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->seq, 100u);
  EXPECT_EQ(b->seq, 101u);
  Commit(s, a);
  EXPECT_EQ(s.committed_through(), 100u);
  EXPECT_EQ(s.queued_jobs(), 1u);
  EXPECT_EQ(s.queued_bytes(), 20u);
  Commit(s, b);
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
  EXPECT_EQ(s.committed_through(), 101u);
  EXPECT_EQ(s.queued_bytes(), 0u);
}

TEST(SchedulerTest, ConflictingJobWaitsAndLowestRunnableGoesFirst) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1, 7})));  // 1
  ASSERT_TRUE(s.Submit(MakeJob({7})));     // 2: conflicts with 1
  ASSERT_TRUE(s.Submit(MakeJob({3})));     // 3: free
  Job* first = AcquireNow(s);
  Job* second = AcquireNow(s);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(second->seq, 3u);  // 2 is not runnable; 3 is the lowest runnable

  auto waiting = std::async(std::launch::async, [&] { return s.Acquire(); });
  EXPECT_TRUE(StillBlocked(waiting));
  Commit(s, first);
  Job* third = GetPromptly(waiting, s, "Acquire after the conflicting job committed");
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->seq, 2u);

  // 3 may not commit before 2.
  auto turn = std::async(std::launch::async, [&] { return s.WaitCommitTurn(*second); });
  EXPECT_TRUE(StillBlocked(turn));
  Commit(s, third);
  EXPECT_TRUE(GetPromptly(turn, s, "WaitCommitTurn"));
  s.Committed(second);
  s.Close();
  EXPECT_EQ(AcquireNow(s), nullptr);
  EXPECT_TRUE(s.Drain().ok());
}

TEST(SchedulerTest, DuplicateKeysDoNotMakeAJobWaitForItself) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({5, 5, 9, 5})));
  Job* job = AcquireNow(s);
  ASSERT_NE(job, nullptr);
  Commit(s, job);
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
}

TEST(SchedulerTest, BarrierRunsAlone) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1})));        // 1
  ASSERT_TRUE(s.Submit(MakeJob({2}, true)));  // 2: barrier (its keys do not matter)
  ASSERT_TRUE(s.Submit(MakeJob({3})));        // 3: disjoint, still after the barrier
  ASSERT_TRUE(s.Submit(MakeJob({})));         // 4: no keys, still after the barrier
  Job* a = AcquireNow(s);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->seq, 1u);

  auto barrier = std::async(std::launch::async, [&] { return s.Acquire(); });
  EXPECT_TRUE(StillBlocked(barrier));  // waits for 1 to commit although disjoint
  Commit(s, a);
  Job* b = GetPromptly(barrier, s, "Acquire of the barrier");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->seq, 2u);

  auto after = std::async(std::launch::async, [&] { return s.Acquire(); });
  EXPECT_TRUE(StillBlocked(after));  // nothing starts while the barrier runs
  Commit(s, b);
  Job* c = GetPromptly(after, s, "Acquire after the barrier");
  Job* d = AcquireNow(s);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(c->seq, 3u);
  EXPECT_EQ(d->seq, 4u);
  Commit(s, c);
  Commit(s, d);
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
}

TEST(SchedulerTest, KeylessJobDependsOnlyOnTheLastBarrier) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1})));  // 1
  ASSERT_TRUE(s.Submit(MakeJob({})));   // 2: runs alongside 1
  Job* a = AcquireNow(s);
  Job* b = AcquireNow(s);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->seq, 2u);
  Commit(s, a);
  Commit(s, b);
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
}

TEST(SchedulerTest, SubmitBlocksAtMaxJobsUntilCommitted) {
  Scheduler s({.max_jobs = 2});
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  ASSERT_TRUE(s.Submit(MakeJob({2})));
  Job* held = AcquireNow(s);  // a worker holding job 1: in flight jobs count too
  auto third = std::async(std::launch::async, [&] { return s.Submit(MakeJob({3})); });
  EXPECT_TRUE(StillBlocked(third));
  EXPECT_EQ(s.queued_jobs(), 2u);
  Commit(s, held);
  EXPECT_TRUE(GetPromptly(third, s, "Submit after a commit"));
  EXPECT_EQ(s.queued_jobs(), 2u);
  Commit(s, AcquireNow(s));
  Commit(s, AcquireNow(s));
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
  EXPECT_EQ(s.committed_through(), 3u);
}

TEST(SchedulerTest, SubmitBlocksAtMaxBytesUntilCommitted) {
  Scheduler s({.max_jobs = 100, .max_bytes = 100});
  ASSERT_TRUE(s.Submit(MakeJob({1}, false, 40)));
  ASSERT_TRUE(s.Submit(MakeJob({2}, false, 60)));  // exactly at the bound
  Job* held = AcquireNow(s);
  auto third = std::async(std::launch::async, [&] { return s.Submit(MakeJob({3}, false, 1)); });
  EXPECT_TRUE(StillBlocked(third));
  EXPECT_EQ(s.queued_bytes(), 100u);
  Commit(s, held);
  EXPECT_TRUE(GetPromptly(third, s, "Submit after a commit freed bytes"));
  EXPECT_EQ(s.queued_bytes(), 61u);
  Commit(s, AcquireNow(s));
  Commit(s, AcquireNow(s));
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
  EXPECT_EQ(s.queued_bytes(), 0u);
}

TEST(SchedulerTest, OversizedJobIsAdmittedWhenNothingElseIsQueued) {
  Scheduler s({.max_jobs = 100, .max_bytes = 100});
  // Behind a small job it waits...
  ASSERT_TRUE(s.Submit(MakeJob({1}, false, 10)));
  Job* small = AcquireNow(s);
  auto huge = std::async(std::launch::async, [&] { return s.Submit(MakeJob({2}, false, 1000)); });
  EXPECT_TRUE(StillBlocked(huge));
  // ...and gets in once the queue is empty.
  Commit(s, small);
  EXPECT_TRUE(GetPromptly(huge, s, "Submit of an oversized job into an empty queue"));
  EXPECT_EQ(s.queued_bytes(), 1000u);
  // Nothing joins it while it is queued.
  auto next = std::async(std::launch::async, [&] { return s.Submit(MakeJob({3}, false, 1)); });
  EXPECT_TRUE(StillBlocked(next));
  Commit(s, AcquireNow(s));
  EXPECT_TRUE(GetPromptly(next, s, "Submit after the oversized job committed"));
  Commit(s, AcquireNow(s));
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
}

TEST(SchedulerTest, CommittedOutOfTurnAborts) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  ASSERT_TRUE(s.Submit(MakeJob({2})));
  Job* a = AcquireNow(s);
  Job* b = AcquireNow(s);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  s.Committed(b);  // without WaitCommitTurn, before 1
  EXPECT_EQ(s.Drain().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.committed_through(), 0u);
  EXPECT_FALSE(s.WaitCommitTurn(*a));
}

TEST(SchedulerTest, AbortUnblocksEveryThreadAndFirstErrorWins) {
  constexpr uint64_t kAbortAt = 500;
  Scheduler s({.max_jobs = 8});
  Watchdog watchdog(s, kPrompt);  // if job kAbortAt never comes, unblock everyone anyway
  std::atomic<bool> aborted{false};
  std::atomic<int> finished{0};
  std::atomic<int> producer_refused{0};

  std::thread producer([&] {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 1'000'000; ++i) {
      if (!s.Submit(MakeJob({rng() % 16, rng() % 16}))) {
        producer_refused.fetch_add(1);
        break;
      }
    }
    finished.fetch_add(1);
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (Job* job = s.Acquire()) {
        if (job->seq == kAbortAt) {
          aborted = true;
          s.Abort(absl::InternalError("boom: target COMMIT failed"));
          break;
        }
        if (!s.WaitCommitTurn(*job)) break;
        s.Committed(job);
      }
      finished.fetch_add(1);
    });
  }

  const auto deadline = std::chrono::steady_clock::now() + 2 * kPrompt;
  while (finished.load() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  if (finished.load() < 5) {
    ADD_FAILURE() << "threads still blocked after Abort";
    std::abort();  // joining would hang
  }
  watchdog.Done();
  EXPECT_FALSE(watchdog.fired());
  producer.join();
  for (auto& t : workers) t.join();

  EXPECT_TRUE(aborted);
  EXPECT_EQ(producer_refused.load(), 1);
  EXPECT_LT(s.committed_through(), kAbortAt);
  const absl::Status status = s.Drain();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(status.message()), "boom: target COMMIT failed");
  EXPECT_FALSE(s.Submit(MakeJob({1})));
  EXPECT_EQ(AcquireNow(s), nullptr);
  s.Abort(absl::CancelledError("second"));
  EXPECT_EQ(std::string(s.Drain().message()), "boom: target COMMIT failed");
}

TEST(SchedulerTest, AbortWakesEveryBlockedCall) {
  Scheduler s({.max_jobs = 2});
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  Job* first = AcquireNow(s);
  ASSERT_NE(first, nullptr);
  auto submit = std::async(std::launch::async, [&] { return s.Submit(MakeJob({2})); });
  auto acquire = std::async(std::launch::async, [&] { return s.Acquire(); });  // 2 waits on 1
  auto drain = std::async(std::launch::async, [&] { return s.Drain(); });
  auto turn = std::async(std::launch::async, [&] {
    auto job = MakeJob({});
    job->seq = 2;  // a turn that never comes before the abort
    return s.WaitCommitTurn(*job);
  });
  EXPECT_TRUE(StillBlocked(submit));
  EXPECT_TRUE(StillBlocked(acquire));
  EXPECT_TRUE(StillBlocked(drain));
  EXPECT_TRUE(StillBlocked(turn));
  s.Abort(absl::UnavailableError("target gone"));
  EXPECT_FALSE(GetPromptly(submit, s, "Submit"));
  EXPECT_EQ(GetPromptly(acquire, s, "Acquire"), nullptr);
  EXPECT_EQ(GetPromptly(drain, s, "Drain").code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(GetPromptly(turn, s, "WaitCommitTurn"));
  EXPECT_FALSE(s.WaitCommitTurn(*first));
}

TEST(SchedulerTest, StopCommitsWhatIsInFlightAndDropsTheQueue) {
  Scheduler s({});
  for (uint64_t k = 1; k <= 5; ++k) ASSERT_TRUE(s.Submit(MakeJob({k})));  // disjoint: all ready
  Job* one = AcquireNow(s);
  Job* two = AcquireNow(s);
  ASSERT_EQ(one->seq, 1u);
  ASSERT_EQ(two->seq, 2u);
  Job* three_left = AcquireNow(s);
  ASSERT_EQ(three_left->seq, 3u);
  Job* four = AcquireNow(s);
  ASSERT_EQ(four->seq, 4u);
  auto four_turn = std::async(std::launch::async, [&] { return s.WaitCommitTurn(*four); });
  EXPECT_TRUE(StillBlocked(four_turn));
  // Jobs 1-4 are being applied, 5 is queued.
  s.Stop();
  EXPECT_EQ(AcquireNow(s), nullptr);  // job 5 never starts
  EXPECT_FALSE(s.Submit(MakeJob({9})));
  auto drain = std::async(std::launch::async, [&] { return s.Drain(); });
  EXPECT_TRUE(StillBlocked(drain));  // 1-4 are in flight and may all commit
  Commit(s, one);
  Commit(s, two);
  Commit(s, three_left);
  EXPECT_TRUE(GetPromptly(four_turn, s, "WaitCommitTurn of job 4"));
  s.Committed(four);
  EXPECT_TRUE(GetPromptly(drain, s, "Drain after the jobs in flight committed").ok());
  EXPECT_EQ(s.committed_through(), 4u);
  EXPECT_EQ(s.queued_jobs(), 1u);  // job 5: dropped, freed with the scheduler
}

TEST(SchedulerTest, StopRollsBackJobsBehindOneThatNeverStarted) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  ASSERT_TRUE(s.Submit(MakeJob({1})));  // waits for job 1: not handed out before the stop
  ASSERT_TRUE(s.Submit(MakeJob({3})));
  Job* one = AcquireNow(s);
  Job* three = AcquireNow(s);  // job 3 is runnable (disjoint), job 2 is blocked
  ASSERT_EQ(three->seq, 3u);
  auto three_turn = std::async(std::launch::async, [&] { return s.WaitCommitTurn(*three); });
  EXPECT_TRUE(StillBlocked(three_turn));
  s.Stop();
  // Job 2 will never run, so job 3 must roll back rather than wait forever.
  EXPECT_FALSE(GetPromptly(three_turn, s, "WaitCommitTurn of a job behind the stop"));
  auto drain = std::async(std::launch::async, [&] { return s.Drain(); });
  EXPECT_TRUE(StillBlocked(drain));
  Commit(s, one);
  EXPECT_TRUE(GetPromptly(drain, s, "Drain").ok());
  EXPECT_EQ(s.committed_through(), 1u);
}

TEST(SchedulerTest, AJobWithdrawnAtAStopEndsTheDrainAndLaterJobsRollBack) {
  Scheduler s({});
  for (uint64_t k = 1; k <= 3; ++k) ASSERT_TRUE(s.Submit(MakeJob({k})));
  Job* one = AcquireNow(s);
  Job* two = AcquireNow(s);    // blocked on a target lock, say
  Job* three = AcquireNow(s);  // applied, waiting for its turn
  auto three_turn = std::async(std::launch::async, [&] { return s.WaitCommitTurn(*three); });
  EXPECT_TRUE(StillBlocked(three_turn));
  EXPECT_FALSE(s.stopping());
  s.Stop();
  EXPECT_TRUE(s.stopping());
  auto drain = std::async(std::launch::async, [&] { return s.Drain(); });
  EXPECT_TRUE(StillBlocked(drain));  // 1-3 are in flight and may all commit
  Commit(s, one);
  EXPECT_TRUE(StillBlocked(drain));
  // Job 2's statement was interrupted: it rolls back and is left for the next run.
  s.Withdraw(*two);
  EXPECT_FALSE(GetPromptly(three_turn, s, "WaitCommitTurn of a job behind a withdrawn one"));
  EXPECT_TRUE(GetPromptly(drain, s, "Drain after a withdrawal").ok());
  EXPECT_EQ(s.committed_through(), 1u);
  EXPECT_TRUE(s.status().ok());  // a stop, not an error
}

TEST(SchedulerTest, WithdrawWithoutAStopAbortsAndStatusReportsTheFirstError) {
  Scheduler s({});
  ASSERT_TRUE(s.Submit(MakeJob({1})));
  Job* one = AcquireNow(s);
  EXPECT_TRUE(s.status().ok());
  s.Abort(absl::InternalError("t.t (id=1): duplicate key"));
  EXPECT_EQ(s.status().message(), "t.t (id=1): duplicate key");  // the producer sees it
  s.Withdraw(*one);  // after an abort: nothing more happens
  EXPECT_EQ(s.status().message(), "t.t (id=1): duplicate key");

  Scheduler t({});
  ASSERT_TRUE(t.Submit(MakeJob({1})));
  t.Withdraw(*AcquireNow(t));
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SchedulerTest, DisjointJobsRunInParallel) {
  constexpr int kWorkers = 4;
  Scheduler s({});
  Watchdog watchdog(s, 6 * kPrompt);
  std::mutex mu;
  std::condition_variable cv;
  int holding = 0;  // workers that acquired a job and have not committed it
  int max_holding = 0;
  std::atomic<int> timeouts{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (Job* job = s.Acquire()) {
        {
          std::unique_lock lock(mu);
          ++holding;
          max_holding = std::max(max_holding, holding);
          cv.notify_all();
          // Latch: every worker keeps its job until all of them hold one, which only a
          // scheduler that hands out disjoint jobs concurrently allows.
          if (!cv.wait_for(lock, kPrompt, [&] { return max_holding >= kWorkers; })) {
            timeouts.fetch_add(1);
          }
        }
        if (!s.WaitCommitTurn(*job)) break;
        {
          std::lock_guard lock(mu);
          --holding;
        }
        s.Committed(job);
      }
    });
  }
  for (int i = 0; i < kWorkers; ++i) EXPECT_TRUE(s.Submit(MakeJob({static_cast<uint64_t>(i) * 4})));
  s.Close();
  EXPECT_TRUE(s.Drain().ok());
  for (auto& t : workers) t.join();
  watchdog.Done();
  EXPECT_FALSE(watchdog.fired());
  EXPECT_EQ(timeouts.load(), 0);
  EXPECT_EQ(max_holding, kWorkers);
}

// Randomized: one producer, 1..8 workers, frequent conflicts, random barriers, and a few
// queue bounds. Checks, against the test's own model of the dependency rule: commit order
// is seq order; a job starts only after every earlier job sharing a key (or the last
// barrier) committed; no two jobs sharing a key are ever in flight together; barriers
// overlap nothing and start only when all before them committed.
class SchedulerRandomTest : public testing::TestWithParam<int> {};

TEST_P(SchedulerRandomTest, OrderedCommitsAndNoConflictingOverlap) {
  const int seed = GetParam();
  constexpr uint64_t kJobs = 20'000;
  const int n_workers = 1 + seed % 8;
  const uint64_t key_space = std::vector<uint64_t>{8, 64, 4096}[static_cast<size_t>(seed) % 3];
  const size_t max_jobs = std::vector<size_t>{3, 64, 4096}[static_cast<size_t>(seed / 3) % 3];
  const uint64_t first_seq = 1 + static_cast<uint64_t>(seed) * 1000;
  Scheduler s({.max_jobs = max_jobs,
               .max_bytes = seed % 2 ? size_t{5000} : size_t{1} << 30,
               .first_seq = first_seq});
  // A deadlock (producer blocked in Submit, workers in WaitCommitTurn) fails, not hangs.
  Watchdog watchdog(s, 6 * kPrompt);

  std::vector<std::atomic<int>> in_use(key_space);
  std::atomic<int> running{0};
  std::atomic<bool> barrier_running{false};
  std::mutex mu;
  std::vector<uint64_t> commit_order;
  commit_order.reserve(kJobs);
  std::vector<std::string> violations;
  const auto violation = [&](std::string what) {
    std::lock_guard lock(mu);
    if (violations.size() < 20) violations.push_back(std::move(what));
  };

  std::vector<std::thread> workers;
  for (int w = 0; w < n_workers; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937_64 rng(static_cast<uint64_t>(seed) * 131 + static_cast<uint64_t>(w));
      std::atomic<uint64_t> spin{0};
      std::vector<uint64_t> keys;
      while (Job* job = s.Acquire()) {
        const auto& tj = static_cast<const TestJob&>(*job);
        const std::string name = "seq " + std::to_string(job->seq);
        if (job->seq != first_seq + tj.index) violation(name + ": not dense from first_seq");
        if (s.committed_through() + 1 < tj.expected_dep) {
          violation(name + ": started before its dependency committed");
        }
        keys = job->keys;
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (job->barrier) {
          barrier_running.store(true);
          if (running.fetch_add(1) != 0) violation(name + ": barrier overlapped another job");
          if (s.committed_through() != job->seq - 1) violation(name + ": barrier started early");
        } else {
          running.fetch_add(1);
          if (barrier_running.load()) violation(name + ": ran during a barrier");
        }
        for (uint64_t k : keys) {
          if (in_use[k].fetch_add(1) != 0) violation(name + ": key in use by another job");
        }

        const uint64_t r = rng() % 100;
        if (r < 2) {
          std::this_thread::sleep_for(std::chrono::microseconds(rng() % 50));
        } else if (r < 20) {
          std::this_thread::yield();
        } else {
          for (uint64_t i = rng() % 200; i > 0; --i) spin.fetch_add(1, std::memory_order_relaxed);
        }

        if (!s.WaitCommitTurn(*job)) {
          violation(name + ": WaitCommitTurn refused without an abort");
          break;
        }
        if (s.committed_through() != job->seq - 1) violation(name + ": commit turn out of order");
        {
          std::lock_guard lock(mu);
          commit_order.push_back(job->seq);
        }
        for (uint64_t k : keys) in_use[k].fetch_sub(1);
        running.fetch_sub(1);
        if (job->barrier) barrier_running.store(false);
        s.Committed(job);
      }
    });
  }

  // Producer, with the reference model of dependencies.
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  std::vector<uint64_t> last_holder(key_space, 0);  // 1 + seq of the last job holding the key
  uint64_t last_barrier = 0;                        // 1 + seq of the last barrier
  for (uint64_t i = 0; i < kJobs; ++i) {
    auto job = std::make_unique<TestJob>();
    const uint64_t seq = first_seq + i;
    job->index = i;
    job->bytes = rng() % 1000;
    job->barrier = rng() % 200 == 0;
    const uint64_t n_keys = rng() % 5;  // 0..4, duplicates possible
    for (uint64_t k = 0; k < n_keys; ++k) job->keys.push_back(rng() % key_space);
    if (job->barrier) {
      job->expected_dep = seq;
      last_barrier = seq + 1;
    } else {
      job->expected_dep = last_barrier;
      for (uint64_t k : job->keys) {
        if (last_holder[k] != seq + 1)
          job->expected_dep = std::max(job->expected_dep, last_holder[k]);
        last_holder[k] = seq + 1;
      }
    }
    if (!s.Submit(std::move(job))) {
      violation("Submit refused without an abort");
      break;
    }
  }
  s.Close();

  const absl::Status status = s.Drain();
  for (auto& t : workers) t.join();
  watchdog.Done();
  EXPECT_TRUE(status.ok()) << status;

  for (const std::string& v : violations) ADD_FAILURE() << v;
  ASSERT_EQ(commit_order.size(), kJobs);
  for (uint64_t i = 0; i < kJobs; ++i) {
    ASSERT_EQ(commit_order[i], first_seq + i) << "commit order differs from seq order at " << i;
  }
  EXPECT_EQ(s.committed_through(), first_seq + kJobs - 1);
  EXPECT_EQ(s.queued_jobs(), 0u);
  EXPECT_EQ(s.queued_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SchedulerRandomTest, testing::Range(0, 24));

}  // namespace
}  // namespace binsync::replicate
