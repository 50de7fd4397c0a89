// y = x W^T (+ b): the projections and the LM head. W is stored as
// nn.Linear does, [m, k] row-major, so x and W are both read along k. A
// 16x16 workgroup computes a 16x16 output tile; each step stages a 16x16 tile
// of x and of W in workgroup memory, so every element read from storage
// serves 16 products.
struct P { n: u32, k: u32, m: u32, has_bias: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [n, k]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // [m, k] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read> b: array<f32>;            // [m] (a dummy without bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;      // [n, m]

const TS = 16u;
var<workgroup> xs: array<array<f32, 17>, 16>;  // [row][kk] (+1 column against bank conflicts)
var<workgroup> ws: array<array<f32, 17>, 16>;  // [col][kk]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wg.y * TS + lid.y;
  let col = wg.x * TS + lid.x;
  let wrow = wg.x * TS + lid.y;  // the W row this thread stages
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 = k0 + TS) {
    let kk = k0 + lid.x;
    var xv = 0.0;
    if (row < p.n && kk < p.k) { xv = x[row * p.k + kk]; }
    xs[lid.y][lid.x] = xv;
    var wv = 0.0;
    if (wrow < p.m && kk < p.k) { wv = wload(wrow * p.k + kk, p.wt); }
    ws[lid.y][lid.x] = wv;
    workgroupBarrier();
    for (var t = 0u; t < TS; t = t + 1u) { acc = acc + xs[lid.y][t] * ws[lid.x][t]; }
    workgroupBarrier();
  }
  if (row < p.n && col < p.m) {
    if (p.has_bias != 0u) { acc = acc + b[col]; }
    y[row * p.m + col] = acc;
  }
}
