// Residual add y = a + b (separate buffers: WebGPU forbids binding one buffer
// as both read and read_write in a dispatch).
struct P { count: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;            // [count]
@group(0) @binding(2) var<storage, read> b: array<f32>;            // [count]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;      // [count]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.count) { return; }
  y[t] = a[t] + b[t];
}
