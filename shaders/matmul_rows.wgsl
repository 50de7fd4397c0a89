// y = x W^T (+ b) with one thread per output and no workgroup memory: the
// matmul for software adapters (SwiftShader, Chromium's fallback adapter),
// where workgroup barriers are emulated and the tiled kernel (matmul.wgsl)
// measured 7x slower (20 x 384 x 1024: 1126 ms tiled, 154 ms here).
struct P { n: u32, k: u32, m: u32, has_bias: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [n, k]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // [m, k] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read> b: array<f32>;            // [m] (a dummy without bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;      // [n, m]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n * p.m) { return; }
  let row = t / p.m;
  let col = t % p.m;
  var acc = 0.0;
  for (var kk = 0u; kk < p.k; kk = kk + 1u) { acc = acc + x[row * p.k + kk] * wload(col * p.k + kk, p.wt); }
  if (p.has_bias != 0u) { acc = acc + b[col]; }
  y[t] = acc;
}
