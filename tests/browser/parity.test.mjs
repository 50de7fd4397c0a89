// The parity table in the browser (engine/parity.h through
// src/platform/webapi_parity.cpp): the same code as the native and
// wasm-under-node tables (tests/unit/engine/parity_table.cpp), here on the
// backends only a page has:
//   webgpu      (SwiftShader's software adapter, --enable-unsafe-webgpu): every
//               tiny family (23 tokens), demo-lm and its gated and sink-logit
//               twins (one golden prompt, 20 tokens); then the tiled kernels
//               a hardware adapter runs, forced, on four tiny families
//   ort         ONNX Runtime Web, wasm EP: demo-lm's five golden prompts and a
//               golden sequence of averaging-bos-8 (the models dist/ exports)
//   ort-webgpu  the shortest golden prompt and the averaging sequence
// Every tap and hook kind a backend claims is compared with the CPU backend
// (1e-4, relative to max(1, max |cpu|)); what it does not claim shows as
// "not claimed". A planted error in one tap must turn that tap's rows red.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, launch, openPage, results, root, serve, waitReady } from './harness.mjs';
import { readSafetensors } from '../node/safetensors.mjs';
import { tinyCases as tinyInputs } from '../node/parity_cases.mjs';

let server, browser, page;
const AVG = 'averaging-bos-8';

// A case: the model's files, and ids or vectors [rows, cols]. A shipped model
// (in dist/models/) is fetched by the page itself; a test model's bytes are
// handed over (small: the tiny families).
function makeCase(name, dir, { ids = null, vectors = null, cols = 0 }) {
  const served = fs.existsSync(path.join(dist, 'models', name, 'model.safetensors'));
  return {
    name,
    cfg: served ? null : fs.readFileSync(path.join(dir, 'config.json')).toString('base64'),
    st: served ? null : fs.readFileSync(path.join(dir, 'model.safetensors')).toString('base64'),
    ids, vectors: vectors ? Array.from(vectors) : null, cols,
  };
}

// Every tiny family, 23 rows (the same inputs as the node tables: ../node/parity_cases.mjs).
function tinyCases() {
  return tinyInputs(root).map((c) => makeCase(c.name, c.dir, c));
}

function demoPrompts() {
  const demo = path.join(root, 'models', 'demo-lm');
  return JSON.parse(fs.readFileSync(path.join(demo, 'golden', 'prompts.json'), 'utf8')).prompts;
}

function avgCase() {
  const dir = path.join(root, 'models', AVG);
  const g = readSafetensors(path.join(dir, 'golden.safetensors'));
  const key = Object.keys(g).filter((k) => k.endsWith('.inputs')).sort()[0];
  return makeCase(AVG, dir, { vectors: g[key].data, cols: g[key].shape[1] });
}

// Adds one case in the page (one evaluate each: the DevTools pipe takes at
// most 100 MB per message).
async function addCase(c) {
  return page.evaluate(async (c) => {
    const M = window.Module;
    const bytes = async (b64, file) => b64 ? Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
                                           : new Uint8Array(await (await fetch(`models/${c.name}/${file}`)).arrayBuffer());
    const put = (u8) => { const p = M._malloc(Math.max(1, u8.byteLength)); M.HEAPU8.set(new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength), p); return p; };
    const cfg = await bytes(c.cfg, 'config.json'), st = await bytes(c.st, 'model.safetensors');
    const ids = Int32Array.from(c.ids || []), vec = Float32Array.from(c.vectors || []);
    const ptrs = [put(cfg), put(st), put(ids), put(vec)];
    const rows = c.vectors ? c.vectors.length / c.cols : 0;
    const err = M.ccall('ss_parity_add_case', 'string',
                        ['string', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number'],
                        [c.name, ptrs[0], cfg.length, ptrs[1], st.length, ptrs[2], ids.length, c.vectors ? ptrs[3] : 0, rows, c.cols]);
    ptrs.forEach((p) => M._free(p));
    return err;
  }, c);
}

// Loads the cases into the page, runs `backend` over them to the end (one
// step per event-loop turn) and returns {rows, table, passed}.
async function runTable(backend, cases, plant = ['', 0]) {
  await page.evaluate(() => window.Module.ccall('ss_parity_clear', null, [], []));
  for (const c of cases) {
    const err = await addCase(c);
    if (err) return { error: `${c.name}: ${err}` };
  }
  return page.evaluate(async ([backend, plant]) => {
    const M = window.Module;
    if (!M.ccall('ss_parity_start', 'number', ['string', 'string', 'number'], [backend, plant[0], plant[1]]))
      return { error: `backend ${backend} is not available in this page` };
    const t0 = performance.now();
    while (!M.ccall('ss_parity_step', 'number', [], [])) {
      if (performance.now() - t0 > 400000) return { error: 'the table did not finish in 400 s' };
      await new Promise((r) => setTimeout(r, 1));
    }
    return { rows: JSON.parse(M.ccall('ss_parity_rows', 'string', [], [])),
             table: M.ccall('ss_parity_table', 'string', [], []),
             passed: M.ccall('ss_parity_passed', 'number', [], []) };
  }, [backend, plant]);
}

