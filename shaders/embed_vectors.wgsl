// Averaging models embed input vectors: x[i, :] = inputs[i, :] @ tok_emb (rows of input_width columns)
// (+ pos_emb[i, :]). tok_emb is [din1, d] here (not an nn.Linear layout), so
// this is its own small kernel rather than the matmul. One thread per element.
struct P { n: u32, d: u32, din1: u32, learned_pos: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> inputs: array<f32>;       // [n, din1]
@group(0) @binding(2) var<storage, read> tok_emb: array<f32>;      // [din1, d]
@group(0) @binding(3) var<storage, read> pos_emb: array<f32>;      // [P, d] (a dummy when not learned)
@group(0) @binding(4) var<storage, read_write> x: array<f32>;      // [n, d]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n * p.d) { return; }
  let i = t / p.d;
  let j = t % p.d;
  var v = 0.0;
  for (var k = 0u; k < p.din1; k = k + 1u) {
    let a = inputs[i * p.din1 + k];
    if (a != 0.0) { v = v + a * tok_emb[k * p.d + j]; }  // the CPU engine skips zeros too
  }
  if (p.learned_pos != 0u) { v = v + pos_emb[i * p.d + j]; }
  x[t] = v;
}
