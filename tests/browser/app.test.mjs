// The app as a person uses it, in headless chromium: it loads, becomes ready,
// takes typing into the prompt box, and fails loudly (an overlay naming the
// file) when a file is missing. State is read through the C API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, decodePng, dist, distWithout, holdKey, launch, openPage, results, root, serve, testModel, waitReady } from './harness.mjs';

const model = testModel();
let server, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}: run scripts/test.sh or build the wasm preset`);
  console.log(`# browser suite: dist ${dist}, model ${model}`);
  server = await serve(dist);
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

// Centre of the ImGui window `title`, in CSS pixels (ss_window_rect is in canvas pixels).
async function windowRect(page, title) {
  const r = [];
  for (let i = 0; i < 4; ++i) r.push(await api(page, 'ss_window_rect', 'number', [title, i]));
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  return r.map((v) => v / dpr);
}

test('page loads the model and becomes ready', async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=${model}`);
  await waitReady(page);
  assert.equal(await api(page, 'ss_model_name', 'string'), model);
  assert.equal(await api(page, 'ss_last_error', 'string'), '');
  assert.ok(await api(page, 'ss_token_count') > 1, 'the default prompt has tokens');
  assert.equal(await api(page, 'ss_backend', 'string'), 'cpu');
  // The test server sends COOP/COEP, so this is the threaded module, on every core.
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(await api(page, 'ss_threads'), Math.min(cores, 4), 'CPU threads');
  const ms = await api(page, 'ss_last_forward_ms');
  assert.ok(ms >= 0, `a forward pass ran (last_forward_ms = ${ms})`);
  assert.equal(await page.locator('#error-overlay').isVisible(), false);
  // The canvas fills the window and its backing store follows devicePixelRatio.
  const size = await page.evaluate(() => {
    const c = document.getElementById('canvas');
    return { w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight, dpr: devicePixelRatio, iw: innerWidth, ih: innerHeight };
  });
  assert.equal(size.cw, size.iw);
  assert.equal(size.ch, size.ih);
  assert.equal(size.w, Math.round(size.cw * size.dpr));
  // The main loop keeps drawing.
  const f0 = await api(page, 'ss_frame_count');
  await page.waitForTimeout(300);
  assert.ok(await api(page, 'ss_frame_count') > f0, 'frames advance');
  await page.close();
});

// The threaded module splits the same sums over workers in the same order:
// its analysis must equal the plain module's exactly.
test('the threaded and the single-threaded module give the same analysis', async () => {
  const prompt = 'The old man said: "Come in, sit down, and tell me everything." She did not.';
  const seen = [];
  for (const query of ['', '&threads=1']) {
    const page = await openPage(browser.ctx, `${server.url}?model=${model}${query}`);
    await waitReady(page);
    await api(page, 'ss_set_prompt', null, [prompt]);
    for (let i = 0; i < 200 && (await api(page, 'ss_explorer_token_count')) < 2; ++i) await page.waitForTimeout(20);
    const f0 = await api(page, 'ss_frame_count');
    for (let i = 0; i < 200 && (await api(page, 'ss_frame_count')) < f0 + 3; ++i) await page.waitForTimeout(20);
    const n = await api(page, 'ss_explorer_sink_count');
    const sinks = [];
    for (let i = 0; i < n; ++i) for (let k = 0; k < 5; ++k) sinks.push(await api(page, 'ss_explorer_sink', 'number', [i, k]));
    seen.push({ threads: await api(page, 'ss_threads'), tokens: await api(page, 'ss_explorer_token_count'), sinks,
                tag: await api(page, 'ss_explorer_tag_variance') });
    await page.close();
  }
  console.log(`# threads ${seen[0].threads} vs ${seen[1].threads}: ${seen[0].sinks.length / 5} sinks, tag variance ${seen[0].tag}`);
  assert.equal(seen[1].threads, 1);
  assert.ok(seen[0].sinks.length > 0, 'the prompt has sinks');
  assert.deepEqual({ ...seen[0], threads: 0 }, { ...seen[1], threads: 0 });
});

