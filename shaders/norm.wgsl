// LayerNorm / RMSNorm of each row, one workgroup per row (tree reductions in
// workgroup memory). kind: 0 LayerNorm (w, optional b), 1 RMSNorm (w), 2 copy
// (averaging models have no norms).
struct P { n: u32, d: u32, kind: u32, has_bias: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [n, d]
@group(0) @binding(2) var<storage, read> w: array<f32>;            // [d]
@group(0) @binding(3) var<storage, read> b: array<f32>;            // [d] (a dummy without bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;      // [n, d]

const WG = 256u;
var<workgroup> red: array<f32, 256>;  // [WG] partial sums

fn reduce_sum(tid: u32, v: f32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] = red[tid] + red[tid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();  // red is reused by the next reduction
  return r;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let base = wg.x * p.d;
  let tid = lid.x;
  if (p.kind == 2u) {
    for (var j = tid; j < p.d; j = j + WG) { y[base + j] = x[base + j]; }
    return;
  }
  let fd = f32(p.d);
  if (p.kind == 0u) {
    var s = 0.0;
    for (var j = tid; j < p.d; j = j + WG) { s = s + x[base + j]; }
    let mean = reduce_sum(tid, s) / fd;
    var v = 0.0;
    for (var j = tid; j < p.d; j = j + WG) { let c = x[base + j] - mean; v = v + c * c; }
    let inv = 1.0 / sqrt(reduce_sum(tid, v) / fd + p.eps);
    for (var j = tid; j < p.d; j = j + WG) {
      var o = (x[base + j] - mean) * inv * w[j];
      if (p.has_bias != 0u) { o = o + b[j]; }
      y[base + j] = o;
    }
  } else {
    var s = 0.0;
    for (var j = tid; j < p.d; j = j + WG) { let c = x[base + j]; s = s + c * c; }
    let inv = 1.0 / sqrt(reduce_sum(tid, s) / fd + p.eps);
    for (var j = tid; j < p.d; j = j + WG) { y[base + j] = w[j] * (x[base + j] * inv); }
  }
}
