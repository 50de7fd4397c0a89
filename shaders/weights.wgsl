// Not a kernel: the prelude gpu.cpp puts before every kernel that reads a
// weight matrix `w` (matmul, matmul_rows, matmul_blocked, embed, head_out).
// Weights are bound as u32 words: float32 as they are (wt 0), or two 16-bit
// values per word as the CPU keeps them (wt 1: IEEE half, wt 2: bfloat16;
// element i in the low half of word i / 2 when i is even), so a 16-bit
// checkpoint takes half the GPU memory and half the bandwidth. Widening is
// exact; every product is still float32.
fn wload(i: u32, wt: u32) -> f32 {
  if (wt == 0u) { return bitcast<f32>(w[i]); }
  let pair = w[i >> 1u];
  let odd = (i & 1u) == 1u;
  if (wt == 1u) {
    let v = unpack2x16float(pair);
    return select(v.x, v.y, odd);
  }
  return bitcast<f32>(select(pair << 16u, pair & 0xffff0000u, odd));
}
