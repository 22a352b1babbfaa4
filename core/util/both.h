// Both(fa, fb): two calls at once, fa on the calling thread and fb on one helper thread
// kept for the whole process (verify reads its two servers this way, statement after
// statement; a thread per call cost more than the short statements it ran).
#ifndef BINSYNC_CORE_UTIL_BOTH_H_
#define BINSYNC_CORE_UTIL_BOTH_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

namespace binsync {

// The thread that runs the second half of every Both(): one for the process, started on
// first use, joined at exit.
class BothHelper {
 public:
  static BothHelper& Get() {
    static BothHelper helper;
    return helper;
  }
  bool OnHelperThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  void Post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  ~BothHelper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  BothHelper() : thread_([this] { Loop(); }) {}
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

// Runs fa on this thread and fb on the helper thread; returns both results. Called from
// the helper thread itself (nested), runs fa then fb.
template <typename FA, typename FB>
auto Both(FA&& fa, FB&& fb) {
  using B = decltype(fb());
  BothHelper& helper = BothHelper::Get();
  if (helper.OnHelperThread()) {  // nested: no second helper, run in turn
    auto a = fa();
    return std::make_pair(std::move(a), fb());
  }
  std::packaged_task<B()> task(std::forward<FB>(fb));
  std::future<B> b = task.get_future();
  helper.Post([&task] { task(); });
  struct WaitForB {  // `task` lives on this stack: never leave before it ran
    std::future<B>& f;
    ~WaitForB() {
      if (f.valid()) f.wait();
    }
  } wait_for_b{b};
  auto a = fa();
  return std::make_pair(std::move(a), b.get());
}

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_BOTH_H_
