// Scaled, causally masked attention scores S[h, i, j] = q_i . k_j / sqrt(dh)
// for the n query rows i at positions q0 + i against the nk keys j (the KV
// cache: every row so far), -inf where j > q0 + i (the attn_scores tap, as the
// CPU engine writes it). A full pass has q0 = 0 and nk = n; a keystroke's
// incremental pass n = 1, q0 = nk - 1. GQA: query head h reads kv head
// h / (H / Hkv). One thread per score.
struct P { n: u32, heads: u32, kv_heads: u32, dh: u32, scale: f32, nk: u32, q0: u32 }
@group(0) @binding(0) var<uniform> p: P;
// -inf as a runtime value: WGSL refuses an infinite constant expression.
var<private> neg_inf_bits: u32 = 0xff800000u;
@group(0) @binding(1) var<storage, read> q: array<f32>;            // [n, H*dh]
@group(0) @binding(2) var<storage, read> k: array<f32>;            // [nk, Hkv*dh]
@group(0) @binding(3) var<storage, read_write> s: array<f32>;      // [H, n, nk]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  let nk = p.nk;
  if (t >= p.heads * p.n * nk) { return; }
  let j = t % nk;
  let i = (t / nk) % p.n;
  let h = t / (p.n * nk);
  if (j > p.q0 + i) {
    s[t] = bitcast<f32>(neg_inf_bits);  // -inf
    return;
  }
  let g = h / (p.heads / p.kv_heads);
  let qb = (i * p.heads + h) * p.dh;
  let kb = (j * p.kv_heads + g) * p.dh;
  var acc = 0.0;
  for (var e = 0u; e < p.dh; e = e + 1u) { acc = acc + q[qb + e] * k[kb + e]; }
  s[t] = acc * p.scale;
}
