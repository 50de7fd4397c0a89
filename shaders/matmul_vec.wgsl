// y = x W^T (+ b) for a few rows (n < 16: a keystroke's new rows), one
// workgroup per output (row, col): its 64 threads stride along k, so
// neighbouring threads read neighbouring weights, and a tree reduction sums
// them. matmul_rows.wgsl gives each output one thread that walks k alone: at
// n = 1 a layer's matmuls then run on a few hundred threads, each a serial
// chain of k loads (on an H100, about 1 ms a layer: a keystroke's whole GPU
// time). Hardware adapters only: the reduction needs workgroup barriers.
struct P { n: u32, k: u32, m: u32, has_bias: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [n, k]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // [m, k] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read> b: array<f32>;            // [m] (a dummy without bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;      // [n, m]

const WG = 64u;
var<workgroup> red: array<f32, 64>;  // [WG] partial sums

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wg.x + wg.y * nwg.x;  // the output: row * m + col
  if (o >= p.n * p.m) { return; }  // uniform per workgroup
  let row = o / p.m;
  let col = o % p.m;
  let tid = lid.x;
  var acc = 0.0;
  for (var kk = tid; kk < p.k; kk = kk + WG) { acc = acc + x[row * p.k + kk] * wload(col * p.k + kk, p.wt); }
  red[tid] = acc;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st = st / 2u) {
    if (tid < st) { red[tid] = red[tid] + red[tid + st]; }
    workgroupBarrier();
  }
  if (tid == 0u) {
    var v = red[0];
    if (p.has_bias != 0u) { v = v + b[col]; }
    y[o] = v;
  }
}
