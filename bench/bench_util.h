// Small helpers the benchmarks share: a clock, medians, a sink the optimiser
// cannot see through, and which build is running.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <time.h>
#endif

namespace ss::bench {

#if defined(__EMSCRIPTEN__)
// node: the process's user CPU time (the benchmarks run under node).
EM_JS(double, ss_bench_cpu_ms, (), { return process.cpuUsage().user / 1000; });
#endif

// CPU time of this thread, not wall time: the build machine is shared (load
// averages of 10+ on 2 cores while others compile), and time spent
// descheduled would otherwise dominate. Resolution: 1 us natively, 1 us in node.
inline double now_ms() {
#if defined(__EMSCRIPTEN__)
  return ss_bench_cpu_ms();
#else
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
#endif
}
inline double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Makes a value look used / unknown to the optimiser.
template <class T>
inline void keep(const T& v) {
  asm volatile("" : : "r"(&v) : "memory");
}
inline void opaque(int64_t& v) { asm volatile("" : "+r"(v)); }

inline const char* platform() {
#if defined(__EMSCRIPTEN__)
  return "wasm";
#else
  return "native";
#endif
}

}  // namespace ss::bench
