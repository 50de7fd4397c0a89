// The WebGPU backend in headless chromium (--enable-unsafe-webgpu: without a
// GPU that is SwiftShader's adapter, exact but software-slow), in the style of
// ggml's test-backend-ops: every WGSL kernel against a CPU reference on random
// inputs, then the whole forward pass of the shipped LM and of every tiny
// family against the CPU engine (logits and attention patterns within 1e-4),
// then the app on ?backend=webgpu and its fallback when the device is lost.
// Comparisons run inside the module (src/platform/webapi_webgpu.cpp): both
// backends see the same input, C++ returns the max |difference| per tap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, launch, openPage, results, root, serve, testModel, waitReady } from './harness.mjs';

const model = testModel();
const TOL = 1e-4;
let server, browser, page;

// Runs one WebGPU pass (ids or averaging inputs) and waits for it without
// blocking the page's frame loop; returns the poll state and error.
async function gpuPass(p, { ids, inputs, cols, taps = '' }) {
  return p.evaluate(async ([ids, inputs, cols, taps]) => {
    const M = window.Module;
    let ok;
    if (inputs) {
      const ptr = M._malloc(4 * inputs.length);
      M.HEAPF32.set(Float32Array.from(inputs), ptr >> 2);
      ok = M.ccall('ss_webgpu_run_inputs', 'number', ['number', 'number', 'number', 'string'],
                   [ptr, inputs.length / cols, cols, taps]);
      M._free(ptr);
    } else {
      const ptr = M._malloc(4 * ids.length);
      M.HEAP32.set(Int32Array.from(ids), ptr >> 2);
      ok = M.ccall('ss_webgpu_run', 'number', ['number', 'number', 'string'], [ptr, ids.length, taps]);
      M._free(ptr);
    }
    if (!ok) return { st: -1, err: M.ccall('ss_webgpu_error', 'string', [], []) };
    for (;;) {
      const st = M.ccall('ss_webgpu_poll', 'number', [], []);
      if (st !== 0) return { st, err: M.ccall('ss_webgpu_error', 'string', [], []) };
      await new Promise((r) => setTimeout(r, 5));
    }
  }, [ids || null, inputs || null, cols || 0, taps]);
}

// Polls `fn` (async) until it returns a truthy value; fails after `ms`.
async function waitFor(p, what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    assert.ok(Date.now() < end, `${what}: not within ${ms} ms\n` + (p.consoleLog || []).join('\n'));
    await p.waitForTimeout(100);
  }
}

const diff = (p, tap) => api(p, 'ss_webgpu_max_diff', 'number', [tap]);

async function loadBareModel(p, dir) {
  const cfg = fs.readFileSync(path.join(dir, 'config.json')).toString('base64');
  const st = fs.readFileSync(path.join(dir, 'model.safetensors')).toString('base64');
  return p.evaluate(([cfg, st]) => {
    const M = window.Module;
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const put = (u8) => { const p = M._malloc(u8.length); M.HEAPU8.set(u8, p); return p; };
    const c = bytes(cfg), s = bytes(st);
    const pc = put(c), ps = put(s);
    const r = M.ccall('ss_webgpu_load_model', 'string', ['number', 'number', 'number', 'number'], [pc, c.length, ps, s.length]);
    M._free(pc); M._free(ps);
    return r;
  }, [cfg, st]);
}

// Deterministic pseudo-random integers (no Math.random: reruns compare).
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  server = await serve(dist);
  browser = await launch();
  page = await browser.ctx.newPage();
  page.consoleLog = [];
  page.on('console', (m) => page.consoleLog.push(`[${m.type()}] ${m.text()}`));
  await page.goto(`${server.url}?model=${model}`);
  await waitReady(page);
  // No silent skip: this suite exists to run WebGPU, so its absence fails.
  const adapter = await page.evaluate(async () => {
    if (!navigator.gpu) return 'navigator.gpu is missing';
    const a = await navigator.gpu.requestAdapter();
    return a ? 'ok' : 'requestAdapter() gave null';
  });
  assert.equal(adapter, 'ok', 'chromium must offer a WebGPU adapter (--enable-unsafe-webgpu)');
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

