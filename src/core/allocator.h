// The C library's allocator, set for a program that allocates the same large
// buffers (the taps) on every forward pass.
#pragma once

namespace ss {

// glibc serves each allocation over its mmap threshold (128 KB at start) with
// a fresh mmap and gives it back on free, and trims the heap's top past its
// trim threshold: every pass then page-faults and zeroes its taps again (a
// demo-lm pass at T = 128 with every tap took 3x the logits-only one natively,
// 1.1x once the memory stays). This keeps freed memory for reuse: blocks up
// to 32 MB (glibc's cap) come from the heap, and the heap is not trimmed.
// Once per process; elsewhere (wasm's dlmalloc never unmaps) it does nothing.
void keep_freed_memory();

}  // namespace ss
