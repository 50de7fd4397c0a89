// ONNX Runtime Web as a second backend: in the page, our CPU engine
// and ORT Web (through src/backends/ort + web/ort_bridge.js, as the app runs
// it) must agree within 1e-4 on logits and every layer's attention pattern.
//   wasm EP:   the five golden prompts of demo-lm, and one golden sequence of
//              the averaging model
//   WebGPU EP: (SwiftShader's software adapter, --enable-unsafe-webgpu) the
//              shortest golden prompt and the averaging sequence only: its
//              shader compilation and software execution are slow on the
//              2-core CI machine, and one prompt already runs every kernel.
// The C API used is src/platform/webapi_ort.cpp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, launch, openPage, root, serve, waitReady } from './harness.mjs';
import { readSafetensors } from '../node/safetensors.mjs';

const TOL = 1e-4;
const AVG = 'averaging-bos-8';

// In the page: fetch a model folder's config.json + model.safetensors and load it for ss_ort_*.
async function loadModel(page, name) {
  const err = await page.evaluate(async (name) => {
    const M = window.Module;
    const get = async (f) => new Uint8Array(await (await fetch(`models/${name}/${f}`)).arrayBuffer());
    const cfg = await get('config.json'), st = await get('model.safetensors');
    const pc = M._malloc(cfg.length), ps = M._malloc(st.length);
    M.HEAPU8.set(cfg, pc);
    M.HEAPU8.set(st, ps);
    const e = M.ccall('ss_ort_load', 'string', ['string', 'number', 'number', 'number', 'number'],
                      [name, pc, cfg.length, ps, st.length]);
    M._free(pc);
    M._free(ps);
    return e;
  }, name);
  assert.equal(err, '', `ss_ort_load(${name})`);
}

// In the page: runs the CPU side and the ORT sides, waits for them, and
// returns per side the max |diff| against CPU on logits and attn_pattern.
async function compare(page, input, width, sides) {
  return page.evaluate(async ([input, width, sides]) => {
    const M = window.Module;
    const n = input.length;
    const p = M._malloc(n * 4);
    if (width > 0) new Float32Array(M.HEAPU8.buffer, p, n).set(input);
    else new Int32Array(M.HEAPU8.buffer, p, n).set(input);
    const rows = width > 0 ? n / width : n;
    const start = (s) => M.ccall('ss_ort_start', 'number', ['number', 'number', 'number', 'number'], [s, p, rows, width]);
    const out = {};
    if (!start(0)) return { error: 'cpu: ' + M.ccall('ss_ort_error', 'string', [], []) };
    for (const s of sides) {
      if (!start(s)) { out[s] = { error: M.ccall('ss_ort_error', 'string', [], []) }; continue; }
      let st = 0;
      const t0 = performance.now();
      while ((st = M.ccall('ss_ort_poll', 'number', ['number'], [s])) === 0 && performance.now() - t0 < 240000)
        await new Promise((r) => setTimeout(r, 20));
      if (st !== 1) { out[s] = { state: st, error: M.ccall('ss_ort_error', 'string', [], []) }; continue; }
      const names = M.ccall('ss_ort_tap_names', 'string', ['number'], [s]).split(',');
      const r = { state: st, names, logits: 0, attn_pattern: 0, patterns: 0, ms: M.ccall('ss_ort_ms', 'number', ['number'], [s]) };
      for (const name of names) {
        if (name !== 'logits' && !name.endsWith('.attn_pattern')) continue;
        const len = M.ccall('ss_ort_tap_len', 'number', ['number', 'string'], [s, name]);
        const lenCpu = M.ccall('ss_ort_tap_len', 'number', ['number', 'string'], [0, name]);
        if (len !== lenCpu) { r.error = `${name}: ${len} values, CPU ${lenCpu}`; break; }
        // Views made after every ccall: the heap may have grown.
        const a = new Float32Array(M.HEAPU8.buffer, M.ccall('ss_ort_tap_data', 'number', ['number', 'string'], [s, name]), len);
        const b = new Float32Array(M.HEAPU8.buffer, M.ccall('ss_ort_tap_data', 'number', ['number', 'string'], [0, name]), len);
        let d = 0;
        for (let i = 0; i < len; ++i) d = Math.max(d, Math.abs(a[i] - b[i]) || (a[i] === b[i] ? 0 : Infinity));
        if (name === 'logits') r.logits = d;
        else r.attn_pattern = Math.max(r.attn_pattern, d), ++r.patterns;
      }
      out[s] = r;
    }
    M._free(p);
    return out;
  }, [Array.from(input), width, sides]);
}

function check(t, label, res, sides, layers) {
  assert.ok(!res.error, `${label}: ${res.error}`);
  for (const s of sides) {
    const r = res[s];
    const ep = s === 2 ? 'WebGPU EP' : 'wasm EP';
    assert.ok(r && r.state === 1 && !r.error, `${label} ${ep}: ${JSON.stringify(r)}`);
    assert.equal(r.patterns, layers, `${label} ${ep}: attention patterns of every layer`);
    assert.ok(r.logits <= TOL, `${label} ${ep}: logits differ by ${r.logits}`);
    assert.ok(r.attn_pattern <= TOL, `${label} ${ep}: attn_pattern differs by ${r.attn_pattern}`);
    t.diagnostic(`${label} ${ep}: max |diff| logits ${r.logits.toExponential(2)}, attn_pattern ` +
                 `${r.attn_pattern.toExponential(2)}, session.run ${r.ms.toFixed(1)} ms`);
  }
}

test('ORT Web (wasm EP and WebGPU EP) agrees with the CPU engine on demo-lm and an averaging model', async (t) => {
  const demo = path.join(root, 'models', 'demo-lm');
  assert.ok(fs.existsSync(path.join(dist, 'models', 'demo-lm', 'model.onnx')), 'dist has no demo-lm/model.onnx (target onnx_exports)');
  assert.ok(fs.existsSync(path.join(dist, 'ort', 'ort.wasm.min.mjs')), 'dist has no ort/ (target ort_web)');
  const { prompts } = JSON.parse(fs.readFileSync(path.join(demo, 'golden', 'prompts.json'), 'utf8'));
  const layers = JSON.parse(fs.readFileSync(path.join(demo, 'config.json'), 'utf8')).num_hidden_layers;
  assert.equal(prompts.length, 5);
  const shortest = prompts.reduce((a, b) => (b.ids.length < a.ids.length ? b : a));

  const server = await serve(dist);
  const { ctx, close } = await launch();
  try {
    const page = await openPage(ctx, server.url);
    await waitReady(page);
    assert.equal(await api(page, 'ss_ort_webgpu'), 1, 'navigator.gpu missing: chromium needs --enable-unsafe-webgpu');
    await loadModel(page, 'demo-lm');
    for (const p of prompts) {
      const sides = p === shortest ? [1, 2] : [1];
      check(t, `demo-lm ${p.name} (T=${p.ids.length})`, await compare(page, p.ids, 0, sides), sides, layers);
    }

    const avgDir = path.join(root, 'models', AVG);
    const g = readSafetensors(path.join(avgDir, 'golden.safetensors'));
    const key = Object.keys(g).filter((k) => k.endsWith('.inputs')).sort()[0];
    const x = g[key];
    const avgLayers = JSON.parse(fs.readFileSync(path.join(avgDir, 'config.json'), 'utf8')).num_hidden_layers;
    await loadModel(page, AVG);
    check(t, `${AVG} ${key} (T=${x.shape[0]})`, await compare(page, x.data, x.shape[1], [1, 2]), [1, 2], avgLayers);
  } finally {
    await close();
    server.stop();
  }
});
