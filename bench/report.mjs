// Collects the raw outputs of scripts/bench.sh into one JSON file and writes
// BENCHMARKS.md: issue #22's goals as met / missed with each run's spread,
// round 1's targets, the scale table and plot (bench/scale.svg), the GPU
// machine's newest WebGPU run (bench/gpu/results, report_gpu.mjs), the tables.
//   node bench/report.mjs RAW_DIR OUT_JSON OUT_MD
// RAW_DIR holds run1/, run2/, ... (one per measurement run of bench.sh), or the
// raw files themselves (a flat dir = one run). The plot goes next to OUT_JSON.
// Raw files read in each run dir (a missing one reads as "not measured"):
//   machine.jsonl            {"bench":"machine","stage":"start"|"end","when","loadavg":[1,5,15 min],"cores","cpu","cpu_flags",...}
//   native_gemm.jsonl, native_gemm_avx2.jsonl, wasm_gemm.jsonl
//                            {"bench":"peak","gflops"} / {"bench":"gemm"|"gemm_mix","kernel","n","shape","gflops","share_of_peak"}
//   native_forward.jsonl, native_forward_avx2.jsonl, wasm_forward.jsonl
//                            {"bench":"forward","kernel","T","all_taps_ms","logits_ms","taps_mb"[,"threads"]}
//                            {"bench":"keystroke","kernel","T":128,"weights_16bit_ms","weights_f32_ms","ratio"}
//                            {"bench":"scale","path","model","mode":"compact"|"full","T","forward_ms","ms_per_token",
//                             "keystroke_ms","tap_bytes","peak_bytes"}   (any field may be null)
//   ort_node.jsonl           {"bench":"ort_node","T","logits_ms","taps_ms"[,"threads"]}
//   browser.json, browser_threads.json, webgpu_sizes.json   (bench/browser/run.mjs, webgpu_sizes.mjs)
//   scale_page.json          {"T":2048,"wasm_memory_bytes","keystroke_ms","ready_ms"}
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuSection } from './report_gpu.mjs';
import { scaleSection } from './report_scale.mjs';

const [rawDir, outJson, outMd] = process.argv.slice(2);
if (!rawDir || !outJson || !outMd) {
  console.error('usage: node bench/report.mjs RAW_DIR OUT_JSON OUT_MD');
  process.exit(2);
}

// ---- raw data ----

// bench.sh writes RAW/run1, RAW/run2, ...; an older flat RAW dir is one run.
function runDirs(dir) {
  const subs = fs.readdirSync(dir).filter((d) => /^run\d+$/.test(d) && fs.statSync(path.join(dir, d)).isDirectory());
  subs.sort((a, b) => +a.slice(3) - +b.slice(3));
  return subs.length ? subs.map((d) => path.join(dir, d)) : [dir];
}

function loadRun(dir) {
  const lines = (f) => {
    const p = path.join(dir, f);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : [];
  };
  const json = (f) => { const p = path.join(dir, f); return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null; };
  const nf = lines('native_forward.jsonl'), wf = lines('wasm_forward.jsonl');
  const only = (rows, bench) => rows.filter((r) => r.bench === bench);
  return {
    run: path.basename(dir),
    machine: lines('machine.jsonl'),
    native: { gemm: lines('native_gemm.jsonl'), forward: only(nf, 'forward'), keystroke: only(nf, 'keystroke'),
              scale: only(nf, 'scale'), ort_node: lines('ort_node.jsonl'),
              // The same benchmarks with the AVX2 kernel forced (SINKSCOPE_CPU_PATH=avx2), on a CPU with AVX-512.
              gemm_avx2: lines('native_gemm_avx2.jsonl'),
              forward_avx2: only(lines('native_forward_avx2.jsonl'), 'forward') },
    wasm_node: { gemm: lines('wasm_gemm.jsonl'), forward: only(wf, 'forward'), keystroke: only(wf, 'keystroke'), scale: only(wf, 'scale') },
    browser: json('browser.json'),
    browser_threads: json('browser_threads.json'),
    webgpu_sizes: json('webgpu_sizes.json'),
    scale_page: json('scale_page.json'),
  };
}

// ---- formatting and statistics ----

const f1 = (x) => (x == null || Number.isNaN(x) ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x == null || Number.isNaN(x) ? 'n/a' : x.toFixed(2));
const pct = (x) => (x == null ? 'n/a' : (100 * x).toFixed(0) + '%');
const by = (arr, key, val) => arr.find((r) => r[key] === val);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const ratio = (a, b) => (isNum(a) && isNum(b) && b > 0 ? a / b : null);
// How a goal's value prints: the bare number and its unit, so a spread reads "1.10-1.25x".
const UNITS = {
  x: { num: f2, unit: 'x' },
  ms: { num: f1, unit: ' ms' },
  pct: { num: (v) => (100 * v).toFixed(0), unit: '%' },
  mb: { num: (v) => v.toFixed(0), unit: ' MB' },
};
const show = (fmt, v) => UNITS[fmt].num(v) + UNITS[fmt].unit;

// ---- issue #22's goals, one run at a time ----
// Each goal is {what, goal, fmt, value, pass, why, note}: value is this run's
// number (null when the raw data has none, then `why` says what is missing),
// pass(value) says met, and pass = null marks a reference row with no goal of its own.

