// bench.mjs: the benchmark page's timing loops (BENCHMARKS.md). bench.html loads
// bench_page.js (bench/bench_page.cpp: libsinkscope's engine without the app,
// so nothing else draws while it times) and this module, which defines
//
//   await sinkscopeBench.ready({model})      creates the module, loads models/<model>/
//   await sinkscopeBench.forwards({Ts, reps, warmup, variants})
//       For each T: every variant timed once per round, rounds interleaved
//       (A B C A B C ...), `warmup` untimed rounds first; medians of the rest.
//       Variants (skipped with a note when their runtime is missing):
//         cpu_all      our wasm CPU forward, every tap kept (ss_bench_forward)
//         cpu_logits   the same, logits only
//         ort_wasm_logits / ort_wasm_taps     ONNX Runtime Web, wasm EP, on the
//                      logits-only and the instrumented export (web/ort_bridge.js)
//         ort_webgpu_logits                   ONNX Runtime Web, WebGPU EP
//   sinkscopeBench.kernels()                 measured SIMD128 peak and linear() GFLOP/s
//   sinkscopeBench.edit(T, reps)             median ms of our engine retyping the last of T tokens
//                                            (the forward part of a keystroke, every tap kept)
//   sinkscopeBench.promptOf(tokens)          a prompt of at most `tokens` tokens (with BOS)
//   await sinkscopeBench.threads({T, reps, warmup})
//       The threaded module (bench_page_mt.js, only in a cross-origin isolated
//       page) against this plain one, interleaved: every-tap forward at T and
//       the one-token edit at 128, at 1 thread and at the core count (max 4).
// The app's own numbers (page ready, edit to frame) are timed on index.html by
// bench/browser/run.mjs. All times are wall times (performance.now).

let mod = null;
const M = () => mod;
const call = (name, ret, types, args) => M().ccall(name, ret, types || [], args || []);
const median = (a) => {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Public-domain prose (Pride and Prejudice, ch. 1), long enough for 256+ tokens.
const TEXT = 'It is a truth universally acknowledged, that a single man in possession of a good fortune, ' +
  'must be in want of a wife. However little known the feelings or views of such a man may be on his first ' +
  'entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is ' +
  'considered the rightful property of some one or other of their daughters. "My dear Mr. Bennet," said his ' +
  'lady to him one day, "have you heard that Netherfield Park is let at last?" Mr. Bennet replied that he had ' +
  'not. "But it is," returned she; "for Mrs. Long has just been here, and she told me all about it." Mr. Bennet ' +
  'made no answer. "Do you not want to know who has taken it?" cried his wife impatiently. "You want to tell me, ' +
  'and I have no objection to hearing it." This was invitation enough. "Why, my dear, you must know, Mrs. Long ' +
  'says that Netherfield is taken by a young man of large fortune from the north of England; that he came down ' +
  'on Monday in a chaise and four to see the place, and was so much delighted with it, that he agreed with Mr. ' +
  'Morris immediately; that he is to take possession before Michaelmas, and some of his servants are to be in ' +
  'the house by the end of next week." "What is his name?" "Bingley." "Is he married or single?" "Oh! Single, ' +
  'my dear, to be sure! A single man of large fortune; four or five thousand a year. What a fine thing for our ' +
  'girls!" "How so? How can it affect them?" "My dear Mr. Bennet," replied his wife, "how can you be so ' +
  'tiresome! You must know that I am thinking of his marrying one of them." "Is that his design in settling ' +
  'here?" "Design! Nonsense, how can you talk so! But it is very likely that he may fall in love with one of ' +
  'them, and therefore you must visit him as soon as he comes."';

function ids(T) {
  const all = call('ss_bench_encode', 'string', ['string'], [TEXT + ' ' + TEXT]).split(',').map(Number);
  if (all.length < T) throw new Error(`bench text has only ${all.length} tokens, need ${T}`);
  return all.slice(0, T);
}

// One CPU forward on ids (copied into wasm memory), ms.
function cpuForward(idv, allTaps) {
  const p = M()._malloc(4 * idv.length);
  M().HEAP32.set(Int32Array.from(idv), p >> 2);
  const ms = call('ss_bench_forward', 'number', ['number', 'number', 'number'], [p, idv.length, allTaps ? 1 : 0]);
  M()._free(p);
  if (ms < 0) throw new Error('ss_bench_forward failed');
  return ms;
}

async function ortBridge() {
  if (window.sinkscopeOrt) return window.sinkscopeOrt;
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = 'ort_bridge.js';
    s.onload = resolve;
    s.onerror = () => reject(new Error('ort_bridge.js not found'));
    document.head.appendChild(s);
  });
  if (!window.sinkscopeOrt) throw new Error('ort_bridge.js did not define sinkscopeOrt');
  return window.sinkscopeOrt;
}

