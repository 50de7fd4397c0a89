// Kernel timings on the adapter navigator.gpu gives (bench/gpu/run.mjs): the
// matmul kernels the WebGPU backend picks from (shaders/matmul.wgsl 16x16
// tiles, matmul_blocked.wgsl 64x64 tiles of 4x4 blocks, matmul_rows.wgsl one
// thread per output, and at one row matmul_vec.wgsl, one workgroup per
// output: the same files the module embeds; which one runs
// when is matmul_kernel() in src/backends/webgpu/gpu.h) at the shapes of
// demo-lm and of a GPT-2-small-shaped model, and at one row (a keystroke),
// against the adapter's own measured f32 peak (bench/gpu/peak_fma.wgsl). Wall time of R dispatches recorded in one pass,
// submitted once, until queue.onSubmittedWorkDone(): per-dispatch overhead is
// then spread over R.
import fs from 'node:fs';
import path from 'node:path';

async function device() {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  const lim = adapter.limits;
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
                                                   maxBufferSize: lim.maxBufferSize } });
}

function storage(dev, floats, fill) {
  const b = dev.createBuffer({ size: Math.max(16, floats * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  if (fill) {
    const a = new Float32Array(floats);
    for (let i = 0; i < floats; ++i) a[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    dev.queue.writeBuffer(b, 0, a);
  }
  return b;
}

function uniform(dev, words) {  // sized to the words (the matmuls' P is 5 words since weights.wgsl's wt)
  const b = dev.createBuffer({ size: Math.max(16, Math.ceil(words.byteLength / 16) * 16),
                               usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  dev.queue.writeBuffer(b, 0, words);
  return b;
}

// Runs `record(pass)` R times in one compute pass; ms per repetition.
async function timeDispatches(dev, pipe, group, wg, R) {
  const run = async (reps) => {
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, group);
    for (let i = 0; i < reps; ++i) pass.dispatchWorkgroups(wg[0], wg[1], 1);
    pass.end();
    const t0 = performance.now();
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
  await run(2);  // compile and warm
  const ms = [];
  for (let i = 0; i < 5; ++i) ms.push((await run(R)) / R);
  ms.sort((a, b) => a - b);
  return ms[2];
}

async function peak(dev, log) {
  const code = fs.readFileSync(new URL('./peak_fma.wgsl', import.meta.url), 'utf8');
  const pipe = dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' } });
  const iters = 4096, wgx = 2048, wgy = 2, threads = wgx * wgy * 256;
  const out = storage(dev, threads);
  const u = new ArrayBuffer(16);
  new Uint32Array(u, 0, 1)[0] = iters;
  new Float32Array(u, 4, 1)[0] = 0.5;
  const group = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: uniform(dev, u) } }, { binding: 1, resource: { buffer: out } }] });
  const ms = await timeDispatches(dev, pipe, group, [wgx, wgy], 10);
  const gflops = (threads * iters * 64) / (ms * 1e6);
  log(`f32 FMA peak: ${gflops.toFixed(0)} GFLOP/s (${ms.toFixed(3)} ms for ${threads} threads x ${iters} steps)`);
  return { gflops, ms };
}

// Workgroups of each kernel for y [n, m] (as gpu.cpp dispatches them).
function groups(kernel, n, m) {
  if (kernel === 'matmul_vec') {  // one workgroup per output
    const gx = Math.min(n * m, 65535);
    return [gx, Math.ceil((n * m) / gx)];
  }
  if (kernel === 'matmul_rows') {
    const g = Math.ceil((n * m) / 256), gx = Math.min(g, 65535);
    return [gx, Math.ceil(g / gx)];
  }
  const tile = kernel === 'matmul_blocked' ? 64 : 16;
  return [Math.ceil(m / tile), Math.ceil(n / tile)];
}

async function matmul(dev, root, kernel, n, k, m) {
  // As src/backends/webgpu/gpu.cpp builds it: shaders/weights.wgsl (wload) first; float32 weights (wt 0).
  const code = fs.readFileSync(path.join(root, 'shaders', 'weights.wgsl'), 'utf8') +
               fs.readFileSync(path.join(root, 'shaders', `${kernel}.wgsl`), 'utf8');
  // A dispatch the device refuses times nothing: its validation error fails the row.
  dev.pushErrorScope('validation');
  const pipe = dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' } });
  const u = new Uint32Array([n, k, m, 0, 0, 0, 0, 0]);
  const group = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: uniform(dev, u) } },
    { binding: 1, resource: { buffer: storage(dev, n * k, true) } },
    { binding: 2, resource: { buffer: storage(dev, m * k, true) } },
    { binding: 3, resource: { buffer: storage(dev, 4) } },
    { binding: 4, resource: { buffer: storage(dev, n * m) } }] });
  const flops = 2 * n * k * m;
  const R = Math.max(5, Math.min(200, Math.round(2e10 / flops)));
  const ms = await timeDispatches(dev, pipe, group, groups(kernel, n, m), R);
  const invalid = await dev.popErrorScope();
  if (invalid) throw new Error(`${kernel} [${n} x ${k}] x [${k} x ${m}]: ${invalid.message.split('\n')[0]}`);
  return { kernel, n, k, m, ms, gflops: flops / (ms * 1e6) };
}

export async function kernelTimings(root, quick, log) {
  const dev = await device();
  const p = await peak(dev, log);
  // demo-lm (d 384, 6 x 64 heads, MLP 832, vocab 4096) at T = 256, and a
  // GPT-2-small shape (d 768, MLP 3072, vocab 50257) at T = 512.
  const shapes = [
    ['demo-lm q/k/v/o', 256, 384, 384], ['demo-lm mlp up', 256, 384, 832], ['demo-lm mlp down', 256, 832, 384],
    ['demo-lm lm_head', 256, 384, 4096],
    ['124M qkv', 512, 768, 2304], ['124M mlp up', 512, 768, 3072], ['124M mlp down', 512, 3072, 768],
    ['124M lm_head', 512, 768, 50257],
    ['keystroke demo-lm mlp up', 1, 384, 832], ['keystroke demo-lm mlp down', 1, 832, 384],
    ['keystroke 124M mlp up', 1, 768, 3072], ['keystroke 124M mlp down', 1, 3072, 768],
    ['keystroke 124M lm_head', 1, 768, 50257],
  ];
  const rows = [];
  for (const [what, n, k, m] of quick ? shapes.slice(0, 2) : shapes) {
    const kernels = n < 16 ? ['matmul', 'matmul_blocked', 'matmul_rows', 'matmul_vec'] : ['matmul', 'matmul_blocked', 'matmul_rows'];
    for (const kernel of kernels) {
      let r;
      try {
        r = { what, ...(await matmul(dev, root, kernel, n, k, m)) };
      } catch (e) {
        rows.push({ what, kernel, n, k, m, error: String(e.message || e) });
        log(`${kernel.padEnd(14)} ${what}: ERROR ${e.message || e}`);
        continue;
      }
      r.share_of_peak = r.gflops / p.gflops;
      rows.push(r);
      log(`${kernel.padEnd(14)} ${what} [${n} x ${k}] x [${k} x ${m}]: ${r.ms.toFixed(3)} ms, ` +
          `${r.gflops.toFixed(0)} GFLOP/s = ${(100 * r.share_of_peak).toFixed(1)}% of peak`);
    }
  }
  dev.destroy();
  return { peak: p, matmul: rows };
}
