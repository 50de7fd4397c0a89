// The MLP's nonlinearity: post = act(pre) (* up for gated MLPs: SwiGLU).
// act: 0 gelu_new (tanh approximation, GPT-2), 1 gelu (erf), 2 silu, 3 relu.
// WGSL has no erf: erf_approx below (|error| < 1.2e-7, Numerical Recipes' erfc).
struct P { count: u32, act: u32, gated: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> pre: array<f32>;          // [n, dm]
@group(0) @binding(2) var<storage, read> up: array<f32>;           // [n, dm] (a dummy when not gated)
@group(0) @binding(3) var<storage, read_write> post: array<f32>;   // [n, dm]

fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
          t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
          t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}

fn tanh_safe(x: f32) -> f32 {
  // tanh(x) = 1 - 2 / (exp(2x) + 1), clamped so exp cannot overflow.
  let c = clamp(x, -15.0, 15.0);
  return 1.0 - 2.0 / (exp(2.0 * c) + 1.0);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.count) { return; }
  let v = pre[t];
  var r = 0.0;
  if (p.act == 0u) {
    r = 0.5 * v * (1.0 + tanh_safe(0.7978845608028654 * (v + 0.044715 * v * v * v)));
  } else if (p.act == 1u) {
    r = 0.5 * v * (1.0 + erf_approx(v * 0.70710678118654752));
  } else if (p.act == 2u) {
    r = v / (1.0 + exp(-v));
  } else {
    r = max(v, 0.0);
  }
  if (p.gated != 0u) { r = r * up[t]; }
  post[t] = r;
}
