// The WebGPU backend on a real GPU, under node with Dawn's binding (npm
// package `webgpu`, installed into bench/gpu/node_modules by
// scripts/gpu_bench.sh): the same headless module the tests use
// (build/wasm/sinkscope_headless.js) gets navigator.gpu from Dawn instead of
// a browser. One run:
//   1. the adapter: vendor, architecture, description, limits, features;
//   2. the parity table (engine/parity.h) of the WebGPU backend against the
//      CPU backend: every tap, demo-lm's golden prompts at full length, every
//      tiny family, the averaging models; with each kernel set (auto: what
//      the backend picks on this adapter; tiled, blocked, barrier_free forced:
//      src/backends/webgpu/gpu.h); a planted error must fail its row;
//   3. forward timings (ss_timing_*, src/platform/webapi_timing.cpp): WebGPU
//      with every tap, with the compact taps (what the app keeps for a long
//      prompt: engine/taps.h compact_tap_filter) and logits only, against the
//      CPU backend of the same wasm module on one thread, per model and
//      length, median of several runs; the keystroke (one token appended at
//      T = 128) with every tap and with the compact taps; for WebGPU passes,
//      where the time goes (record and submit, GPU and map, the wait for the
//      next poll, the copy into taps: Module.sinkscopeGpuLast, web/webgpu.js);
//   4. kernel timings (kernels.mjs): the three matmul kernels at demo-lm's
//      and GPT-2-small's shapes against the adapter's measured f32 FMA peak
//      (bench/gpu/peak_fma.wgsl).
// Writes everything as JSON (--out, default test-results/gpu-bench.json) and
// prints tables. Numbers, not tests: it exits non-zero only when the parity
// table fails or no adapter is found.
//
//   node bench/gpu/run.mjs [--out FILE] [--model DIR[:T1,T2,...]]... [--reps N] [--quick] [--cpu-max-t T]
//                          [--cpu-max-params N] [--all-max-mb MB]
// (the CPU backend, one wasm thread, is timed up to T = --cpu-max-t, default 512, and for models
// of at most --cpu-max-params parameters, default 2e8: beyond, one pass takes minutes; every tap
// is read back only where it comes to at most --all-max-mb, default 1200: the wasm module holds
// at most 4 GB, weights and a second copy of the taps in flight included)
// Env: SINKSCOPE_WASM_BUILD (default build/wasm): where sinkscope_headless.js is;
//      SINKSCOPE_WEBGPU (default: the package in bench/gpu/node_modules): the
//      `webgpu` package's index.js.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadHeadless, parityCases, put, runTable } from '../../tests/node/parity_cases.mjs';
import { kernelTimings } from './kernels.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

function parseArgs(argv) {
  const a = { out: path.join(root, 'test-results', 'gpu-bench.json'), models: [], reps: 7, quick: false, cpuMaxT: 512,
              cpuMaxParams: 2e8, allMaxMb: 1200 };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--out') a.out = argv[++i];
    else if (argv[i] === '--model') a.models.push(argv[++i]);
    else if (argv[i] === '--reps') a.reps = Number(argv[++i]);
    else if (argv[i] === '--quick') a.quick = true;
    else if (argv[i] === '--cpu-max-t') a.cpuMaxT = Number(argv[++i]);
    else if (argv[i] === '--cpu-max-params') a.cpuMaxParams = Number(argv[++i]);
    else if (argv[i] === '--all-max-mb') a.allMaxMb = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

async function installWebGPU() {
  const mod = process.env.SINKSCOPE_WEBGPU || path.join(here, 'node_modules', 'webgpu', 'index.js');
  const { create, globals } = await import(pathToFileURL(mod).href);
  Object.assign(globalThis, globals);
  // node 20 has no navigator; node 21+ has one without gpu.
  if (!globalThis.navigator) globalThis.navigator = {};
  globalThis.navigator.gpu = create([]);
}

async function adapterInfo() {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info || {};
  const limits = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
                   'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'])
    limits[k] = adapter.limits[k];
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
           fallback: !!(adapter.isFallbackAdapter || info.isFallbackAdapter), features: [...adapter.features].sort(),
           limits };
}

const tick = () => new Promise((r) => setImmediate(r));

// The compact taps (engine/taps.h compact_tap_filter, the same list): what
// the app keeps for a long prompt; patterns are recomputed from q, k, attn_lse.
const COMPACT = 'blocks.0.resid_pre,q,k,v,attn_lse,z,resid_post,logits';
// The app's live taps of a short prompt (explorer/session.cpp live_filter):
// every tap but the scores and head_out.
const LIVE = '-attn_scores,-head_out';