const TS_WASM = [16, 64, 128, 256, 512];  // the T list for the wasm forward

function keystrokeGoals(R, add) {
  const e = R.browser?.edit_to_frame, ee = R.browser?.engine_edit;
  const why = R.browser ? 'browser.json has no edit_to_frame (the app page of bench/browser/run.mjs)' : 'no browser.json (headless Chromium stage)';
  const app = 'keystroke: edit to frame in the app (tokenize + forward + analysis + panels), median over key presses at 128 tokens, one thread';
  const load = 'quiet machine or not: each run\'s load average is in Machine';
  add({ what: app, goal: '<= 5 ms quiet machine', fmt: 'ms', value: e?.app_median_ms, pass: (v) => v <= 5, why, note: load });
  add({ what: app, goal: '<= 8 ms in CI', fmt: 'ms', value: e?.app_median_ms, pass: (v) => v <= 8, why, note: load });
  add({ what: 'keystroke: engine part (bench page: retype the last of 128 tokens, every tap kept, nothing drawing)', goal: '<= 3 ms',
        fmt: 'ms', value: ee?.median_ms, pass: (v) => v <= 3, why: R.browser ? 'browser.json has no engine_edit' : why });
  add({ what: 'keystroke: key press to drawn frame in headless Chromium (wall)', goal: '<= 20 ms', fmt: 'ms', value: e?.wall_median_ms,
        pass: (v) => v <= 20, why, note: 'waits for the next animation frame; software GL (SwiftShader) draws on the same cores' });
  // bench_forward's keystroke row: the engine alone, 16-bit weights against the same weights as float32.
  for (const [label, file, k] of [['natively', 'native_forward.jsonl', R.native.keystroke[0]], ['wasm under node', 'wasm_forward.jsonl', R.wasm_node.keystroke[0]]])
    for (const [w, key] of [['16-bit', 'weights_16bit_ms'], ['float32', 'weights_f32_ms']])
      add({ what: `keystroke: engine alone ${label} (bench_forward, one token appended at T = 128, every tap), ${w} weights`,
            goal: 'reference (engine part <= 3 ms is the page\'s)', fmt: 'ms', value: k?.[key], pass: null,
            why: `${file} has no "keystroke" row`, note: k ? `kernel ${k.kernel}` : '' });
}

function wasmForwardGoals(R, add) {
  const F = R.browser?.forwards;
  const timed = F ? F.rows.map((r) => r.T) : [];
  const vs = [['ort_wasm_logits', 'ORT Web logits-only', 1.2], ['ort_wasm_taps', 'ORT Web instrumented (same taps as outputs)', 1.5]];
  for (const [key, label, min] of vs)
    for (const T of TS_WASM) {
      const r = F?.rows.find((x) => x.T === T);
      const why = !F ? 'no browser.json forwards (headless Chromium stage)'
        : !r ? `bench/browser/run.mjs times T = ${timed.join(', ')} only`
        : F.errors?.[key] || F.errors?.cpu_all || 'a variant has no time at this T';
      add({ what: `full forward, every tap, wasm, one thread, vs ${label}, T = ${T}`, goal: `>= ${min.toFixed(1)}x`, fmt: 'x',
            value: ratio(r?.[key]?.median_ms, r?.cpu_all?.median_ms), pass: (v) => v >= min, why,
            note: 'ORT Web time / ours, headless Chromium wall medians' });
    }
}

// Native ratios at every T the raw data has, for one set of forward rows (one kernel, one thread count).
function nativeVsOrt(add, forward, ort, label, note) {
  const Ts = [...new Set([...forward, ...ort].map((r) => r.T))].sort((a, b) => a - b);
  for (const T of Ts) {
    const r = by(forward, 'T', T), o = by(ort, 'T', T);
    add({ what: `native logits-only vs onnxruntime-node, ${label}, T = ${T}`, goal: '>= 1.0x', fmt: 'x',
          value: ratio(o?.logits_ms, r?.logits_ms), pass: (v) => v >= 1.0, note,
          why: !r ? 'no bench_forward row at this T' : 'no onnxruntime-node row at this T' });
  }
}