test('every WGSL kernel matches its CPU reference on random inputs', async () => {
  const kernels = ['embed', 'embed_vectors', 'norm_layer', 'norm_rms', 'norm_copy', 'matmul', 'matmul_rows', 'rope', 'attn_scores',
                   'softmax', 'attn_pv', 'head_out', 'add', 'act_gelu_new', 'act_gelu', 'act_silu', 'act_relu', 'swiglu'];
  const report = [];
  for (const k of kernels) {
    for (const seed of [1]) {  // SwiftShader is slow: one seed each keeps the suite short
      const r = await page.evaluate(async ([k, seed]) => {
        const M = window.Module;
        if (!M.ccall('ss_webgpu_kernel_check', 'number', ['string', 'number'], [k, seed]))
          return { st: -1, err: M.ccall('ss_webgpu_error', 'string', [], []) };
        for (;;) {
          const st = M.ccall('ss_webgpu_poll', 'number', [], []);
          if (st !== 0) return { st, err: M.ccall('ss_webgpu_error', 'string', [], []) };
          await new Promise((r) => setTimeout(r, 2));
        }
      }, [k, seed]);
      assert.equal(r.st, 1, `kernel ${k} seed ${seed}: ${r.err}\n${page.consoleLog.join('\n')}`);
      const d = await diff(page, 'out');
      report.push(`${k}/${seed}: ${d.toExponential(2)}`);
      assert.ok(d >= 0 && d <= TOL, `kernel ${k} seed ${seed}: max |gpu - cpu| = ${d}`);
    }
  }
  console.log('# kernel max |webgpu - cpu|: ' + report.join(', '));
  // An unknown kernel name is refused, not silently passed.
  assert.equal(await api(page, 'ss_webgpu_kernel_check', 'number', ['no_such_kernel', 1]), 0);
});

test('tiny families: the whole forward matches the CPU engine (logits, attention within 1e-4)', async () => {
  const rand = lcg(7);
  for (const fam of ['gpt2', 'llama', 'llama_tied_f16', 'neox', 'neox_seq', 'averaging']) {
    const dir = path.join(root, 'tests', 'data', 'tiny', fam);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(await loadBareModel(page, dir), '', `load ${fam}`);
    const T = 23;
    let r;
    if (fam === 'averaging') {
      const cols = cfg.d_input + 1;
      const inputs = [];
      for (let t = 0; t < T; ++t)
        for (let c = 0; c < cols; ++c) inputs.push(c === cols - 1 ? (t % 5 === 0 ? 1 : 0) : rand() * 2 - 1);
      r = await gpuPass(page, { inputs, cols });
    } else {
      const ids = Array.from({ length: T }, () => Math.floor(rand() * cfg.vocab_size));
      r = await gpuPass(page, { ids });
    }
    assert.equal(r.st, 1, `${fam}: ${r.err}\n${page.consoleLog.join('\n')}`);
    const logits = await diff(page, 'logits');
    const pattern = await diff(page, 'attn_pattern');
    const resid = await diff(page, 'resid_post');
    console.log(`# ${fam}: max |webgpu - cpu| logits ${logits.toExponential(2)}, attn_pattern ${pattern.toExponential(2)}, resid_post ${resid.toExponential(2)}`);
    assert.ok(logits >= 0 && logits <= TOL, `${fam} logits differ by ${logits}`);
    assert.ok(pattern >= 0 && pattern <= TOL, `${fam} attention patterns differ by ${pattern}`);
    assert.ok(await diff(page, 'attn_scores') >= 0, `${fam}: scores read back`);
    if (fam !== 'averaging') assert.ok(await diff(page, 'mlp_post') >= 0, `${fam}: mlp taps read back`);
  }
  const r = await gpuPass(page, { ids: [], taps: 'logits' });
  assert.equal(r.st, -1, 'an empty input is refused');
  assert.match(r.err, /empty input/);
  await api(page, 'ss_webgpu_use_app_model', 'number');
});

