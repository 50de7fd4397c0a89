// Worker threads for the CPU backend's large products. One process-wide pool:
// parallel_for() cuts [0, n) into one contiguous range per thread, runs the
// first range on the calling thread and waits for the rest, so a caller sees
// a plain blocking call. Each range is computed exactly as it would be on one
// thread, so results do not depend on the thread count.
//
// Threads exist natively and in the threaded browser build (wasm-mt preset:
// -pthread, served cross-origin isolated). The plain wasm build has none, and
// set_threads() keeps it at 1.
#pragma once
#include <cstdint>
#include <functional>

namespace ss {

// How many threads parallel_for uses (the caller's included). Starts at 1.
int threads();
// Asks for n threads (clamped to [1, max_threads()]); returns what was set.
int set_threads(int n);
// The most this build can run: 1 without thread support, 4 in the threaded
// wasm build (its pool of Web Workers), else 8.
int max_threads();
// A sensible default for an interactive app: the machine's cores, at most 4.
int default_threads();

// fn(begin, end) over [0, n) cut into at most threads() ranges whose bounds
// are multiples of `grain` (except n itself). Not reentrant: a call from inside
// fn runs serially.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace ss
