// Each head's write into the residual stream, z_h W_O^h (no bias): the
// head_out tap [H, n, d] where a tag lives. Only run when a panel wants it.
struct P { n: u32, heads: u32, dh: u32, d: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> z: array<f32>;            // [n, H*dh]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // W_O [d, H*dh] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read_write> o: array<f32>;      // [H, n, d]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.heads * p.n * p.d) { return; }
  let j = t % p.d;
  let i = (t / p.d) % p.n;
  let h = t / (p.d * p.n);
  let hd = p.heads * p.dh;
  var acc = 0.0;
  for (var e = 0u; e < p.dh; e = e + 1u) { acc = acc + z[i * hd + h * p.dh + e] * wload(j * hd + h * p.dh + e, p.wt); }
  o[t] = acc;
}
