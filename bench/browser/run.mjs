// Browser benchmarks (BENCHMARKS.md): headless Chromium (playwright-core, Debian's
// chromium, the browser suite's flags).
//   node bench/browser/run.mjs [--bench DIR] [--dist DIR] [--ort-dist DIR] [--out FILE] [--reps N] [--quick] [--isolated]
//                              [--threads-only]
// Serves --bench (bench.html, bench.mjs, bench_page.js/.wasm: the wasm
// build's bench_page/ folder) over --dist (the app's dist: index.html, the
// models and their ONNX exports, ort/, ort_bridge.js), then web/ and the
// repo root (models/), first match wins.
// Writes one JSON object (default bench/raw/browser.json):
//   forwards        one load of bench.html, interleaved medians per T: our wasm
//                   CPU forward (all taps, logits only), ONNX Runtime Web wasm
//                   EP (logits-only and instrumented exports)
//   forwards_gpu    ORT Web WebGPU EP next to our CPU logits (SwiftShader here)
//   kernels         measured SIMD128 peak and linear() GFLOP/s in the page
//   page_ready      a fresh load of index.html: navigation to the first analysis drawn
//   edit_to_frame   one character typed at the end of a 128-token prompt (150 ms after the
//                   last edit was drawn, a typist's pace), until drawn
//   webgpu          our WebGPU forward (Module.sinkscopeWebGPU.timeForward) when the app has it
//   sizes           gzipped sinkscope.wasm + sinkscope.js (+ loader.js)
// Served WITHOUT cross-origin isolation by default, so every runtime (ours
// and ONNX Runtime Web) runs one thread; --isolated adds COOP/COEP.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { launch, root } from '../../tests/browser/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dist = path.resolve(opt('--dist', process.env.SINKSCOPE_DIST || path.join(root, 'build', 'wasm', 'dist')));
const ortDist = path.resolve(opt('--ort-dist', process.env.SINKSCOPE_DIST || path.join(root, 'build', 'wasm', 'dist')));
const benchDir = path.resolve(opt('--bench', path.join(root, 'build', 'bench-wasm', 'bench_page')));
const outFile = path.resolve(opt('--out', path.join(root, 'bench', 'raw', 'browser.json')));
const quick = args.includes('--quick');  // a smoke run: T = 16 only, one round
const reps = Number(opt('--reps', quick ? 1 : 5));
const isolated = args.includes('--isolated');
// --threads-only (with --isolated): just the threaded module against the plain one.
const threadsOnly = args.includes('--threads-only');
const model = opt('--model', 'demo-lm');
const log = (...a) => console.error('[bench]', ...a);

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
               '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

// A plain static server: like web/serve.mjs, but cross-origin isolation only when asked.
function serve(dirs) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const file = dirs.map((d) => path.join(d, rel === '/' ? 'index.html' : rel))
        .find((f, i) => f.startsWith(dirs[i]) && fs.existsSync(f) && fs.statSync(f).isFile());
      if (!file) {
        res.writeHead(404).end('not found');
        return;
      }
      const headers = { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers);
      fs.createReadStream(file).pipe(res);
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() }));
  });
}

function gz(file) {
  return fs.existsSync(file) ? zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length : null;
}

function save(result) {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(result, null, 1) + '\n');
}

// Polls the app's C API (src/platform/webapi.h) once per animation frame.
async function until(page, fnBody, arg, timeoutMs = 120000) {
  await page.waitForFunction(fnBody, arg, { timeout: timeoutMs, polling: 'raf' });
}