function nativeGoals(R, add) {
  const N = R.native, M = R.machine[0] || {};
  const threads = (r) => r.threads ?? 1;  // bench_forward / ort_node.mjs rows without "threads" ran one thread
  const one = N.forward.filter((r) => threads(r) === 1), ort1 = N.ort_node.filter((r) => threads(r) === 1);
  const kernel = one[0]?.kernel;
  if (one.length || ort1.length) nativeVsOrt(add, one, ort1, 'one thread', kernel ? `kernel ${kernel} (the widest the CPU has)` : '');
  else add({ what: 'native logits-only vs onnxruntime-node, one thread', goal: '>= 1.0x', fmt: 'x', value: null, pass: (v) => v >= 1.0,
             why: 'no native_forward.jsonl / ort_node.jsonl' });
  const four = N.forward.filter((r) => threads(r) === 4), ort4 = N.ort_node.filter((r) => threads(r) === 4);
  if (four.length) nativeVsOrt(add, four, ort4, '4 threads', kernel ? `kernel ${kernel}` : '');
  else add({ what: 'native logits-only vs onnxruntime-node, 4 threads', goal: '>= 1.0x', fmt: 'x', value: null, pass: (v) => v >= 1.0,
             why: `bench_forward and bench/ort_node.mjs time one thread only (this machine has ${M.cores ?? '?'} cores); needs a 4-thread run on a machine with >= 4 cores` });
  // AVX-512: bench.sh runs the native stages again with SINKSCOPE_CPU_PATH=avx2 where the CPU has avx512f.
  const has512 = R.machine.some((m) => (m.cpu_flags || []).includes('avx512f'));
  if (N.forward_avx2.length) nativeVsOrt(add, N.forward_avx2, ort1, 'one thread, AVX2 kernel forced (SINKSCOPE_CPU_PATH=avx2)', 'same CPU as the AVX-512 rows');
  else add({ what: 'native logits-only vs onnxruntime-node, AVX-512 path against the AVX2 kernel on the same CPU', goal: '>= 1.0x', fmt: 'x',
             value: null, pass: (v) => v >= 1.0,
             why: has512 ? 'no native_forward_avx2.jsonl' : `this CPU has no AVX-512 (flags: ${(M.cpu_flags || []).join(' ') || 'n/a'}); needs an avx512f machine` });
  for (const r of one)
    add({ what: `native every tap within 1.3x of logits-only, T = ${r.T}`, goal: '<= 1.3x', fmt: 'x', value: ratio(r.all_taps_ms, r.logits_ms),
          pass: (v) => v <= 1.3, why: 'a variant has no time', note: 'all-taps time / logits-only time' });
  if (!one.length) add({ what: 'native every tap within 1.3x of logits-only', goal: '<= 1.3x', fmt: 'x', value: null, pass: (v) => v <= 1.3,
                         why: 'no native_forward.jsonl' });
}

// Matmul share of the measured peak on the demo-lm shape mix, one row per n >= 64.
function kernelShare(add, gemm, label, goalText, why) {
  const mix = gemm.filter((g) => g.bench === 'gemm_mix' && g.n >= 64);
  for (const g of mix)
    add({ what: `kernels: ${label} matmul share of measured peak, demo-lm mix, n = ${g.n}`, goal: goalText, fmt: 'pct',
          value: g.share_of_peak, pass: (v) => v >= 0.85, why: 'no share_of_peak' });
  if (!mix.length) add({ what: `kernels: ${label} matmul share of measured peak, n >= 64`, goal: goalText, fmt: 'pct', value: null,
                         pass: (v) => v >= 0.85, why });
}

function kernelGoals(R, add) {
  const N = R.native;
  const has512 = R.machine.some((m) => (m.cpu_flags || []).includes('avx512f'));
  kernelShare(add, R.wasm_node.gemm, 'wasm (node, TurboFan, CPU time)', '>= 85% of SIMD128 peak', 'no wasm_gemm.jsonl');
  // Where the CPU has AVX-512 the plain run picks it, and the AVX2 numbers come from the forced run.
  const avx2 = (N.gemm_avx2.length ? N.gemm_avx2 : N.gemm).filter((g) => g.kernel === 'avx2-fma' || g.bench === 'peak');
  kernelShare(add, avx2, 'AVX2', '>= 85% of FMA peak',
              N.gemm.length ? `no avx2-fma rows (kernel: ${N.gemm.find((g) => g.kernel)?.kernel}; no native_gemm_avx2.jsonl)` : 'no native_gemm.jsonl');
  const avx512 = N.gemm.filter((g) => g.kernel === 'avx512-fma');
  kernelShare(add, avx512, 'AVX-512', '>= 85% of FMA peak',
              has512 ? 'no avx512-fma rows in native_gemm.jsonl' : 'this CPU has no AVX-512; needs an avx512f machine');
}

function threadGoals(R, add) {
  const TH = R.browser_threads?.threads;
  const why = !R.browser_threads ? 'no browser_threads.json' : TH?.skipped || 'browser_threads.json has no threads result';
  add({ what: 'threads: threaded module vs plain, T = 256, 2 cores', goal: '>= 1.7x', fmt: 'x',
        value: TH && !TH.skipped ? TH.speedup_vs_plain : null, pass: (v) => v >= 1.7, why,
        note: TH && !TH.skipped ? `${TH.threads} threads, ${TH.hardwareConcurrency} cores (cross-origin isolated page)` : '' });
}

function scaleGoals(R, add) {
  const S = R.scale_page;
  const why = 'no scale_page.json (the 12 x 768 page at 2048 tokens)';
  const note = S && S.T !== 2048 ? `the page held T = ${S.T}, not 2048` : '';
  add({ what: 'scale: the page holds a 2048-token prompt of a 12 x 768 model within 1 GB of wasm memory', goal: '<= 1 GB (1024 MiB = 1074 MB)',
        fmt: 'mb', value: isNum(S?.wasm_memory_bytes) ? S.wasm_memory_bytes / 1e6 : null, pass: (v) => v * 1e6 <= 2 ** 30, why, note });
  add({ what: 'scale: that page\'s keystroke at 2048 tokens', goal: 'reference', fmt: 'ms', value: S?.keystroke_ms, pass: null, why, note });
  add({ what: 'scale: that page, open to ready', goal: 'reference', fmt: 'ms', value: S?.ready_ms, pass: null, why, note });
}

function goals(R) {
  const G = [], add = (g) => G.push({ note: '', ...g, value: isNum(g.value) ? g.value : null });
  keystrokeGoals(R, add);
  wasmForwardGoals(R, add);
  nativeGoals(R, add);
  kernelGoals(R, add);
  threadGoals(R, add);
  scaleGoals(R, add);
  return G;
}

