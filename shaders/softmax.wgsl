// Row softmax of the causal scores into the attention pattern (the
// attn_pattern tap): one workgroup per (head, query) row, max and sum by tree
// reduction; entries above the diagonal are exactly 0. Rows are n keys long;
// the rows of each head are nq queries at positions q0 .. q0 + nq - 1 (a full
// pass: nq = n, q0 = 0; an incremental one: the new rows only). With
// has_sink, the head's learned sink logit (attention_sink_logit) joins the
// denominator as one more score that no key receives: the row then sums to
// less than 1, the rest is attention "to the sink slot". Each row's
// log-sum-exp (the sink included) goes to lse, laid out [nq, H] as the
// attn_lse tap: pattern = exp(score - lse), so a pattern that is not read
// back can be recomputed from q, k and lse (analysis/pattern.h).
struct P { rows: u32, n: u32, nq: u32, q0: u32, has_sink: u32 }
@group(0) @binding(0) var<uniform> p: P;
// -inf as a runtime value: WGSL refuses an infinite constant expression.
var<private> neg_inf_bits: u32 = 0xff800000u;
@group(0) @binding(1) var<storage, read> s: array<f32>;            // [H*nq, n]
@group(0) @binding(2) var<storage, read_write> a: array<f32>;      // [H*nq, n]
@group(0) @binding(3) var<storage, read> sinks: array<f32>;        // [H] (a dummy without has_sink)
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;    // [nq, H]

const WG = 64u;
var<workgroup> red: array<f32, 64>;  // [WG]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wg.x + wg.y * 65535u;
  if (row >= p.rows) { return; }  // uniform per workgroup
  let tid = lid.x;
  let i = p.q0 + row % p.nq;      // this query sees keys 0..i
  let base = row * p.n;
  var mx = bitcast<f32>(neg_inf_bits);
  var sink = 0.0;
  if (p.has_sink != 0u) {
    sink = sinks[row / p.nq];
    mx = sink;
  }
  for (var j = tid; j <= i; j = j + WG) { mx = max(mx, s[base + j]); }
  red[tid] = mx;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st = st / 2u) {
    if (tid < st) { red[tid] = max(red[tid], red[tid + st]); }
    workgroupBarrier();
  }
  mx = red[0];
  workgroupBarrier();
  var sum = 0.0;
  if (p.has_sink != 0u && tid == 0u) { sum = exp(sink - mx); }
  for (var j = tid; j <= i; j = j + WG) {
    let e = exp(s[base + j] - mx);
    a[base + j] = e;
    sum = sum + e;
  }
  red[tid] = sum;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st = st / 2u) {
    if (tid < st) { red[tid] = red[tid] + red[tid + st]; }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  if (tid == 0u) { lse[(row % p.nq) * (p.rows / p.nq) + row / p.nq] = mx + log(red[0]); }
  for (var j = tid; j < p.n; j = j + WG) {
    if (j <= i) { a[base + j] = a[base + j] * inv; } else { a[base + j] = 0.0; }
  }
}
