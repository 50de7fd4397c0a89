#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define SS_HAVE_THREADS 1
#endif

namespace ss {

#if SS_HAVE_THREADS
namespace {

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Workers wait on a generation counter. They spin briefly before sleeping:
// a forward pass calls parallel_for dozens of times in a row, and waking a
// sleeping thread costs tens of microseconds (more in a Web Worker), which
// would eat a one-token pass's whole gain.
class Pool {
 public:
  ~Pool() { resize(1); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n) {
    if (n == size()) return;
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // The generation a worker starts from is read here, not in the new
    // thread: a run() may bump it before that thread first looks.
    const uint64_t g = gen_.load();
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, g] { loop(i, g); });
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    const int parts = size();
    fn_ = &fn;
    n_ = n;
    grain_ = grain;
    parts_ = parts;
    pending_.store(parts - 1);
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    part(0);
    while (pending_.load() != 0) relax();
    fn_ = nullptr;
  }

 private:
  void part(int i) {
    // Range i of parts_, bounds rounded to grain.
    const int64_t units = (n_ + grain_ - 1) / grain_;
    const int64_t b = std::min(n_, units * i / parts_ * grain_);
    const int64_t e = std::min(n_, units * (i + 1) / parts_ * grain_);
    if (b < e) (*fn_)(b, e);
  }

  void loop(int i, uint64_t seen) {
    for (;;) {
      // Spin for a while before sleeping: within one forward pass the next
      // call comes within microseconds, and a sleeping Web Worker takes far
      // longer than that to wake (a one-token pass gained nothing from a
      // second thread when workers slept between calls).
      const auto idle_since = std::chrono::steady_clock::now();
      for (int spin = 1; gen_.load() == seen; ++spin) {
        relax();
        if (spin % 256 == 0 && std::chrono::steady_clock::now() - idle_since > std::chrono::milliseconds(3)) break;
      }
      if (gen_.load() == seen) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load() != seen; });
      }
      seen = gen_.load();
      if (stop_) return;
      part(i);
      pending_.fetch_sub(1);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, grain_ = 1;
  int parts_ = 1;
};

Pool& pool() {
  static Pool p;
  return p;
}
std::mutex g_run;                  // one parallel_for at a time
thread_local bool t_inside = false;  // nested calls run serially

}  // namespace

int threads() { return pool().size(); }
#if defined(__EMSCRIPTEN__)
// A thread beyond the Web Workers made at start-up (-sPTHREAD_POOL_SIZE=3 in
// cmake/wasm.cmake) would wait for the page's event loop, which the blocked
// main thread never returns to.
int max_threads() { return 4; }
#else
int max_threads() { return 8; }
#endif
int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::clamp(static_cast<int>(hw ? hw : 1), 1, 4);
}
int set_threads(int n) {
  std::lock_guard<std::mutex> lk(g_run);
  pool().resize(std::clamp(n, 1, max_threads()));
  return pool().size();
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (t_inside || n <= grain) return fn(0, n);
  std::unique_lock<std::mutex> lk(g_run, std::try_to_lock);
  if (!lk.owns_lock() || pool().size() == 1) return fn(0, n);  // busy (another thread's call): serial
  t_inside = true;
  pool().run(n, grain, fn);
  t_inside = false;
}

#else  // no threads in this build

int threads() { return 1; }
int max_threads() { return 1; }
int default_threads() { return 1; }
int set_threads(int) { return 1; }
void parallel_for(int64_t n, int64_t, const std::function<void(int64_t, int64_t)>& fn) {
  if (n > 0) fn(0, n);
}

#endif

}  // namespace ss
