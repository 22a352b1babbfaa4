// Parallel-apply scheduler overhead: one producer pushes jobs of 4 keys through
// Submit -> Acquire -> WaitCommitTurn -> Committed with W workers that apply nothing, so the
// figure is the scheduler's own ceiling (lock, heaps, key table, wake-ups, and the job's
// allocation by the producer). Keys are disjoint, or 10% of them come from a hot set of 16
// keys, which makes about a third of the jobs conflict with a recent one.
// With apply_us:100 each job sleeps 100 us between Acquire and WaitCommitTurn (a target
// round trip, which waits rather than computes): there the figure shows how much
// parallelism the scheduler lets through.
//   build/bench/scheduler_bench [--benchmark_filter=...]
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/replicate/scheduler.h"

namespace binsync::replicate {
namespace {

constexpr int kJobsPerIteration = 20'000;
constexpr int kKeysPerJob = 4;
constexpr uint64_t kHotKeys = 16;

// xorshift64*: cheap enough not to show in the producer's cost.
uint64_t NextRandom(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

// Runs `jobs` jobs through a fresh scheduler with `n_workers` workers, each of which waits
// `apply` per job before its commit turn.
void RunPipeline(benchmark::State& state, int n_workers, uint64_t conflict_pct, int jobs,
                 std::chrono::microseconds apply, uint64_t& rng, uint64_t& next_unique) {
  Scheduler scheduler({});
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(n_workers));
  for (int w = 0; w < n_workers; ++w) {
    workers.emplace_back([&scheduler, apply] {
      while (Job* job = scheduler.Acquire()) {
        if (apply.count() > 0) std::this_thread::sleep_for(apply);
        if (!scheduler.WaitCommitTurn(*job)) return;
        scheduler.Committed(job);
      }
    });
  }
  for (int i = 0; i < jobs; ++i) {
    auto job = std::make_unique<Job>();
    job->keys.resize(kKeysPerJob);
    for (uint64_t& key : job->keys) {
      key = NextRandom(rng) % 100 < conflict_pct ? NextRandom(rng) % kHotKeys : next_unique++;
    }
    job->bytes = 200;
    if (!scheduler.Submit(std::move(job))) break;
  }
  scheduler.Close();
  if (absl::Status status = scheduler.Drain(); !status.ok()) {
    state.SkipWithError("scheduler aborted");
  }
  for (std::thread& t : workers) t.join();
}

// Args: workers, conflict_pct, apply_us.
void BM_Scheduler(benchmark::State& state) {
  const auto apply = std::chrono::microseconds(state.range(2));
  const int jobs = apply.count() > 0 ? kJobsPerIteration / 10 : kJobsPerIteration;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;
  uint64_t next_unique = kHotKeys;
  for (auto _ : state) {
    RunPipeline(state, static_cast<int>(state.range(0)), static_cast<uint64_t>(state.range(1)),
                jobs, apply, rng, next_unique);
  }
  state.SetItemsProcessed(state.iterations() * jobs);
}
BENCHMARK(BM_Scheduler)
    ->ArgNames({"workers", "conflict_pct", "apply_us"})
    ->ArgsProduct({{1, 2, 4}, {0, 10}, {0, 100}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace binsync::replicate

BENCHMARK_MAIN();