// One pass through ss_timing_*: resolves to its ms (submit to taps in wasm
// memory) and, for a WebGPU pass, its phases (ms): record (the call to
// submit: the walk that records every dispatch), submit (the parameters'
// upload, finish() and queue.submit: Dawn encodes the commands), gpu
// (submitted to the readback mapped and copied out in JS), wait (mapped to
// the poll that takes it),
// merge (the take: into wasm memory, split into taps, appended to the
// earlier rows).
async function timedPass(M, startFn) {
  const tCall = performance.now();
  if (!startFn()) throw new Error(M.ccall('ss_timing_error', 'string', [], []));
  for (;;) {
    const st = M.ccall('ss_timing_poll', 'number', [], []);
    if (st === 1) {
      const tDone = performance.now(), g = M.sinkscopeGpuLast;
      const phases = g && g.submit_ms >= tCall && g.taken_ms
        ? { record: g.submit_ms - tCall, submit: g.submitted_ms - g.submit_ms, gpu: g.mapped_ms - g.submitted_ms,
            wait: g.taken_ms - g.mapped_ms, merge: tDone - g.taken_ms }
        : null;
      return { ms: M.ccall('ss_timing_ms', 'number', [], []), bytes: M.ccall('ss_timing_tap_bytes', 'number', [], []), phases };
    }
    if (st < 0) throw new Error(M.ccall('ss_timing_error', 'string', [], []));
    await tick();
  }
}

function pass(M, backend, ids, taps) {
  return timedPass(M, () => {
    const p = put(M, Int32Array.from(ids));
    const ok = M.ccall('ss_timing_start', 'number', ['string', 'number', 'number', 'string'], [backend, p, ids.length, taps]);
    M._free(p);
    return ok;
  });
}

function extend(M, ids) {
  return timedPass(M, () => {
    const p = put(M, Int32Array.from(ids));
    const ok = M.ccall('ss_timing_extend', 'number', ['number', 'number'], [p, ids.length]);
    M._free(p);
    return ok;
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// Median of `reps` runs after `warm` warm-ups (the first WebGPU pass uploads
// the weights and compiles the pipelines); fewer runs for slow CPU passes.
async function timeIt(fn, reps, warm = 2, budgetMs = 20000) {
  const first = await fn();
  for (let i = 1; i < warm; ++i) await fn();
  const ms = [], phases = [];
  const t0 = performance.now();
  for (let i = 0; i < reps && (i === 0 || performance.now() - t0 < budgetMs); ++i) {
    const r = await fn();
    ms.push(r.ms);
    if (r.phases) phases.push(r.phases);
  }
  return { median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length, first_ms: first.ms, tap_bytes: first.bytes,
           phases: medianPhases(phases) };
}

// Each phase's median over the runs (null when the passes had none: CPU).
function medianPhases(list) {
  if (!list.length) return null;
  return Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list.map((p) => p[k]))]));
}

// Bytes of every tap at T rows (engine/taps.h): per layer the [H, T, T]
// scores and pattern, head_out [H, T, d], about ten [T, d] taps and two [T, dm].
function everyTapBytes(cfg, T) {
  const d = cfg.hidden_size ?? cfg.n_embd, H = cfg.num_attention_heads ?? cfg.n_head;
  const L = cfg.num_hidden_layers ?? cfg.n_layer, dm = cfg.intermediate_size ?? cfg.n_inner ?? 4 * d;
  return 4 * (L * (2 * H * T * T + H * T * d + 10 * T * d + 2 * T * dm) + T * (cfg.vocab_size + d));
}

// Parameters, from the safetensors header (the shapes of every tensor).
function paramCount(dir) {
  const fd = fs.openSync(path.join(dir, 'model.safetensors'), 'r');
  const len = Buffer.alloc(8);
  fs.readSync(fd, len, 0, 8, 0);
  const head = Buffer.alloc(Number(len.readBigUInt64LE(0)));
  fs.readSync(fd, head, 0, head.length, 8);
  fs.closeSync(fd);
  let n = 0;
  for (const [k, v] of Object.entries(JSON.parse(head.toString('utf8'))))
    if (k !== '__metadata__') n += v.shape.reduce((a, b) => a * b, 1);
  return n;
}

function loadBenchModel(M, dir) {
  const cfg = fs.readFileSync(path.join(dir, 'config.json')), st = fs.readFileSync(path.join(dir, 'model.safetensors'));
  const pc = put(M, cfg), ps = put(M, st);
  const err = M.ccall('ss_timing_load', 'string', ['number', 'number', 'number', 'number'], [pc, cfg.length, ps, st.length]);
  M._free(pc), M._free(ps);
  if (err) throw new Error(`${dir}: ${err}`);
  return JSON.parse(cfg);
}