// ---- across runs ----

// One row per goal (what + goal text), in the order the runs first name them,
// with each run's value (null where that run has none).
function acrossRuns(perRun) {
  const rows = new Map();
  perRun.forEach((gs, i) => gs.forEach((g) => {
    const key = g.what + '|' + g.goal;
    if (!rows.has(key)) rows.set(key, { g, vals: perRun.map(() => null) });
    const row = rows.get(key);
    if (g.value != null) {
      row.vals[i] = g.value;
      if (row.g.value == null) row.g = g;  // note and pass from a run that measured it
    }
  }));
  return [...rows.values()];
}

// Median, min-max and spread in % of the median; steady needs 3 measured runs within 5%.
function summarize({ g, vals }) {
  const got = vals.filter((v) => v != null);
  if (!got.length) return { g, measured: false };
  const m = median(got), lo = Math.min(...got), hi = Math.max(...got), spread = m ? (hi - lo) / Math.abs(m) : 0;
  return { g, measured: true, n: got.length, median: m, lo, hi, spread,
           status: g.pass ? (g.pass(m) ? 'met' : 'missed') : 'reference',
           steady: got.length >= 3 ? (spread <= 0.05 ? 'yes' : 'no') : `n/a (${got.length} run${got.length > 1 ? 's' : ''})` };
}

function goalRow(s, nRuns) {
  const { g } = s;
  if (!s.measured) return `| ${g.what} | not measured | | ${g.goal} | not measured | | ${g.why} |`;
  const u = UNITS[g.fmt];
  const spread = s.n > 1 ? `${u.num(s.lo)}-${u.num(s.hi)}${u.unit} (${(100 * s.spread).toFixed(1)}%)` : 'one run';
  const note = [g.note, s.n < nRuns ? `measured in ${s.n} of ${nRuns} runs` : ''].filter(Boolean).join('; ');
  return `| ${g.what} | ${show(g.fmt, s.median)} | ${spread} | ${g.goal} | ${s.status} | ${s.steady} | ${note} |`;
}

function goalsTable(runs) {
  const rows = acrossRuns(runs.map(goals)).map(summarize);
  const measured = rows.filter((s) => s.measured), steady = measured.filter((s) => s.steady === 'yes');
  const judged = measured.filter((s) => s.status !== 'reference');
  const count = (st) => judged.filter((s) => s.status === st).length;
  const md = ['## Targets (issue #22)', '',
    `Each number is the median over ${runs.length} run${runs.length > 1 ? 's' : ''} of that run's value (a run's value is itself a median ` +
    'of its repetitions); the spread is the lowest-highest run and (highest - lowest) / median; steady = yes when that is <= 5% ' +
    'over at least three runs. Met or missed is judged on the median. "not measured" says what the raw data lacks.', '',
    '| goal | measured (median of runs) | spread: min-max (% of median) | target | status | steady | note |',
    '|---|---|---|---|---|---|---|', ...rows.map((s) => goalRow(s, runs.length))];
  // The "steady numbers" goal, as its own row.
  md.push(runs.length >= 3
    ? `| steady numbers: every measured row within 5% across three runs | ${steady.length} of ${measured.length} rows | | all | ${steady.length === measured.length ? 'met' : 'missed'} | | |`
    : `| steady numbers: every measured row within 5% across three runs | not measured | | all | not measured | | needs three runs (this report has ${runs.length}) |`);
  md.push('', `${count('met')} of ${judged.length} measured goals are met and ${count('missed')} missed; ` +
          `${rows.length - measured.length} ${rows.length - measured.length === 1 ? 'row is' : 'rows are'} not measured. ` +
          (runs.length >= 3 ? `${steady.length} of ${measured.length} measured rows are steady (within 5% across the runs); the others moved more, so read their status with the spread.`
            : `Steadiness needs three runs; this report has ${runs.length}.`), '');
  return md;
}

