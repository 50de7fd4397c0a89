// Gated attention (config attention_gate "sigmoid_headwise"): z [n, H*dh] *=
// sigmoid(g), g = ln1 W_g^T [n, H*dh] (the layer's normalised input through
// the gate projection, a matmul before this), elementwise: each head's output
// scaled by its own gate. One thread per element.
struct P { count: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;            // [n, H*dh]
@group(0) @binding(2) var<storage, read_write> z: array<f32>;      // [n, H*dh]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.count) { return; }
  z[t] = z[t] / (1.0 + exp(-g[t]));
}
