// The parity table under node: ONNX Runtime natively (npm onnxruntime-node,
// CPU EP) as a backend of the same table the unit tests and the browser suite
// print (engine/parity.h). The wasm build's headless module
// (build/wasm/sinkscope_headless.js, cmake/headless.cmake) runs the table; its
// "ort" backend (src/backends/ort) talks to globalThis.sinkscopeOrt, which a
// page gets from web/ort_bridge.js and which this test implements with
// onnxruntime-node on the native build's ONNX exports (build/native/onnx/,
// target onnx_exports). Cases: demo-lm's five golden prompts, a golden
// sequence of every shipped averaging model, and 23 tokens of every tiny
// Hugging Face family. Every exported tap (logits, resid_pre, q, k, v,
// attn_pattern, head_out, resid_post) is compared with the CPU backend (1e-4,
// relative to max(1, max |cpu|)); a planted error must fail its rows.
//
// Env: SINKSCOPE_NATIVE_BUILD (default build/native) holds onnx/;
//      SINKSCOPE_WASM_BUILD (default build/wasm) holds sinkscope_headless.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from './safetensors.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const onnxDir = path.resolve(root, process.env.SINKSCOPE_NATIVE_BUILD || 'build/native', 'onnx');
const headless = path.resolve(root, process.env.SINKSCOPE_WASM_BUILD || 'build/wasm', 'sinkscope_headless.js');
const results = path.join(root, 'test-results');

// web/ort_bridge.js's interface, on onnxruntime-node.
const sessions = new Map();
globalThis.sinkscopeOrt = {
  async run(req) {
    const file = path.join(onnxDir, req.model, req.graph === 'logits' ? 'model.logits.onnx' : 'model.onnx');
    if (!fs.existsSync(file)) throw Object.assign(new Error(`missing ${file} (target onnx_exports)`), { lost: true });
    if (!sessions.has(file)) sessions.set(file, await ort.InferenceSession.create(file));
    const s = sessions.get(file);
    const feeds = req.inputs
      ? { inputs: new ort.Tensor('float32', Float32Array.from(req.inputs), [req.inputs.length / req.width, req.width]) }
      : { input_ids: new ort.Tensor('int32', Int32Array.from(req.ids), [req.ids.length]) };
    const t0 = performance.now();
    const r = await s.run(feeds);
    const ms = performance.now() - t0;
    return { outputs: s.outputNames.map((name) => ({ name, dims: Array.from(r[name].dims, Number), data: r[name].data })), ms };
  },
};

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function cases() {
  const out = [];
  const demo = path.join(root, 'models', 'demo-lm');
  for (const p of JSON.parse(fs.readFileSync(path.join(demo, 'golden', 'prompts.json'), 'utf8')).prompts)
    out.push({ name: 'demo-lm', dir: demo, ids: p.ids });
  for (const avg of fs.readdirSync(path.join(root, 'models')).filter((n) => n.startsWith('averaging-')).sort()) {
    const dir = path.join(root, 'models', avg);
    const g = readSafetensors(path.join(dir, 'golden.safetensors'));
    const key = Object.keys(g).filter((k) => k.endsWith('.inputs')).sort()[0];
    out.push({ name: avg, dir, vectors: g[key].data, cols: g[key].shape[1] });
  }
  const rand = lcg(7);
  for (const fam of ['gpt2', 'llama', 'llama_tied_f16', 'neox', 'neox_seq', 'averaging']) {
    const dir = path.join(root, 'tests', 'data', 'tiny', fam);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    if (fam === 'averaging') {
      const cols = cfg.d_input + 1, v = [];
      for (let t = 0; t < 23; ++t)
        for (let c = 0; c < cols; ++c) v.push(c === cols - 1 ? (t % 5 === 0 ? 1 : 0) : rand() * 2 - 1);
      out.push({ name: `tiny-${fam}`, dir, vectors: v, cols });
    } else {
      out.push({ name: `tiny-${fam}`, dir, ids: Array.from({ length: 23 }, () => Math.floor(rand() * cfg.vocab_size)) });
    }
  }
  return out;
}

async function runTable(M, backend, list, plant = ['', 0]) {
  M.ccall('ss_parity_clear', null, [], []);
  const put = (u8) => { const p = M._malloc(Math.max(1, u8.byteLength)); M.HEAPU8.set(new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength), p); return p; };
  for (const c of list) {
    const cfg = fs.readFileSync(path.join(c.dir, 'config.json')), st = fs.readFileSync(path.join(c.dir, 'model.safetensors'));
    const ids = Int32Array.from(c.ids || []), vec = Float32Array.from(c.vectors || []);
    const ptrs = [put(cfg), put(st), put(ids), put(vec)];
    const err = M.ccall('ss_parity_add_case', 'string',
                        ['string', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number'],
                        [c.name, ptrs[0], cfg.length, ptrs[1], st.length, ptrs[2], ids.length, c.vectors ? ptrs[3] : 0,
                         c.vectors ? vec.length / c.cols : 0, c.cols || 0]);
    ptrs.forEach((p) => M._free(p));
    assert.equal(err, '', `${c.name}: ${err}`);
  }
  assert.equal(M.ccall('ss_parity_start', 'number', ['string', 'string', 'number'], [backend, plant[0], plant[1]]), 1,
               `backend ${backend} is not available`);
  while (!M.ccall('ss_parity_step', 'number', [], [])) await new Promise((r) => setImmediate(r));
  return { rows: JSON.parse(M.ccall('ss_parity_rows', 'string', [], [])), table: M.ccall('ss_parity_table', 'string', [], []),
           passed: M.ccall('ss_parity_passed', 'number', [], []) };
}

async function load() {
  assert.ok(fs.existsSync(headless), `missing ${headless}: build the wasm preset`);
  const create = createRequire(import.meta.url)(headless);
  // The wasm bytes handed over: node's fetch (on unless --no-experimental-fetch)
  // cannot load a file path, which the module would otherwise try.
  return create({ wasmBinary: fs.readFileSync(headless.replace(/\.js$/, '.wasm')) });
}

test('onnxruntime-node: every exported tap matches the CPU backend on demo-lm, the averaging models and every tiny family', async () => {
  const M = await load();
  const r = await runTable(M, 'ort', cases());
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, 'parity-ort-node.txt'), r.table);
  console.log(r.table);
  const bad = r.rows.filter((x) => x.status === 'FAIL' || x.status === 'ERROR');
  assert.equal(bad.length, 0, bad.map((x) => `${x.model} ${x.check} ${x.status} ${x.diff} ${x.note}`).join('; '));
  assert.equal(r.passed, 1);
  const ok = r.rows.filter((x) => x.check === 'tap attn_pattern' && x.status === 'ok').length;
  assert.equal(ok, cases().length, 'attn_pattern compared on every case');
  assert.equal(r.rows.find((x) => x.check === 'hook zero_head').status, 'not claimed');
});

test('onnxruntime-node: a planted error in q fails exactly its rows', async () => {
  const M = await load();
  const r = await runTable(M, 'ort', cases().slice(0, 1), ['q', 1e-2]);
  const st = (check) => r.rows.find((x) => x.check === check).status;
  assert.equal(st('tap q'), 'FAIL');
  assert.equal(st('tap k'), 'ok');
  assert.equal(st('tap logits'), 'ok');
  assert.equal(r.passed, 0);
});