// ---- round 1: its targets and the detailed tables of one run ----
// Pushes the tables onto md and returns round 1's targets as
// [what, measured, goal, status, note] (measured as printed).
function round1(R, md) {
  const targets = [];
  const target = (what, value, goal, met, note = '') => targets.push([what, value, goal, met == null ? 'not measured' : met ? 'met' : 'missed', note]);
  // Browser forwards
  const B = R.browser;
  if (B && B.forwards) {
    md.push('## Browser: one page load, headless Chromium, one thread', '');
    md.push(`Cross-origin isolated: ${B.forwards.crossOriginIsolated} (so every runtime runs single-threaded). ` +
            `${B.forwards.reps} timed rounds after ${B.forwards.warmup} warm-up rounds; wall-time medians in ms.`, '');
    md.push('| T | ours, all taps | ours, logits | ORT Web wasm, logits | ORT Web wasm, instrumented | ORT logits / ours all taps | ORT instrumented / ours all taps |');
    md.push('|---|---|---|---|---|---|---|');
    for (const r of B.forwards.rows) {
      const a = r.cpu_all?.median_ms, l = r.cpu_logits?.median_ms, ol = r.ort_wasm_logits?.median_ms, ot = r.ort_wasm_taps?.median_ms;
      md.push(`| ${r.T} | ${f1(a)} | ${f1(l)} | ${f1(ol)} | ${f1(ot)} | ${ol && a ? f2(ol / a) + 'x' : 'n/a'} | ${ot && a ? f2(ot / a) + 'x' : 'n/a'} |`);
    }
    for (const [v, e] of Object.entries(B.forwards.errors || {})) md.push('', `- ${v}: not measured: ${e}`);
    md.push('');
    const row = (T) => B.forwards.rows.find((r) => r.T === T) || {};
    for (const T of [128, 256]) {
      const r = row(T), x = r.ort_wasm_logits && r.cpu_all ? r.ort_wasm_logits.median_ms / r.cpu_all.median_ms : null;
      target(`wasm forward, every tap, vs ORT Web logits-only, T = ${T}`, x == null ? 'n/a' : f2(x) + 'x', '>= 1.0x', x == null ? null : x >= 1.0);
    }
    {
      const r = row(256), x = r.ort_wasm_taps && r.cpu_all ? r.ort_wasm_taps.median_ms / r.cpu_all.median_ms : null;
      target('wasm forward, every tap, vs ORT Web instrumented, T = 256', x == null ? 'n/a' : f2(x) + 'x', '>= 1.5x', x == null ? null : x >= 1.5);
      const s = row(16), y = s.ort_wasm_logits && s.cpu_all ? s.ort_wasm_logits.median_ms / s.cpu_all.median_ms : null;
      target('wasm forward, every tap, vs ORT Web logits-only, T = 16', y == null ? 'n/a' : f2(y) + 'x', '>= 1.5x', y == null ? null : y >= 1.5);
    }
    if (B.forwards_gpu) {
      md.push('WebGPU (no GPU on this machine: Chromium\'s SwiftShader fallback adapter runs the shaders on the CPU, so these are a software renderer\'s times):', '');
      md.push('| T | ours, CPU logits | ORT Web WebGPU EP, logits |', '|---|---|---|');
      for (const r of B.forwards_gpu.rows) md.push(`| ${r.T} | ${f1(r.cpu_logits?.median_ms)} | ${f1(r.ort_webgpu_logits?.median_ms)} |`);
      for (const [v, e] of Object.entries(B.forwards_gpu.errors || {})) md.push('', `- ${v}: not measured: ${e}`);
      md.push('');
    }
    if (B.webgpu) {
      if (B.webgpu.error) md.push(`Our WebGPU forward: not measured: ${B.webgpu.error}`, '');
      else {
        const ms = B.webgpu.runs.map((r) => r.ms).sort((a, b) => a - b), cpu = B.webgpu.runs.map((r) => r.cpu_ms).sort((a, b) => a - b);
        md.push(`Our WebGPU forward (in the app, T = ${B.webgpu.T}, logits read back): median ${f1(ms[ms.length >> 1])} ms; ` +
                `our CPU backend on the same ids, same page: ${f1(cpu[cpu.length >> 1])} ms; ` +
                `max |webgpu - cpu| logits ${B.webgpu.runs[0].max_diff_logits}.`, '');
      }
    }
    if (R.webgpu_sizes) {
      const W = R.webgpu_sizes;
      md.push(`Our WebGPU forward against our CPU forward in the app (bench/browser/webgpu_sizes.mjs, logits read back, ` +
              `adapter ${JSON.stringify(W.adapter)}: a software adapter here, so WebGPU times are a software renderer's):`, '');
      md.push('| T | ours, WebGPU (ms) | ours, CPU (ms) | WebGPU / CPU time | max abs logit diff |', '|---|---|---|---|---|');
      for (const r of W.rows)
        md.push(r.error ? `| ${r.T} | not measured: ${r.error} | | | |`
          : `| ${r.T} | ${f1(r.webgpu_ms)} | ${f1(r.cpu_ms)} | ${f1(r.webgpu_ms / r.cpu_ms)}x | ${r.max_diff_logits.toExponential(1)} |`);
      md.push('');
    }
    if (B.edit_to_frame) {
      const e = B.edit_to_frame, ortFull = row(128).ort_wasm_taps?.median_ms;
      md.push('## Edit to frame', '');
      md.push(`One character typed at the end of a ${e.base_tokens}-token prompt (ss_set_prompt, as the prompt box does), ` +
              `until a frame has drawn the new analysis: wall median ${f1(e.wall_median_ms)} ms (includes waiting for the next ` +
              `animation frame), the app's own tokenize + forward + explorer frame ${f1(e.app_median_ms)} ms ` +
              `(${e.wall_ms.length} edits after one warm-up). ORT Web's full re-run (instrumented, T = 128): ${f1(ortFull)} ms.`, '');
      const ee = B.engine_edit;
      if (ee) md.push(`The engine's part alone (bench page, nothing drawing): retyping the last of ${ee.T} tokens with every tap ` +
                      `kept takes ${f1(ee.median_ms)} ms (median of 9).`, '');
      // "New analysis on screen": the app's own time from the edit to the end of
      // the frame that drew it; the wall time adds waiting for animation frames,
      // which headless Chromium's software GL (SwiftShader) makes slow here.
      const x = ortFull && e.app_median_ms ? ortFull / e.app_median_ms : null;
      target('edit to frame vs ORT Web full re-run (instrumented, T = 128)', x == null ? 'n/a' : f1(x) + 'x', '>= 20x', x == null ? null : x >= 20,
             'the app\'s edit-to-frame time');
      target('edit to frame, in the app (tokenize + forward + analysis + panels)', f1(e.app_median_ms) + ' ms', '<= 16 ms', e.app_median_ms <= 16);
      target('edit to frame, wall (adds the animation-frame wait; software GL here)', f1(e.wall_median_ms) + ' ms', '<= 16 ms', e.wall_median_ms <= 16);
      if (ee && ortFull) target('engine keystroke alone vs ORT Web full re-run (T = 128)', f1(ortFull / ee.median_ms) + 'x', '>= 20x',
                                ortFull / ee.median_ms >= 20, `forward part only: ${f1(ee.median_ms)} ms`);
    }
    if (B.kernels) {
      const k = B.kernels;
      md.push('## Kernels in the page', '');
      md.push(`Measured SIMD128 peak (f32x4 mul+add, independent chains): ${f1(k.peak_gflops)} GFLOP/s; linear() path: ${k.path}.`, '');
      md.push('| n | shape (in x out) | GFLOP/s | share of peak |', '|---|---|---|---|');
      for (const r of k.rows) md.push(`| ${r.n} | ${r.shape} (${r.in} x ${r.out}) | ${f1(r.gflops)} | ${pct(r.share_of_peak)} |`);
      md.push('');
      md.push('Caveat: the page\'s peak loop is one long call per run, and V8 has no on-stack replacement for wasm, so it may ' +
              'run in the baseline tier (Liftoff) while linear() (called many times) is optimised: read the share of peak from ' +
              'the node table below (TurboFan from the start, CPU time). The page\'s clock is also coarse without cross-origin ' +
              'isolation (about 0.1 ms), so best-of times of the small shapes read high.', '');
    }
    if (B.page_ready) target('page ready (navigation to first analysis drawn)', f1(B.page_ready.ms) + ' ms', '<= 3000 ms', B.page_ready.ms <= 3000);
    if (B.sizes) {
      const mb = B.sizes.total_gzip / 1e6;
      target('wasm + js gzipped (sinkscope.wasm, sinkscope.js, loader.js)', f2(mb) + ' MB', '<= 1.5 MB', mb <= 1.5,
             `wasm ${f2(B.sizes['sinkscope.wasm'] / 1e6)} MB, js ${f2(B.sizes['sinkscope.js'] / 1e6)} MB`);
    }
  }
  const TH = R.browser_threads && R.browser_threads.threads;
  if (TH && !TH.skipped) {
    const v = TH.variants;
    md.push('## Threads: the threaded module against the plain one', '');
    md.push(`A second page load, cross-origin isolated (COOP/COEP), so the threaded module (preset wasm-mt, ` +
            `${TH.threads} threads on ${TH.hardwareConcurrency} cores) can run next to the plain one; interleaved, ` +
            `${TH.reps} rounds after ${TH.warmup} warm-up. Every tap kept.`, '');
    md.push(`| module | forward, T = ${TH.T} (ms) | one-token edit at T = 128 (ms) |`, '|---|---|---|');
    const name = { plain: 'plain (sinkscope.wasm)', mt_1: 'threaded, 1 thread', mt_n: `threaded, ${TH.threads} threads` };
    for (const [k, r] of Object.entries(v)) md.push(`| ${name[k] || k} | ${f1(r.forward_median_ms)} | ${f2(r.edit128_median_ms)} |`);
    md.push('');
    target(`threaded build (COOP/COEP, ${TH.threads} threads) vs single-threaded, T = 256`, f2(TH.speedup_vs_plain) + 'x', '>= 1.7x',
           TH.speedup_vs_plain >= 1.7, `vs the threaded module at 1 thread: ${f2(TH.speedup_vs_mt_1)}x; one-token edit ${f2(TH.edit_speedup_vs_plain)}x`);
  } else {
    target('threaded build (COOP/COEP) vs single-threaded, T = 256', 'not measured', '>= 1.7x', null,
           TH ? TH.skipped : 'no browser_threads.json (scripts/bench.sh writes it)');
  }

  // Native
  if (R.native.forward.length) {
    md.push('## Native, one thread (thread / process CPU time)', '');
    md.push('| T | ours, all taps | ours, logits | onnxruntime-node, logits | onnxruntime-node, instrumented | ORT logits / ours logits | ORT instrumented / ours all taps |');
    md.push('|---|---|---|---|---|---|---|');
    for (const r of R.native.forward) {
      const o = by(R.native.ort_node, 'T', r.T) || {};
      md.push(`| ${r.T} | ${f1(r.all_taps_ms)} | ${f1(r.logits_ms)} | ${f1(o.logits_ms)} | ${f1(o.taps_ms)} | ` +
              `${o.logits_ms ? f2(o.logits_ms / r.logits_ms) + 'x' : 'n/a'} | ${o.taps_ms ? f2(o.taps_ms / r.all_taps_ms) + 'x' : 'n/a'} |`);
    }
    md.push('');
    const r = by(R.native.forward, 'T', 128), o = by(R.native.ort_node, 'T', 128);
    const x = r && o ? o.logits_ms / r.logits_ms : null;
    target('native forward vs onnxruntime-node, logits-only exports, T = 128', x == null ? 'n/a' : f2(x) + 'x', '>= 1.0x', x == null ? null : x >= 1.0);
  }
  for (const [label, src] of [['Native (AVX-512 or AVX2 + FMA, the widest the CPU has, else Eigen)', R.native], ['wasm under node (TurboFan)', R.wasm_node]]) {
    const peak = src.gemm.find((g) => g.bench === 'peak');
    if (!peak) continue;
    md.push(`## GEMM, ${label}`, '');
    const kernel = (src.gemm.find((g) => g.bench === 'gemm') || {}).kernel;
    const width = { 'avx512-fma': '16-wide FMA (AVX-512)', 'avx2-fma': '8-wide FMA' }[kernel] || '4-wide mul+add';
    md.push(`Measured ${width} peak: ${f1(peak.gflops)} GFLOP/s (CPU time).`, '');
    md.push('| n | shape | kernel | GFLOP/s | share of peak |', '|---|---|---|---|---|');
    for (const g of src.gemm.filter((g) => g.bench === 'gemm'))
      md.push(`| ${g.n} | ${g.shape} (${g.in} x ${g.out}) | ${g.kernel} | ${f1(g.gflops)} | ${pct(g.share_of_peak)} |`);
    md.push('');
    if (src.forward.length) {
      md.push('| T | forward, all taps (ms) | logits only (ms) | taps kept (MB) |', '|---|---|---|---|');
      for (const r of src.forward) md.push(`| ${r.T} | ${f1(r.all_taps_ms)} | ${f1(r.logits_ms)} | ${f1(r.taps_mb)} |`);
      md.push('');
    }
  }
  // AVX-512 against AVX2 on the same CPU: bench.sh runs bench_gemm and
  // bench_forward a second time with SINKSCOPE_CPU_PATH=avx2 when the CPU has AVX-512.
  {
    const g512 = R.native.gemm.filter((g) => g.kernel === 'avx512-fma');
    const g2 = R.native.gemm_avx2.filter((g) => g.kernel === 'avx2-fma');
    const cpuHas512 = R.machine.some((m) => (m.cpu_flags || []).includes('avx512f'));
    if (cpuHas512 || g512.length)
      target('native AVX-512 path picked at run time where the CPU has it', g512.length ? 'avx512-fma' : R.native.gemm.find((g) => g.kernel)?.kernel || 'n/a',
             'avx512-fma', R.native.gemm.length ? g512.length > 0 : null);
    const mix = g512.filter((g) => g.bench === 'gemm_mix' && g.n >= 64);
    if (mix.length)
      target('native AVX-512 matmul share of its measured 16-wide FMA peak (demo-lm mix at n = 64 / 128 / 256)',
             mix.map((g) => pct(g.share_of_peak)).join(' / '), '>= 85%', mix.every((g) => g.share_of_peak >= 0.85));
    if (g512.length && g2.length) {
      const p512 = R.native.gemm.find((g) => g.bench === 'peak'), p2 = g2.find((g) => g.bench === 'peak');
      md.push('## Native kernels: AVX-512 against AVX2 on the same CPU', '',
              `The same benchmarks run a second time with the AVX2 kernel forced (\`SINKSCOPE_CPU_PATH=avx2\`). ` +
              `Measured peaks: 16-wide FMA ${f1(p512?.gflops)} GFLOP/s, 8-wide FMA ${f1(p2?.gflops)} GFLOP/s.`, '',
              '| n | shape | AVX2 GFLOP/s (share of its peak) | AVX-512 GFLOP/s (share of its peak) | AVX-512 / AVX2 |', '|---|---|---|---|---|');
      for (const a of g512.filter((g) => g.bench === 'gemm' || g.bench === 'gemm_mix')) {
        const b = g2.find((g) => g.bench === a.bench && g.n === a.n && g.shape === a.shape);
        if (b) md.push(`| ${a.n} | ${a.shape || 'demo-lm mix'} | ${f1(b.gflops)} (${pct(b.share_of_peak)}) | ${f1(a.gflops)} (${pct(a.share_of_peak)}) | ${f2(a.gflops / b.gflops)}x |`);
      }
      md.push('');
      const f2s = R.native.forward_avx2;
      if (f2s.length) {
        md.push('| T | AVX2 all taps (ms) | AVX2 logits (ms) | AVX-512 all taps (ms) | AVX-512 logits (ms) | AVX2 / AVX-512, logits |', '|---|---|---|---|---|---|');
        for (const r of R.native.forward) {
          const b = by(f2s, 'T', r.T);
          if (b) md.push(`| ${r.T} | ${f1(b.all_taps_ms)} | ${f1(b.logits_ms)} | ${f1(r.all_taps_ms)} | ${f1(r.logits_ms)} | ${f2(b.logits_ms / r.logits_ms)}x |`);
        }
        md.push('');
      }
    }
  }
  // 16-bit weights (bench_forward's keystroke row): every matrix kept 16-bit and
  // widened in the kernel, against the same weights as float32; bit-equal results.
  const ks = [['native', R.native.keystroke[0]], ['wasm under node', R.wasm_node.keystroke[0]]].filter(([, k]) => k);
  if (ks.length) {
    md.push('## 16-bit weights: the keystroke', '',
            'One token appended at T = 128 through the KV cache, every tap kept, demo-lm (f16): every matrix kept 16-bit ' +
            'and widened in the kernel against the same weights as float32 (the results are equal bit for bit). ' +
            'Medians of interleaved runs, ms. Which builds keep f16 16-bit by default: docs/families.md.', '',
            '| build | kernel | 16-bit weights | float32 weights | float32 / 16-bit |', '|---|---|---|---|---|');
    for (const [label, k] of ks)
      md.push(`| ${label} | ${k.kernel} | ${f2(k.weights_16bit_ms)} | ${f2(k.weights_f32_ms)} | ${f2(k.ratio)}x |`);
    md.push('');
    const n = R.native.keystroke[0];
    if (n) target('native keystroke, 16-bit weights vs float32 (streams half the bytes)', f2(n.ratio) + 'x', '> 1.0x', n.ratio > 1.0);
  }
  const wn = R.wasm_node.gemm.filter((g) => g.bench === 'gemm_mix' && g.n >= 128);
  if (wn.length)
    target('wasm matmul share of measured SIMD128 peak (node, TurboFan, CPU time; demo-lm mix at n = 128 / 256)', wn.map((g) => pct(g.share_of_peak)).join(' / '), '>= 85%',
           wn.every((g) => g.share_of_peak >= 0.85));

  return targets;
}

