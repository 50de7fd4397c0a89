// The WebGPU backend in headless chromium (--enable-unsafe-webgpu: without a
// GPU that is SwiftShader's adapter, exact but software-slow), in the style of
// ggml's test-backend-ops: every WGSL kernel against a CPU reference on random
// inputs (src/platform/webapi_webgpu.cpp), then the app on ?backend=webgpu and
// its fallback when the device is lost. The whole forward pass, every tap and
// the ZeroHead hook, is the parity table's (parity.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, launch, openPage, results, root, serve, testModel, waitReady } from './harness.mjs';

const model = testModel();
const TOL = 1e-4;
let server, browser, page;

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
  // *_f16 / *_bf16: the weights bound 16-bit, two to a word (shaders/weights.wgsl), as a 16-bit checkpoint's are.
  const kernels = ['embed', 'embed_vectors', 'norm_layer', 'norm_rms', 'norm_copy', 'matmul', 'matmul_rows', 'matmul_blocked',
                   'matmul_f16', 'matmul_rows_bf16', 'matmul_blocked_f16', 'matmul_vec', 'matmul_vec_bf16', 'rope', 'attn_scores', 'softmax', 'softmax_sink', 'attn_pv', 'head_out', 'add', 'act_gelu_new', 'act_gelu', 'act_silu',
                   'act_relu', 'swiglu'];
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

// The keystroke path on the GPU: the KV cache stays on the device, so an edit
// at the end of the prompt runs only the rows after the unchanged prefix, and
// the analysis equals the CPU's on the whole prompt.
test('the app on ?backend=webgpu: an edit at the end of the prompt runs only the new rows', async () => {
  const first = 'The sky is blue.';
  const p = await openPage(browser.ctx, `${server.url}?model=${model}&prompt=${encodeURIComponent(first)}&backend=webgpu`);
  await waitReady(p);
  assert.equal(await api(p, 'ss_backend', 'string'), 'webgpu', await api(p, 'ss_backend_notice', 'string'));
  await waitFor(p, 'the first WebGPU result', async () => (await api(p, 'ss_async_count', 'number', [1])) >= 1);
  const full = await api(p, 'ss_last_forward_rows');
  assert.equal(full, await api(p, 'ss_token_count'), 'the first pass runs every row');
  for (const [i, prompt] of [' Grass', ' Grass is', ' Grass is green.'].map((s, i) => [i, first + s])) {
    const delivered = await api(p, 'ss_async_count', 'number', [1]);
    const before = await api(p, 'ss_token_count');
    await api(p, 'ss_set_prompt', 'number', [prompt]);
    await waitFor(p, `result ${i + 2} from the GPU`, async () => (await api(p, 'ss_async_count', 'number', [1])) > delivered);
    const T = await api(p, 'ss_token_count');
    const rows = await api(p, 'ss_last_forward_rows');
    assert.ok(rows >= 1 && rows < T, `edit ${i + 1}: ${rows} of ${T} rows ran (the prefix came from the GPU's KV cache)`);
    assert.ok(rows >= T - before, `edit ${i + 1}: ${rows} rows for ${T - before} new tokens`);
  }
  assert.equal(await api(p, 'ss_backend', 'string'), 'webgpu');
  const sinksGpu = await api(p, 'ss_explorer_sink_count');
  const c = await openPage(browser.ctx, `${server.url}?model=${model}&prompt=${encodeURIComponent(first + ' Grass is green.')}&backend=cpu`);
  await waitReady(c);
  await waitFor(c, 'explorer analysis on CPU', async () => (await api(c, 'ss_explorer_sink_count')) >= 0);
  assert.equal(sinksGpu, await api(c, 'ss_explorer_sink_count'), 'the extended taps analyse like the CPU pass');
  await c.close();
  await p.close();
});