function variantsFor(model) {
  const ort = (graph, ep) => async (idv) => {
    const o = await ortBridge();
    const r = await o.time({ model, ids: idv, graph, ep, runs: 1, warmup: 0 });
    return r.median;
  };
  return {
    cpu_all: async (idv) => cpuForward(idv, true),
    cpu_logits: async (idv) => cpuForward(idv, false),
    ort_wasm_logits: ort('logits', 'wasm'),
    ort_wasm_taps: ort('taps', 'wasm'),
    ort_webgpu_logits: ort('logits', 'webgpu'),
  };
}

// Fetches models/<model>/ into module m (ss_bench_load); throws the error.
async function loadInto(m, model) {
  const get = async (f) => {
    const r = await fetch(`models/${model}/${f}`);
    if (!r.ok) throw new Error(`models/${model}/${f}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const files = await Promise.all(['config.json', 'tokenizer.json', 'model.safetensors'].map(get));
  const ptrs = files.map((b) => { const p = m._malloc(Math.max(1, b.length)); m.HEAPU8.set(b, p); return p; });
  const err = m.ccall('ss_bench_load', 'string', ['number', 'number', 'number', 'number', 'number', 'number'],
                      [ptrs[0], files[0].length, ptrs[1], files[1].length, ptrs[2], files[2].length]);
  ptrs.forEach((p) => m._free(p));
  if (err) throw new Error(err);
}

async function ready({ model = 'demo-lm' } = {}) {
  const t0 = performance.now();
  mod = await window.createSinkscopeBench();
  await loadInto(mod, model);
  document.getElementById('status').textContent = 'ready';
  return { load_ms: performance.now() - t0 };
}

// ids copied into module m, then fn(pointer); freed after.
function withIds(m, idv, fn) {
  const p = m._malloc(4 * idv.length);
  // A threaded module's memory may have grown in a worker, which leaves
  // m.HEAP32 on the old buffer: view the memory itself.
  const heap = m.wasmMemory ? new Int32Array(m.wasmMemory.buffer) : m.HEAP32;
  heap.set(Int32Array.from(idv), p >> 2);
  try { return fn(p); } finally { m._free(p); }
}

async function threads({ model = 'demo-lm', T = 256, reps = 5, warmup = 2 } = {}) {
  if (!self.crossOriginIsolated) return { skipped: 'the page is not cross-origin isolated (no SharedArrayBuffer)' };
  if (!window.createSinkscopeBenchMt) return { skipped: 'bench_page_mt.js is not built (scripts/bench.sh builds it)' };
  const mt = await window.createSinkscopeBenchMt();
  await loadInto(mt, model);
  const cores = Math.min(navigator.hardwareConcurrency || 1, 4);
  const idv = ids(T), id128 = ids(128);
  const fwd = (m) => withIds(m, idv, (p) => m.ccall('ss_bench_forward', 'number', ['number', 'number', 'number'], [p, idv.length, 1]));
  const edit = (m) => withIds(m, id128, (p) => m.ccall('ss_bench_edit', 'number', ['number', 'number', 'number'], [p, id128.length, 5]));
  const variants = {
    plain: () => ({ fwd: fwd(mod), edit: edit(mod) }),
    mt_1: () => { mt.ccall('ss_bench_set_threads', 'number', ['number'], [1]); return { fwd: fwd(mt), edit: edit(mt) }; },
    mt_n: () => { mt.ccall('ss_bench_set_threads', 'number', ['number'], [cores]); return { fwd: fwd(mt), edit: edit(mt) }; },
  };
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, { fwd: [], edit: [] }]));
  for (let round = 0; round < warmup + reps; ++round) {
    for (const [k, f] of Object.entries(variants)) {
      const r = f();
      if (round >= warmup) times[k].fwd.push(r.fwd), times[k].edit.push(r.edit);
      await sleep(0);
    }
  }
  const threadsSet = mt.ccall('ss_bench_set_threads', 'number', ['number'], [cores]);
  const out = { T, reps, warmup, threads: threadsSet, hardwareConcurrency: navigator.hardwareConcurrency, variants: {} };
  for (const [k, t] of Object.entries(times))
    out.variants[k] = { forward_median_ms: median(t.fwd), forward_ms: t.fwd, edit128_median_ms: median(t.edit), edit128_ms: t.edit };
  out.speedup_vs_plain = out.variants.plain.forward_median_ms / out.variants.mt_n.forward_median_ms;
  out.speedup_vs_mt_1 = out.variants.mt_1.forward_median_ms / out.variants.mt_n.forward_median_ms;
  out.edit_speedup_vs_plain = out.variants.plain.edit128_median_ms / out.variants.mt_n.edit128_median_ms;
  return out;
}

async function forwards({ model = 'demo-lm', Ts = [16, 64, 128, 256], reps = 5, warmup = 2,
                          variants = ['cpu_all', 'cpu_logits', 'ort_wasm_logits', 'ort_wasm_taps'] } = {}) {
  const impl = variantsFor(model);
  const out = { model, reps, warmup, crossOriginIsolated: self.crossOriginIsolated, rows: [], errors: {} };
  const dead = new Set();
  for (const T of Ts) {
    const idv = ids(T);
    const times = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < warmup + reps; ++round) {
      for (const v of variants) {
        if (dead.has(v)) continue;
        try {
          const ms = await impl[v](idv);
          if (round >= warmup) times[v].push(ms);
        } catch (e) {
          dead.add(v);
          out.errors[v] = String(e && e.message || e);
        }
        await sleep(0);  // yield between runs (ORT Web resolves its promises there)
      }
    }
    const row = { T };
    for (const v of variants) if (times[v].length) row[v] = { median_ms: median(times[v]), ms: times[v] };
    out.rows.push(row);
  }
  return out;
}

function promptOf(tokens) {
  return call('ss_bench_prompt_prefix', 'string', ['string', 'number'], [TEXT, tokens]);
}

function kernels() {
  const peak = call('ss_bench_peak_gflops', 'number');
  const shapes = [['qkvo', 384, 384], ['mlp_up', 384, 832], ['mlp_down', 832, 384], ['lm_head', 384, 4096]];
  const rows = [];
  for (const n of [16, 128, 256]) {
    for (const [name, inn, outn] of shapes) {
      const g = call('ss_bench_linear_gflops', 'number', ['number', 'number', 'number', 'number'], [n, inn, outn, 7]);
      rows.push({ n, shape: name, in: inn, out: outn, gflops: g, share_of_peak: g / peak });
    }
  }
  return { path: call('ss_bench_linear_path', 'string'), peak_gflops: peak, rows };
}

function edit(T, reps = 9) {
  const idv = ids(T);
  const p = M()._malloc(4 * idv.length);
  M().HEAP32.set(Int32Array.from(idv), p >> 2);
  const ms = call('ss_bench_edit', 'number', ['number', 'number', 'number'], [p, idv.length, reps]);
  M()._free(p);
  if (ms < 0) throw new Error('ss_bench_edit failed');
  return ms;
}

window.sinkscopeBench = { ready, forwards, kernels, promptOf, ids, edit, threads };