function report(name, r) {
  assert.ok(!r.error, r.error);
  fs.writeFileSync(path.join(results, `parity-${name}.txt`), r.table);
  console.log(r.table);
  const bad = r.rows.filter((x) => x.status === 'FAIL' || x.status === 'ERROR');
  assert.equal(bad.length, 0, `${name}: ${bad.map((x) => `${x.model} ${x.check} ${x.status} ${x.diff} ${x.note}`).join('; ')}`);
  assert.equal(r.passed, 1);
  return r.rows;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  assert.ok(fs.existsSync(path.join(dist, 'models', 'demo-lm', 'model.onnx')), 'dist has no demo-lm/model.onnx (target onnx_exports)');
  server = await serve(dist);
  browser = await launch();
  page = await openPage(browser.ctx, server.url);
  await waitReady(page);
  // No silent skip: these backends exist only here, so their absence fails.
  assert.equal(await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())), true,
               'chromium must offer a WebGPU adapter (--enable-unsafe-webgpu)');
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

test('webgpu: every claimed tap and hook matches the CPU on every tiny family, demo-lm and its gated and sink-logit twins', async () => {
  const p = demoPrompts()[0];
  const demo = (name) => makeCase(name, path.join(root, 'models', name), { ids: p.ids.slice(0, 20) });
  const cases = [...tinyCases(), demo('demo-lm'), demo('demo-lm-gated'), demo('demo-lm-sinklogit')];
  const rows = report('webgpu', await runTable('webgpu', cases));
  const ok = (check) => rows.filter((x) => x.check === check && x.status === 'ok').length;
  assert.equal(ok('tap resid_post'), cases.length, 'resid_post on every case');
  assert.equal(ok('tap attn_scores'), cases.length, 'attn_scores on every case');
  assert.equal(ok('hook zero_head'), cases.length, 'the ZeroHead hook on every case');
  assert.equal(rows.filter((x) => x.check === 'hook remove_key')[0].status, 'not claimed');
});

// SwiftShader gets the barrier-free kernels by default (matmul_rows.wgsl);
// forced here, the tiled ones a hardware adapter runs (shaders/matmul.wgsl
// and matmul_blocked.wgsl, workgroup barriers) are checked on every CI run too.
test('webgpu: the tiled kernels real GPUs run match the CPU (forced on SwiftShader)', async () => {
  const pipelines = () => page.evaluate(() => Object.keys(window.Module.sinkscopeWebGPU.pipelines));
  assert.ok(!(await pipelines()).includes('matmul'), 'SwiftShader runs the barrier-free matmul by default');
  assert.equal(await api(page, 'ss_webgpu_set_kernels', 'number', ['tiled']), 1);
  try {
    const cases = tinyCases().filter((c) => ['tiny-llama', 'tiny-gpt2', 'tiny-neox', 'tiny-averaging'].includes(c.name));
    const rows = report('webgpu-tiled', await runTable('webgpu', cases));
    assert.equal(rows.filter((x) => x.check === 'tap logits' && x.status === 'ok').length, cases.length);
    assert.equal(rows.filter((x) => x.check === 'tap mlp_out' && x.status === 'ok').length, cases.length - 1, 'every LM case');
    assert.ok((await pipelines()).includes('matmul'), 'the tiled matmul (shaders/matmul.wgsl) ran');
    assert.equal(await api(page, 'ss_webgpu_set_kernels', 'number', ['blocked']), 1);
    const blocked = cases.filter((c) => ['tiny-llama', 'tiny-gpt2'].includes(c.name));
    const rowsB = report('webgpu-blocked', await runTable('webgpu', blocked));
    assert.equal(rowsB.filter((x) => x.check === 'tap logits' && x.status === 'ok').length, blocked.length);
    assert.ok((await pipelines()).includes('matmul_blocked'), 'the blocked matmul (shaders/matmul_blocked.wgsl) ran');
  } finally {
    assert.equal(await api(page, 'ss_webgpu_set_kernels', 'number', ['auto']), 1);
  }
  assert.equal(await api(page, 'ss_webgpu_set_kernels', 'number', ['no_such_set']), 0);
});

test('webgpu: a planted error in mlp_post fails exactly its rows', async () => {
  const rows = (await runTable('webgpu', tinyCases().slice(1, 2), ['mlp_post', 1e-2])).rows;
  assert.ok(rows, 'the table ran');
  const st = (check) => rows.find((x) => x.check === check).status;
  assert.equal(st('tap mlp_post'), 'FAIL');
  assert.equal(st('tap logits'), 'ok');
  assert.equal(st('tap attn_pattern'), 'ok');
});

test('ort (wasm EP) and ort-webgpu: every exported tap matches the CPU on demo-lm and an averaging model', async () => {
  const demo = path.join(root, 'models', 'demo-lm');
  const prompts = demoPrompts();
  assert.equal(prompts.length, 5);
  const shortest = prompts.reduce((a, b) => (b.ids.length < a.ids.length ? b : a));
  const rows = report('ort', await runTable('ort', [...prompts.map((p) => makeCase('demo-lm', demo, { ids: p.ids })), avgCase()]));
  assert.ok(rows.filter((x) => x.check === 'tap attn_pattern' && x.status === 'ok').length === 6);
  assert.equal(rows.find((x) => x.check === 'tap attn_scores').status, 'not claimed');
  report('ort-webgpu', await runTable('ort-webgpu', [makeCase('demo-lm', demo, { ids: shortest.ids }), avgCase()]));
});