function idsOf(cfg, T, seed = 1) {
  let s = seed >>> 0;
  const ids = [cfg.bos_token_id ?? 0];
  while (ids.length < T) ids.push((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % cfg.vocab_size);
  return ids;
}

async function forwardTimings(M, spec, args, log) {
  const { reps, cpuMaxT, cpuMaxParams, allMaxMb } = args;
  const [dir, lens] = spec.split(':');
  const cfg = loadBenchModel(M, dir);
  const name = path.basename(dir);
  const params = paramCount(dir);
  const cpuOk = params <= cpuMaxParams;
  const rows = [];
  for (const T of (lens || '16,64,128,256').split(',').map(Number)) {
    const ids = idsOf(cfg, T);
    const row = { model: name, params, T, every_tap_mb: everyTapBytes(cfg, T) / 2 ** 20 };
    for (const [key, backend, taps] of [['webgpu_all', 'webgpu', ''], ['webgpu_compact', 'webgpu', COMPACT],
                                        ['webgpu_logits', 'webgpu', 'logits'],
                                        ['cpu_all', 'cpu', ''], ['cpu_compact', 'cpu', COMPACT], ['cpu_logits', 'cpu', 'logits']]) {
      if (backend === 'cpu' && (T > cpuMaxT || !cpuOk)) {
        row[key] = { error: cpuOk ? `not timed above T = ${cpuMaxT}` : `not timed: ${(params / 1e6).toFixed(0)}M parameters` };
        continue;
      }
      if (taps === '' && row.every_tap_mb > allMaxMb) {
        row[key] = { error: `not run: every tap is ${row.every_tap_mb.toFixed(0)} MB here (the app keeps the compact taps)` };
        continue;
      }
      try {
        row[key] = await timeIt(() => pass(M, backend, ids, taps), backend === 'cpu' ? Math.min(reps, 3) : reps,
                                backend === 'cpu' ? 1 : 2);
      } catch (e) {
        row[key] = { error: String(e.message || e) };
      }
    }
    if (row.webgpu_all.median_ms && row.cpu_all.median_ms) row.speedup_all = row.cpu_all.median_ms / row.webgpu_all.median_ms;
    if (row.webgpu_compact.median_ms && row.cpu_compact.median_ms)
      row.speedup_compact = row.cpu_compact.median_ms / row.webgpu_compact.median_ms;
    if (row.webgpu_logits.median_ms && row.cpu_logits.median_ms)
      row.speedup_logits = row.cpu_logits.median_ms / row.webgpu_logits.median_ms;
    rows.push(row);
    log(`${name} T=${T}: webgpu all ${fmt(row.webgpu_all)} compact ${fmt(row.webgpu_compact)} logits ${fmt(row.webgpu_logits)} | ` +
        `cpu all ${fmt(row.cpu_all)} compact ${fmt(row.cpu_compact)} logits ${fmt(row.cpu_logits)} | ` +
        `speedup all ${num(row.speedup_all)}x compact ${num(row.speedup_compact)}x logits ${num(row.speedup_logits)}x`);
    for (const key of ['webgpu_all', 'webgpu_compact', 'webgpu_logits'])
      if (row[key].phases) log(`  ${key} phases: ${phaseText(row[key].phases)}`);
  }
  // The keystroke: T = 128 done, one token appended. An incremental backend
  // runs the new row only; otherwise the whole pass runs again.
  // Every tap: each keystroke appends a row to every [H, T, T] and [H, T, d]
  // tap (moved in wasm memory); live: the app's (no scores, no head_out);
  // compact: only [T, *] taps grow.
  const keystroke = { model: name, T: 128 };
  for (const [key, backend, taps] of [['webgpu', 'webgpu', ''], ['webgpu_live', 'webgpu', LIVE],
                                      ['webgpu_compact', 'webgpu', COMPACT],
                                      ['cpu', 'cpu', ''], ['cpu_live', 'cpu', LIVE], ['cpu_compact', 'cpu', COMPACT]]) {
    if (backend === 'cpu' && !cpuOk) {
      keystroke[key] = { error: `not timed: ${(params / 1e6).toFixed(0)}M parameters` };
      continue;
    }
    try {
      const ids = idsOf(cfg, 128);
      const incremental = M.ccall('ss_timing_incremental', 'number', ['string'], [backend]) === 1;
      const ms = [], phases = [];
      // A keystroke while typing: the key before it was a keystroke too (its
      // taps already have room for more rows: engine/tap_rows.cpp), so the
      // pass of 126 rows is extended to 127 untimed, then to 128 timed.
      for (let i = 0; i < reps + 2; ++i) {
        await pass(M, backend, ids.slice(0, incremental ? 126 : 127), taps);
        if (incremental) await extend(M, ids.slice(0, 127));
        const r = incremental ? await extend(M, ids) : await pass(M, backend, ids, taps);
        if (i >= 2) ms.push(r.ms), r.phases && phases.push(r.phases);
      }
      keystroke[key] = { incremental, median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length, phases: medianPhases(phases) };
    } catch (e) {
      keystroke[key] = { error: String(e.message || e) };
    }
  }
  log(`${name} keystroke at T=128: webgpu every tap ${fmt(keystroke.webgpu)} live ${fmt(keystroke.webgpu_live)} ` +
      `compact ${fmt(keystroke.webgpu_compact)} (incremental ${keystroke.webgpu.incremental}) | ` +
      `cpu every tap ${fmt(keystroke.cpu)} live ${fmt(keystroke.cpu_live)} compact ${fmt(keystroke.cpu_compact)}`);
  for (const key of ['webgpu', 'webgpu_live', 'webgpu_compact'])
    if (keystroke[key].phases) log(`  keystroke ${key} phases: ${phaseText(keystroke[key].phases)}`);
  return { rows, keystroke };
}

const phaseText = (p) => Object.entries(p).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') + ' ms';

const num = (x) => (x === undefined ? '-' : x.toFixed(2));
const fmt = (r) => (!r ? '-' : r.error ? `error (${r.error})` : `${r.median_ms.toFixed(2)} ms`);

async function parity(M, outFile, log) {
  const out = {};
  const cases = parityCases(root);
  // demo-lm's gated and sink-logit twins where this checkout has them (a GPU
  // machine sent 64 MiB may not): the variants' kernels on hardware.
  const prompt = cases.find((c) => c.name === 'demo-lm').ids;
  for (const twin of ['demo-lm-gated', 'demo-lm-sinklogit']) {
    const dir = path.join(root, 'models', twin);
    if (fs.existsSync(path.join(dir, 'model.safetensors'))) cases.push({ name: twin, dir, ids: prompt });
    else log(`parity: ${twin} is not in this checkout: its rows are not run here`);
  }
  for (const kernels of ['auto', 'tiled', 'blocked', 'barrier_free']) {
    M.ccall('ss_webgpu_set_kernels', 'number', ['string'], [kernels]);
    const r = await runTable(M, 'webgpu', cases);
    const worst = {};
    for (const row of r.rows)
      if (row.status === 'ok' && row.check.startsWith('tap ')) worst[row.check.slice(4)] = Math.max(worst[row.check.slice(4)] || 0, row.diff);
    out[kernels] = { passed: r.passed === 1, rows: r.rows, worst_diff_per_tap: worst,
                     counts: r.rows.reduce((m, x) => ((m[x.status] = (m[x.status] || 0) + 1), m), {}) };
    log(`parity (kernels ${kernels}): ${r.passed ? 'PASS' : 'FAIL'} ${JSON.stringify(out[kernels].counts)}`);
    if (kernels === 'auto') fs.mkdirSync(path.dirname(outFile), { recursive: true }), fs.writeFileSync(outFile.replace(/\.json$/, '-parity.txt'), r.table);
  }
  M.ccall('ss_webgpu_set_kernels', 'number', ['string'], ['auto']);
  // The table must be able to fail: a planted error in q on the first case.
  const planted = await runTable(M, 'webgpu', cases.slice(0, 1), ['q', 1e-2]);
  out.planted_q_fails = planted.rows.find((x) => x.check === 'tap q')?.status === 'FAIL' && planted.passed === 0;
  log(`planted error in q fails its row: ${out.planted_q_fails}`);
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const lines = [];
  const log = (s) => { console.log(s); lines.push(s); };
  await installWebGPU();
  const adapter = await adapterInfo();
  const result = { when: new Date().toISOString(), host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
                   adapter };
  log(`adapter: ${JSON.stringify(adapter)}`);
  if (!adapter) {
    log('no WebGPU adapter: nothing to run (on Linux Dawn needs libvulkan.so.1 and a Vulkan driver)');
    process.exitCode = 2;
    return;
  }
  const M = await loadHeadless(path.resolve(root, process.env.SINKSCOPE_WASM_BUILD || 'build/wasm', 'sinkscope_headless.js'));
  result.parity = await parity(M, args.out, log);
  result.kernels = await kernelTimings(root, args.quick, log);
  const specs = [path.join(root, 'models', 'demo-lm') + ':16,64,128,256', ...args.models];
  result.forward = [];
  for (const spec of specs) {
    try {
      result.forward.push(await forwardTimings(M, spec, { ...args, reps: args.quick ? 3 : args.reps }, log));
    } catch (e) {
      log(`${spec}: ${e.message || e}`);
      result.forward.push({ spec, error: String(e.message || e) });
    }
  }
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify(result, null, 1));
  fs.writeFileSync(args.out.replace(/\.json$/, '.txt'), lines.join('\n') + '\n');
  log(`wrote ${args.out}`);
  const sets = ['auto', 'tiled', 'blocked', 'barrier_free'];
  if (!sets.every((k) => result.parity[k].passed) || !result.parity.planted_q_fails) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