test('an unchanged frame is not drawn again, the canvas keeps it, and a change is drawn', async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=${model}`);
  await waitReady(page);
  await api(page, 'ss_explorer_hide_overlay', null);
  await page.mouse.move(2, 2);
  await page.waitForTimeout(500);  // let hover and the last results settle
  const f0 = await api(page, 'ss_frame_count'), d0 = await api(page, 'ss_frames_drawn');
  await page.waitForTimeout(1000);
  const f1 = await api(page, 'ss_frame_count'), d1 = await api(page, 'ss_frames_drawn');
  console.log(`# idle second: ${f1 - f0} main-loop frames, ${d1 - d0} drawn`);
  assert.ok(f1 - f0 >= 5, `the main loop keeps running (${f1 - f0} frames)`);
  assert.ok(d1 - d0 <= (f1 - f0) / 2, `an idle page redraws little (${d1 - d0} of ${f1 - f0})`);
  // What was drawn last is still on screen (not a cleared canvas).
  const n = (await decodePng(page, await page.screenshot(), 7)).colors;
  assert.ok(n > 20, `the idle canvas still shows the UI (${n} colours)`);
  // A change through the C API is drawn within a few frames.
  await api(page, 'ss_set_prompt', null, ['The cat sat on the mat.']);
  for (let i = 0; i < 100 && (await api(page, 'ss_frames_drawn')) === d1; ++i) await page.waitForTimeout(20);
  assert.ok(await api(page, 'ss_frames_drawn') > d1, 'the new prompt was drawn');
  await page.close();
});

test('typing into the prompt box changes the prompt and the tokens', async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=${model}`);
  await waitReady(page);
  await holdKey(page, 'Escape');  // closes the first-run overlay if it is open
  await api(page, 'ss_set_prompt', null, ['The cat sat.']);
  await page.waitForTimeout(200);
  const before = { prompt: await api(page, 'ss_prompt', 'string'), tokens: await api(page, 'ss_token_count') };
  assert.equal(before.prompt, 'The cat sat.');

  const [x, y, w, h] = await windowRect(page, 'Prompt');
  assert.ok(w > 50 && h > 30, `Prompt window found (${[x, y, w, h]})`);
  await page.mouse.click(x + w / 2, y + h * 0.75);  // inside the text box, below its title row
  await page.waitForTimeout(150);
  await holdKey(page, 'End');
  await page.keyboard.type(' Then it slept.', { delay: 40 });
  // Under load the last characters land a few frames later: wait for them.
  let typed = '';
  for (let i = 0; i < 50 && typed !== 'The cat sat. Then it slept.'; ++i) {
    await page.waitForTimeout(100);
    typed = await api(page, 'ss_prompt', 'string');
  }
  assert.equal(typed, 'The cat sat. Then it slept.');
  assert.ok(await api(page, 'ss_token_count') > before.tokens, 'more text, more tokens');

  await holdKey(page, 'Backspace');
  await page.waitForTimeout(200);
  assert.equal(await api(page, 'ss_prompt', 'string'), 'The cat sat. Then it slept');

  // Head selection through the C API: in range is taken, out of range refused.
  assert.equal(await api(page, 'ss_select_head', 'number', [1, 1]), 1);
  assert.deepEqual([await api(page, 'ss_layer'), await api(page, 'ss_head')], [1, 1]);
  assert.equal(await api(page, 'ss_select_head', 'number', [999, 0]), 0);
  assert.deepEqual([await api(page, 'ss_layer'), await api(page, 'ss_head')], [1, 1]);

  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(results, 'app.png') });
  fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
  await page.screenshot({ path: path.join(root, 'docs', 'screenshot.png') });
  await page.close();
});

// The test server is cross-origin isolated, so the page loads the threaded
// module unless ?threads=1 asks for the plain one.
for (const [what, rel, query] of [['threaded module', 'sinkscope-mt.wasm', ''],
                                  ['module', 'sinkscope.wasm', '&threads=1'],
                                  ['model file', `models/${model}/model.safetensors`, '']]) {
  test(`a missing ${what} shows the error overlay naming ${rel}`, async () => {
    const dir = distWithout(rel);
    const srv = await serve(dir);
    try {
      const page = await openPage(browser.ctx, `${srv.url}?model=${model}${query}`);
      const overlay = page.locator('#error-overlay');
      await overlay.waitFor({ state: 'visible', timeout: 60000 });
      const file = await page.locator('#error-file').textContent();
      const text = await page.locator('#error-text').textContent();
      assert.ok(file.includes(rel), `overlay names ${rel}: got "${file}"`);
      assert.match(text, /404/);
      await page.screenshot({ path: path.join(results, `missing-${path.basename(rel)}.png`) });
      await page.close();
    } finally {
      srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a dist without the threaded module still loads, on one thread', async () => {
  const dir = distWithout('sinkscope-mt.js');
  const srv = await serve(dir);
  try {
    const page = await openPage(browser.ctx, `${srv.url}?model=${model}`);
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
    assert.equal(await api(page, 'ss_threads'), 1);
    assert.ok(await api(page, 'ss_token_count') > 1);
    assert.equal(await page.locator('#error-overlay').isVisible(), false);
    await page.close();
  } finally {
    srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid model name is explained, not fetched', async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=../etc`);
  await page.locator('#error-overlay').waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await page.locator('#error-title').textContent(), /model name/i);
  await page.close();
});
