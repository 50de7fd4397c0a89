// Rotary embedding in place on q or k [n, heads*dh], rotate_half convention
// (HF Llama, NeoX): the first rotary_dim dims of each head rotate, pairs
// (r, r + half). cos/sin come from the CPU (computed exactly as the CPU
// engine does), so GPU trigonometry on large angles cannot drift.
struct P { n: u32, heads: u32, dh: u32, half: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> cosv: array<f32>;         // [n, half]
@group(0) @binding(2) var<storage, read> sinv: array<f32>;         // [n, half]
@group(0) @binding(3) var<storage, read_write> x: array<f32>;      // [n, heads*dh]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n * p.heads * p.half) { return; }
  let r = t % p.half;
  let h = (t / p.half) % p.heads;
  let i = t / (p.half * p.heads);
  let base = (i * p.heads + h) * p.dh;
  let x1 = x[base + r];
  let x2 = x[base + r + p.half];
  let c = cosv[i * p.half + r];
  let s = sinv[i * p.half + r];
  x[base + r] = x1 * c - x2 * s;
  x[base + r + p.half] = x2 * c + x1 * s;
}
