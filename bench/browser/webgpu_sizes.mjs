// Our WebGPU forward against our CPU forward in the app, T = 64, 128, 256
// (BENCHMARKS.md's WebGPU-vs-CPU table), one page load: for each T one warm-up and
// `--reps` timed passes of Module.sinkscopeWebGPU.timeForward (web/webgpu.js),
// which also times the CPU backend on the same ids in the same page.
// Without a GPU, Chromium's --enable-unsafe-webgpu gives SwiftShader's software
// adapter: those numbers are a software renderer's, not a GPU's.
//   node bench/browser/webgpu_sizes.mjs [--dist build/wasm/dist] [--Ts 64,128,256] [--reps 1]
// Writes bench/raw/webgpu_sizes.json and prints a Markdown table.
import fs from 'node:fs';
import path from 'node:path';
import { launch, root, serve } from '../../tests/browser/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dist = path.resolve(opt('--dist', process.env.SINKSCOPE_DIST || path.join(root, 'build', 'wasm', 'dist')));
const Ts = opt('--Ts', '64,128,256').split(',').map(Number);
const reps = Number(opt('--reps', 1));
const outFile = path.resolve(opt('--out', path.join(root, 'bench', 'raw', 'webgpu_sizes.json')));
const model = opt('--model', 'demo-lm');

const server = await serve(dist);
const { ctx, close } = await launch();
const result = { when: new Date().toISOString(), model, adapter: null, rows: [] };
try {
  const page = await ctx.newPage();
  await page.goto(`${server.url}index.html?model=${model}`);
  await page.waitForFunction(() => window.Module && window.Module.calledRun &&
    window.Module.ccall('ss_ready', 'number', [], []) === 1, null, { timeout: 180000, polling: 'raf' });
  result.adapter = await page.evaluate(async () => {
    if (!navigator.gpu) return null;
    const a = await navigator.gpu.requestAdapter();
    return a && a.info ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null;
  });
  for (const T of Ts) {
    const row = await page.evaluate(async ({ T, reps }) => {
      const g = window.Module.sinkscopeWebGPU;
      if (!g || !g.timeForward) return { T, error: 'this app build has no WebGPU backend' };
      const ids = Array.from({ length: T }, (_, i) => (i * 37) % 4000);
      await g.timeForward(ids, { taps: 'logits' });  // warm-up: weights, pipelines, buffers for this T
      const runs = [];
      for (let i = 0; i < reps; ++i) runs.push(await g.timeForward(ids, { taps: 'logits' }));
      const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
      return { T, webgpu_ms: med(runs.map((r) => r.ms)), cpu_ms: med(runs.map((r) => r.cpu_ms)),
               max_diff_logits: Math.max(...runs.map((r) => r.max_diff_logits)) };
    }, { T, reps });
    console.error('[webgpu]', JSON.stringify(row));
    result.rows.push(row);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(result, null, 1) + '\n');
  }
} finally {
  await close();
  server.stop();
}
console.log(`WebGPU adapter: ${JSON.stringify(result.adapter)} (software when it says swiftshader)`);
console.log('| T | our WebGPU (ms) | our CPU (ms) | WebGPU / CPU time | max abs logit diff |');
console.log('|---|---|---|---|---|');
for (const r of result.rows)
  console.log(r.error ? `| ${r.T} | ${r.error} | | | |`
    : `| ${r.T} | ${r.webgpu_ms.toFixed(0)} | ${r.cpu_ms.toFixed(1)} | ${(r.webgpu_ms / r.cpu_ms).toFixed(1)}x | ${r.max_diff_logits.toExponential(1)} |`);