// Round 1's table: each run's measured value side by side; the status is
// every run's when they agree, else how many runs met it.
function round1Table(perRun) {
  const rows = new Map();
  perRun.forEach((ts, i) => ts.forEach(([what, value, goal, status, note]) => {
    if (!rows.has(what)) rows.set(what, { goal, note, values: perRun.map(() => 'n/a'), status: perRun.map(() => null) });
    const r = rows.get(what);
    r.values[i] = value;
    r.status[i] = status;
  }));
  const md = ['## Round 1 targets', '', 'The first round\'s targets, kept for comparison; measured lists each run\'s value (run 1; run 2; ...).', '',
              '| target | measured | goal | status | note |', '|---|---|---|---|---|'];
  for (const [what, r] of rows) {
    const seen = r.status.filter(Boolean), met = seen.filter((s) => s === 'met').length;
    const status = seen.every((s) => s === seen[0]) ? seen[0] : `met in ${met} of ${seen.length} runs`;
    md.push(`| ${what} | ${r.values.join('; ')} | ${r.goal} | ${status} | ${r.note} |`);
  }
  md.push('');
  return md;
}

// ---- machine ----

function machineSection(runs) {
  const md = ['## Machine', ''];
  const m = runs.flatMap((R) => R.machine)[0];
  if (m) md.push(`${m.cores} cores, ${m.cpu}, ${m.mem_gb} GB, CPU flags ${(m.cpu_flags || []).join(' ')}; kernel ${m.kernel}; ` +
                 `node ${m.node}, ${m.chromium}, ${m.emcc}, ${m.gxx}.`, '');
  md.push('Load average (1 / 5 / 15 min) at the start and end of each run:', '');
  for (const R of runs) {
    const at = (stage) => R.machine.find((x) => x.stage === stage);
    const one = (x) => (x ? `${x.loadavg.join(' / ')} (${x.when})` : 'not recorded');
    md.push(`- ${R.run}: start ${one(at('start'))}, end ${one(at('end'))}`);
  }
  md.push('', 'The machine is shared (2 cores, several engineers building at once): native and node numbers are therefore ' +
          'CPU time of the benchmark\'s own thread (process for onnxruntime-node), which time spent descheduled does not inflate; ' +
          'browser numbers can only be wall time, so they are medians of interleaved runs (every variant once per round, ' +
          'warm-up rounds first) and the ratios within a round are what to read.', '');
  return md;
}

