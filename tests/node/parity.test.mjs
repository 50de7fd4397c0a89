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
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadHeadless, parityCases, runTable } from './parity_cases.mjs';

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

function cases() {
  return parityCases(root);
}

async function load() {
  return loadHeadless(headless);
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