async function main() {
  if (!fs.existsSync(path.join(benchDir, 'bench.html'))) throw new Error(`${benchDir}/bench.html missing: build the wasm target bench_page_dist`);
  // Paths relative to the repository: the results are committed, and another machine's absolute paths mean nothing.
  const rel = (p) => path.relative(root, p) || '.';
  const result = { when: new Date().toISOString(), dist: rel(dist), benchDir: rel(benchDir), isolated, model, chromium: null };
  const sizes = {};
  for (const f of ['sinkscope.wasm', 'sinkscope.js', 'loader.js']) sizes[f] = gz(path.join(dist, f));
  sizes.total_gzip = Object.values(sizes).reduce((a, b) => a + (b || 0), 0);
  result.sizes = sizes;

  // web/ and the repo root last: ort_bridge.js and models/<name>/ when the app's dist is not built.
  const srv = await serve([benchDir, dist, ortDist, path.join(root, 'web'), root]);
  const { ctx, close } = await launch();
  let prompt128 = null;
  try {
    result.chromium = ctx.browser() ? ctx.browser().version() : null;
    {  // 1. bench.html: the engine alone against ONNX Runtime Web, one page load
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${srv.url}bench.html`);
      await page.waitForFunction(() => window.sinkscopeBench && window.createSinkscopeBench, null, { timeout: 60000 });
      result.bench_load = await page.evaluate((m) => window.sinkscopeBench.ready({ model: m }), model);
      prompt128 = await page.evaluate(() => window.sinkscopeBench.promptOf(128));
      const Ts = quick ? [16] : [16, 64, 128, 256, 512];  // 512: demo-lm's whole context
      if (!threadsOnly) {
      result.forwards = await page.evaluate((o) => window.sinkscopeBench.forwards(o),
                                            { model, Ts, reps, warmup: quick ? 0 : 2,
                                              variants: ['cpu_all', 'cpu_logits', 'ort_wasm_logits', 'ort_wasm_taps'] });
      log('forwards', JSON.stringify(result.forwards.rows.map((r) => Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, typeof v === 'object' ? +v.median_ms.toFixed(1) : v])))), JSON.stringify(result.forwards.errors));
      // The engine alone retyping the last of 128 tokens: the forward part of
      // a keystroke, without the app's frame around it.
      result.engine_edit = await page.evaluate(() => ({ T: 128, median_ms: window.sinkscopeBench.edit(128, 9) }));
      log('engine edit at T = 128', result.engine_edit.median_ms.toFixed(2), 'ms');
      if (!quick) {
        // The GPU EP apart: under SwiftShader (no GPU here) it takes seconds and would stretch the CPU rounds.
        result.forwards_gpu = await page.evaluate((o) => window.sinkscopeBench.forwards(o),
                                                  { model, Ts: [16], reps: 2, warmup: 1,
                                                    variants: ['cpu_logits', 'ort_webgpu_logits'] });
        result.kernels = await page.evaluate(() => window.sinkscopeBench.kernels());
        log('kernels peak', result.kernels.peak_gflops.toFixed(1), 'GFLOP/s');
      }
      }
      // The threaded build against the plain one (cross-origin isolated pages only).
      if (isolated && !quick) {
        result.threads = await page.evaluate((o) => window.sinkscopeBench.threads(o), { model, T: 256, reps, warmup: 2 });
        log('threads', JSON.stringify(result.threads.skipped || {
          threads: result.threads.threads, speedup_vs_plain: +result.threads.speedup_vs_plain.toFixed(2),
          speedup_vs_mt_1: +result.threads.speedup_vs_mt_1.toFixed(2), edit_speedup: +result.threads.edit_speedup_vs_plain.toFixed(2) }));
      }
      result.bench_page_errors = errors;
      save(result);
      await page.close();
    }
    // 2. the app: page ready, edit to frame, WebGPU. A renderer that dies
    // (seen once in a 3-run bench: "Target page ... has been closed" mid
    // edit) is recorded and the stage runs once more on a fresh page, so one
    // crash neither hangs the bench nor loses the run.
    for (let attempt = 1; attempt <= 2 && !threadsOnly && fs.existsSync(path.join(dist, 'index.html')); ++attempt) {
      try {
        await appStage();
        break;
      } catch (e) {
        (result.app_crashes ||= []).push({ attempt, error: String(e.message || e).split('\n')[0] });
        log('app stage failed (attempt', attempt + '):', result.app_crashes.at(-1).error);
        save(result);
      }
    }
    async function appStage() {
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('crash', () => errors.push('renderer crashed'));
      await page.goto(`${srv.url}index.html?model=${model}`);
      await until(page, () => window.Module && window.Module.calledRun && window.Module.ccall('ss_ready', 'number', [], []) === 1 &&
                  window.Module.ccall('ss_frame_count', 'number', [], []) > 0);
      const ready = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
      result.page_ready = { ms: ready, note: 'performance.now() at the first animation frame after ss_ready() == 1 (a fresh page)' };
      log('page ready', ready.toFixed(0), 'ms');
      if (!quick && prompt128) {
        result.edit_to_frame = await page.evaluate(async (base) => {
          const M = window.Module, c = (n, r, t, a) => M.ccall(n, r, t || [], a || []);
          const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
          const has = (n) => typeof M['_' + n] === 'function' || typeof M.asm?.[n] === 'function';
          const editMs = () => (has('ss_explorer_edit_to_frame_ms') ? c('ss_explorer_edit_to_frame_ms', 'number') : null);
          // Drawn: the prompt is in, the app is ready, and (when the explorer reports it) its edit-to-frame time changed.
          const drawn = async (p, prev) => {
            for (let i = 0; i < 100000; ++i) {
              await frame();
              if (c('ss_prompt', 'string') === p && c('ss_ready', 'number') === 1 && (prev === null || editMs() !== prev)) {
                await frame();  // the frame after the results arrived has drawn them
                return editMs();
              }
            }
            throw new Error('never drawn');
          };
          const wall = [], app = [];
          if (has('ss_explorer_hide_overlay')) c('ss_explorer_hide_overlay', null);  // the first-run overlay: not part of an edit
          let prev = editMs();
          for (let i = 0; i < 8; ++i) {
            c('ss_set_prompt', null, ['string'], [base]);
            prev = await drawn(base, prev);
            // A typist's pace (150 ms a key, about 80 words a minute), as in the
            // explorer's browser test: the last frame's software-GL draw is
            // done before the next key, instead of running beside its forward.
            await new Promise((r) => setTimeout(r, 150));
            const typed = base + (i % 2 ? 'y' : 'x');
            const t0 = performance.now();
            c('ss_set_prompt', null, ['string'], [typed]);
            prev = await drawn(typed, prev);
            if (i > 0) wall.push(performance.now() - t0), app.push(prev);  // edit 0 warms the path up
          }
          const med = (a) => { const s = a.filter((x) => x != null).sort((x, y) => x - y); return s.length ? s[s.length >> 1] : null; };
          return { base_tokens: c('ss_token_count', 'number'), wall_median_ms: med(wall), app_median_ms: med(app), wall_ms: wall, app_ms: app };
        }, prompt128);
        log('edit to frame', JSON.stringify(result.edit_to_frame));
        save(result);  // the WebGPU step below can take minutes on a software adapter
        result.webgpu = await page.evaluate(async (T) => {
          const g = window.Module.sinkscopeWebGPU;
          if (!g || !g.timeForward) return { error: 'this app build has no WebGPU backend (Module.sinkscopeWebGPU)' };
          try {
            const ids = Array.from({ length: T }, (_, i) => (i * 37) % 4000);
            await g.timeForward(ids, { taps: 'logits' });  // uploads the weights
            const runs = [];
            for (let i = 0; i < 2; ++i) runs.push(await g.timeForward(ids, { taps: 'logits' }));
            return { T, runs };
          } catch (e) { return { error: String(e.message || e) }; }
        }, 16);  // SwiftShader here: a software adapter, so the smallest T keeps the run short
      }
      result.app_page_errors = errors;
      await page.close();
    }
  } finally {
    // Closing a browser whose renderer died can hang: give it 30 s.
    await Promise.race([close(), new Promise((r) => setTimeout(r, 30000))]);
    srv.stop();
  }
  save(result);
  log('wrote', outFile);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