// ---- main ----

const runs = runDirs(rawDir).map(loadRun);
fs.writeFileSync(outJson, JSON.stringify({ runs }, null, 1) + '\n');

const details = [], r1 = runs.map((R, i) => round1(R, i === 0 ? details : []));
const svgPath = path.join(path.dirname(outJson), 'scale.svg');
const scale = scaleSection(runs, path.relative(path.dirname(outMd), svgPath).split(path.sep).join('/'));
if (scale.svg) fs.writeFileSync(svgPath, scale.svg);

const md = ['# Benchmarks', '',
  'Generated by `bash scripts/bench.sh`: issue #22\'s goals, met or missed, with the spread over ' +
  `${runs.length} measurement run${runs.length > 1 ? 's' : ''} of one build; round 1's targets; the scale table and plot; ` +
  'the numbers behind them. Raw numbers of every run in `bench/results.json`. Numbers, not tests: nothing here fails CI.', '',
  ...goalsTable(runs), ...round1Table(r1), ...machineSection(runs), ...scale.md];
// The GPU machine's newest run (made by hand: scripts/gpu_bench.sh), committed in bench/gpu/results.
const gpuDir = fileURLToPath(new URL('./gpu/results', import.meta.url));
md.push(...gpuSection(gpuDir, path.relative(path.dirname(path.resolve(outMd)), gpuDir).split(path.sep).join('/')));
if (runs.length > 1) md.push(`The tables below are ${runs[0].run}'s (of ${runs.length} runs); the targets above give every run.`, '');
md.push(...details);
const notes = fileURLToPath(new URL('./NOTES.md', import.meta.url));
if (fs.existsSync(notes)) md.push(fs.readFileSync(notes, 'utf8'));
fs.writeFileSync(outMd, md.join('\n') + '\n');
