// Embedding gather: x[i, :] = tok_emb[ids[i], :] (+ pos_emb[pos0 + i, :] for
// learned positions, GPT-2). One thread per output element.
struct P { n: u32, d: u32, learned_pos: u32, pos0: u32, wt: u32 }  // wt: weights.wgsl
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> ids: array<i32>;          // [n]
@group(0) @binding(2) var<storage, read> w: array<u32>;            // tok_emb [V, d] as weights.wgsl reads it
@group(0) @binding(3) var<storage, read> pos_emb: array<f32>;      // [P, d] (a dummy when not learned)
@group(0) @binding(4) var<storage, read_write> x: array<f32>;      // [n, d]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n * p.d) { return; }
  let i = t / p.d;
  let j = t % p.d;
  var v = wload(u32(ids[i]) * p.d + j, p.wt);
  if (p.learned_pos != 0u) { v = v + pos_emb[(p.pos0 + i) * p.d + j]; }
  x[t] = v;
}
