// y = x W^T (+ b), W [m, k] as nn.Linear stores it: the register-blocked
// tiling GPUs want. A 16x16 workgroup computes a 64x64 output tile, each
// thread a 4x4 block of it; each step stages 16 k-columns of x's 64 rows and
// W's 64 rows in workgroup memory (transposed, so the inner loop reads 4
// consecutive floats of each), and every staged float serves 64 products
// (the 16x16 tiled matmul.wgsl: 16). Products are summed in ascending k, as
// in matmul.wgsl and matmul_rows.wgsl.
struct P { n: u32, k: u32, m: u32, has_bias: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [n, k]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // [m, k] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read> b: array<f32>;            // [m] (a dummy without bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;      // [n, m]

const BT = 64u;  // output tile (rows and columns)
const KT = 16u;  // k-columns staged per step
var<workgroup> xs: array<array<f32, 64>, 16>;  // [kk][row]
var<workgroup> ws: array<array<f32, 64>, 16>;  // [kk][col]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tid = lid.y * 16u + lid.x;
  let row0 = wg.y * BT;
  let col0 = wg.x * BT;
  var acc: array<array<f32, 4>, 4>;  // [r][c] = y[row0 + 4 ty + r, col0 + 4 tx + c]
  for (var r = 0u; r < 4u; r = r + 1u) {
    for (var c = 0u; c < 4u; c = c + 1u) { acc[r][c] = 0.0; }
  }
  for (var k0 = 0u; k0 < p.k; k0 = k0 + KT) {
    // 64 x 16 floats of each operand, 4 per thread, read along k.
    for (var i = 0u; i < 4u; i = i + 1u) {
      let idx = tid + 256u * i;
      let rr = idx / KT;
      let kk = idx % KT;
      let gk = k0 + kk;
      var xv = 0.0;
      if (row0 + rr < p.n && gk < p.k) { xv = x[(row0 + rr) * p.k + gk]; }
      xs[kk][rr] = xv;
      var wv = 0.0;
      if (col0 + rr < p.m && gk < p.k) { wv = wload((col0 + rr) * p.k + gk, p.wt); }
      ws[kk][rr] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk = kk + 1u) {
      var a: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var r = 0u; r < 4u; r = r + 1u) { a[r] = xs[kk][lid.y * 4u + r]; }
      for (var c = 0u; c < 4u; c = c + 1u) { bv[c] = ws[kk][lid.x * 4u + c]; }
      for (var r = 0u; r < 4u; r = r + 1u) {
        for (var c = 0u; c < 4u; c = c + 1u) { acc[r][c] = acc[r][c] + a[r] * bv[c]; }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r = r + 1u) {
    let row = row0 + lid.y * 4u + r;
    if (row >= p.n) { continue; }
    for (var c = 0u; c < 4u; c = c + 1u) {
      let col = col0 + lid.x * 4u + c;
      if (col >= p.m) { continue; }
      var v = acc[r][c];
      if (p.has_bias != 0u) { v = v + b[col]; }
      y[row * p.m + col] = v;
    }
  }
}
