// z[i, h, :] = sum_j A[h, i, j] v[j, g(h), :]: the heads' outputs before W_O,
// for the n query rows at positions q0 + i over the nk cached values.
// zero_mask bit h set = the ZeroHead intervention on head h (z := 0).
// One thread per output element; the sum stops at the diagonal (A is 0 above it).
struct P { n: u32, heads: u32, kv_heads: u32, dh: u32, zero_mask: u32, nk: u32, q0: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;            // [H, n, nk]
@group(0) @binding(2) var<storage, read> v: array<f32>;            // [nk, Hkv*dh]
@group(0) @binding(3) var<storage, read_write> z: array<f32>;      // [n, H*dh]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n * p.heads * p.dh) { return; }
  let e = t % p.dh;
  let h = (t / p.dh) % p.heads;
  let i = t / (p.dh * p.heads);
  if ((p.zero_mask & (1u << h)) != 0u) {
    z[t] = 0.0;
    return;
  }
  let g = h / (p.heads / p.kv_heads);
  let ab = (h * p.n + i) * p.nk;
  var acc = 0.0;
  for (var j = 0u; j <= p.q0 + i; j = j + 1u) { acc = acc + a[ab + j] * v[(j * p.kv_heads + g) * p.dh + e]; }
  z[t] = acc;
}