test(`${model}: golden prompts through WebGPU match the CPU engine`, async () => {
  await api(page, 'ss_webgpu_use_app_model', 'number');
  const mdir = fs.existsSync(path.join(root, 'models', model)) ? path.join(root, 'models', model)
                                                                 : path.join(root, 'tests', 'browser', 'models', model);
  const mcfg = JSON.parse(fs.readFileSync(path.join(mdir, 'config.json'), 'utf8'));
  const layers = mcfg.num_hidden_layers ?? mcfg.n_layer;
  const golden = path.join(root, 'models', model, 'golden', 'prompts.json');
  let prompts;
  if (fs.existsSync(golden)) {
    // One golden prompt, its first 20 tokens: SwiftShader runs WGSL in software (minutes for a long prompt).
    prompts = JSON.parse(fs.readFileSync(golden, 'utf8')).prompts.slice(0, 1).map((p) => ({ name: p.name, ids: p.ids.slice(0, 20) }));
  } else {
    prompts = [{ name: 'ramp', ids: Array.from({ length: 24 }, (_, i) => (i * 7) % 90) }];
  }
  for (const p of prompts) {
    const r = await gpuPass(page, { ids: p.ids, taps: 'logits,attn_pattern' });
    assert.equal(r.st, 1, `${p.name}: ${r.err}\n${page.consoleLog.join('\n')}`);
    assert.equal(await api(page, 'ss_webgpu_tap_count'), 1 + layers, 'only logits and the patterns were read back');
    const logits = await diff(page, 'logits');
    const pattern = await diff(page, 'attn_pattern');
    console.log(`# ${model} ${p.name} (T=${p.ids.length}): max |webgpu - cpu| logits ${logits.toExponential(2)}, attn_pattern ${pattern.toExponential(2)}; ` +
                `webgpu ${(await api(page, 'ss_webgpu_ms')).toFixed(0)} ms, cpu ${(await api(page, 'ss_webgpu_cpu_ms')).toFixed(0)} ms (SwiftShader: software)`);
    assert.ok(logits >= 0 && logits <= TOL, `logits differ by ${logits}`);
    assert.ok(pattern >= 0 && pattern <= TOL, `attention patterns differ by ${pattern}`);
    assert.equal(await diff(page, 'resid_post'), -1, 'resid_post was not asked for');
  }
});

test('the app on ?backend=webgpu: results arrive from the GPU, and a lost device falls back to CPU', async () => {
  // A short prompt: SwiftShader runs the WGSL in software.
  const q = `model=${model}&prompt=${encodeURIComponent('The sky is blue.')}`;
  const p = await openPage(browser.ctx, `${server.url}?${q}&backend=webgpu`);
  await waitReady(p);
  assert.equal(await api(p, 'ss_backend', 'string'), 'webgpu', await api(p, 'ss_backend_notice', 'string'));
  assert.ok((await api(p, 'ss_backends', 'string')).split(',').includes('webgpu'));
  assert.ok(await api(p, 'ss_async_count', 'number', [1]) >= 1, 'a WebGPU result was published');
  await waitFor(p, 'explorer analysis of the WebGPU taps', async () => (await api(p, 'ss_explorer_sink_count')) >= 0);
  const sinksGpu = await api(p, 'ss_explorer_sink_count');

  // The same prompt on CPU gives the same analysis.
  const c = await openPage(browser.ctx, `${server.url}?${q}&backend=cpu`);
  await waitReady(c);
  await waitFor(c, 'explorer analysis on CPU', async () => (await api(c, 'ss_explorer_sink_count')) >= 0);
  assert.equal(await api(c, 'ss_explorer_sink_count'), sinksGpu, 'same sinks on WebGPU and CPU');
  await c.close();

  // Lose the device mid-session: the next prompt must fall back, say so, keep going.
  await api(p, 'ss_select_head', 'number', [1, 1]);
  await p.evaluate(() => window.Module.sinkscopeWebGPU.device.destroy());
  await api(p, 'ss_set_prompt', 'number', ['The sky is blue. Grass is green.']);  // runs on the lost device
  await waitFor(p, 'fallback to CPU', async () => (await api(p, 'ss_backend', 'string')) === 'cpu');
  const notice = await api(p, 'ss_backend_notice', 'string');
  assert.match(notice, /WebGPU device lost.*switched to CPU/);
  assert.equal(await api(p, 'ss_prompt', 'string'), 'The sky is blue. Grass is green.');
  assert.equal(await api(p, 'ss_layer'), 1);
  assert.equal(await api(p, 'ss_head'), 1);
  assert.ok(await api(p, 'ss_async_count', 'number', [3]) >= 1, 'one fallback counted');
  await p.waitForTimeout(300);
  await p.screenshot({ path: path.join(results, 'webgpu-device-lost.png') });
  // Typing keeps updating the analysis, now on CPU.
  const t0 = await api(p, 'ss_token_count');
  await api(p, 'ss_set_prompt', 'number', ['The sky is blue. Grass is green. Snow is white and cold.']);
  await waitFor(p, 'tokens follow the new prompt', async () => (await api(p, 'ss_token_count')) > t0);
  assert.equal(await api(p, 'ss_backend', 'string'), 'cpu');
  assert.equal(await api(p, 'ss_last_error', 'string'), '');
  assert.ok(await api(p, 'ss_explorer_sink_count') >= 0, 'the explorer still analyses');
  await p.close();
});
