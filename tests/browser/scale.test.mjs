// Issue #22 at scale: a 12 x 768 Llama-shaped model (88M parameters, bf16,
// training/make_random_llama_bf16.py --plant-sink: random weights whose every
// head sinks on BOS, so the sink readings mean something) opened from the mock
// Hub with ?hf=, a prompt of exactly T_TARGET tokens (BOS included), its sinks
// read through the C API, one real key press at the end of the prompt (an
// incremental forward: only the new rows), and the page's wasm memory under
// 1 GiB through all of it. Prints one JSON line of numbers and writes
// test-results/scale_page.json (bench/report.mjs reads it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, frames, launch, openPage, results, root, serve, waitReady } from './harness.mjs';
import { startMockHub } from './mock_hub.mjs';

// The prompt length the issue asks for: 2048 (the engine's compact taps make
// it fit). SINKSCOPE_SCALE_T=512 runs it shorter (while developing).
const T_TARGET = Number(process.env.SINKSCOPE_SCALE_T || 2048);
const GiB = 2 ** 30;
const modelDir = path.join(root, 'build', 'scale-model');
const script = path.join(root, 'training', 'make_random_llama_bf16.py');
const makeArgs = ['--layers', '12', '--d', '768', '--heads', '12', '--kv-heads', '12', '--mlp', '2048',
                  '--vocab', '4096', '--shards', '1', '--max-pos', '4096', '--plant-sink'];
// Share of heads whose strongest sink must be BOS. The planted model gives
// every head a BOS logit of about +10 (about 0.9 of each row even at 2048
// keys; sinkscope-cli analyze finds BOS the only sink of all 144 heads at
// T = 256), so 90% leaves room for a few heads at long prompts while a model
// without the plant (no head sinks on BOS by design) or a wrong sink map fails.
const BOS_HEAD_SHARE = 0.9;

let server, hub, browser;

// Makes the model unless build/scale-model holds one made with the same
// options by the same script (stamp.json: options + the script's hash).
function ensureModel() {
  const stamp = JSON.stringify({ args: makeArgs, script: crypto.createHash('sha256').update(fs.readFileSync(script)).digest('hex') });
  const stampFile = path.join(modelDir, 'stamp.json');
  if (fs.existsSync(path.join(modelDir, 'config.json')) && fs.existsSync(stampFile) &&
      fs.readFileSync(stampFile, 'utf8') === stamp) return;
  fs.rmSync(modelDir, { recursive: true, force: true });
  execFileSync('/usr/bin/python3', [script, '--out', modelDir, ...makeArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(stampFile, stamp);
}

// A prompt of exactly T tokens with BOS: "The" and T - 2 words, each a whole
// " word" entry of the tokenizer's vocabulary (one token each), picked by a
// fixed pseudo-random sequence.
function promptOf(T) {
  const vocab = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')).model.vocab;
  const words = Object.entries(vocab).filter(([k]) => /^Ġ[a-z]{3,}$/.test(k)).sort((a, b) => a[1] - b[1])
    .slice(0, 400).map(([k]) => k.slice(1));
  assert.ok(words.length === 400 && 'The' in vocab, 'the tokenizer has the words the prompt is made of');
  let s = 12345, out = 'The';
  for (let i = 0; i < T - 2; ++i) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out += ' ' + words[(s >>> 16) % words.length];
  }
  return out;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  assert.ok(fs.existsSync(path.join(dist, 'hub.js')), 'dist has no hub.js: rebuild the wasm preset');
  ensureModel();
  server = await serve(dist);
  hub = await startMockHub({ 'scale-12x768': modelDir });
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
  if (hub) hub.stop();
});

// What went wrong in the page, if anything: an abort (out of memory), a page
// error, or the app's last error.
// Only what came after `since` ({log: console lines seen, err: ss_last_error then}).
async function pageFailure(page, since) {
  const bad = page.consoleLog.slice(since.log).filter((l) => /\[pageerror\]|Aborted|out of memory|OOM|RangeError/i.test(l));
  if (bad.length) return bad.join('\n');
  const err = await api(page, 'ss_last_error', 'string').catch((e) => 'the page stopped answering: ' + e.message);
  return err && err !== since.err ? err : null;
}
const mark = async (page) => ({ log: page.consoleLog.length, err: await api(page, 'ss_last_error', 'string') });

// Waits until a frame drew the results of a prompt version newer than v0 and
// the view holds the prompt's tokens; fails early when the page fails.
async function waitDrawn(page, v0, timeoutMs, since) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const st = await page.evaluate(() => {
      const c = (n) => window.Module.ccall(n, 'number', [], []);
      return { drawn: c('ss_explorer_drawn_version'), T: c('ss_token_count'), view: c('ss_explorer_token_count') };
    }).catch((e) => ({ dead: e.message }));
    if (st.dead) throw new Error('the page died: ' + st.dead + '\n' + page.consoleLog.slice(-20).join('\n'));
    if (st.drawn > v0 && st.T > 0 && st.view === st.T) return st;
    const why = await pageFailure(page, since);
    if (why) throw new Error('the prompt failed: ' + why + '\n' + page.consoleLog.slice(-20).join('\n'));
    if (Date.now() > end) throw new Error(`no analysis drawn after ${timeoutMs} ms: ${JSON.stringify(st)}\n` + page.consoleLog.slice(-20).join('\n'));
    await page.waitForTimeout(100);
  }
}

// The sink map through the C API: each head's strongest sink, key and score.
async function sinkMap(page) {
  return page.evaluate(() => {
    const M = window.Module;
    const metric = (n) => M.ccall('ss_compare_metric', 'number', ['number', 'string'], [0, n]);
    const L = metric('layers'), H = metric('heads'), out = { L, H, tokens: metric('tokens'), heads: [] };
    for (let l = 0; l < L; ++l) {
      for (let h = 0; h < H; ++h) {
        out.heads.push({ l, h, key: M.ccall('ss_compare_sink_key', 'number', ['number', 'number', 'number'], [0, l, h]),
                         score: M.ccall('ss_compare_sink_map', 'number', ['number', 'number', 'number'], [0, l, h]) });
      }
    }
    out.sinkCount = M.ccall('ss_explorer_sink_count', 'number', [], []);
    return out;
  });
}

function checkSinks(m, T, when) {
  assert.equal(m.L, 12, `${when}: layers`);
  assert.equal(m.H, 12, `${when}: heads`);
  assert.equal(m.tokens, T, `${when}: the sink map is of the ${T}-token prompt`);
  for (const c of m.heads) {
    assert.ok(Number.isInteger(c.key) && c.key >= -1 && c.key < T, `${when}: L${c.l}H${c.h} sink key ${c.key} in [-1, ${T})`);
    if (c.key >= 0) assert.ok(c.score > 0 && c.score <= 1, `${when}: L${c.l}H${c.h} sink score ${c.score} in (0, 1]`);
    else assert.equal(c.score, 0, `${when}: L${c.l}H${c.h} has no sink, score 0`);
  }
  const bos = m.heads.filter((c) => c.key === 0);
  assert.ok(bos.length >= BOS_HEAD_SHARE * m.heads.length,
            `${when}: BOS is the strongest sink of ${bos.length} of ${m.heads.length} heads (want >= ${BOS_HEAD_SHARE * 100}%): ` +
            JSON.stringify(m.heads.filter((c) => c.key !== 0).slice(0, 10)));
  assert.ok(m.sinkCount >= bos.length, `${when}: ss_explorer_sink_count ${m.sinkCount} lists at least the ${bos.length} BOS sinks`);
  const scores = bos.map((c) => c.score).sort((a, b) => a - b);
  return { bos_heads: bos.length, bos_score_min: scores[0], bos_score_median: scores[scores.length >> 1] };
}

const wasmBytes = (page) => page.evaluate(() => window.Module.HEAPU8.length);

test(`a ${T_TARGET}-token prompt of the 12 x 768 model: sinks through the C API, one key typed, wasm memory under 1 GiB`,
  { timeout: 1800000 }, async () => {
    const t0 = Date.now();
    const page = await openPage(browser.ctx, `${server.url}?hf=sinkscope/scale-12x768&hub=${encodeURIComponent(hub.url)}`);
    await waitReady(page, 600000);
    const readyMs = Date.now() - t0;
    assert.equal(await api(page, 'ss_model_name', 'string'), 'sinkscope/scale-12x768');
    await api(page, 'ss_explorer_hide_overlay', null);
    const memLoaded = await wasmBytes(page);

    // The long prompt: a new prompt, so every row runs but those of the
    // prefix it shares with the start-up prompt (BOS, maybe "The": KV cache).
    const text = promptOf(T_TARGET);
    const v0 = await api(page, 'ss_explorer_drawn_version');
    const since0 = await mark(page);
    const t1 = Date.now();
    await api(page, 'ss_set_prompt', null, [text]);
    await waitDrawn(page, v0, 1500000, since0);
    const promptWallMs = Date.now() - t1;
    assert.equal(await api(page, 'ss_prompt', 'string'), text, 'the page holds the prompt');
    assert.equal(await api(page, 'ss_token_count'), T_TARGET, `the prompt is ${T_TARGET} tokens, BOS included`);
    const fullRows = await api(page, 'ss_last_forward_rows');
    assert.ok(fullRows >= T_TARGET - 2 && fullRows <= T_TARGET, `a new prompt runs (nearly) every row: ${fullRows} of ${T_TARGET}`);
    const forwardMs = await api(page, 'ss_last_forward_ms');
    assert.ok(forwardMs > 0, 'the forward was timed');
    const sinksLong = checkSinks(await sinkMap(page), T_TARGET, 'the long prompt');
    const memPrompt = await wasmBytes(page);

    // One real key press at the end of the prompt box: "." is its own token,
    // so the prompt grows by one token and only that row runs (KV cache).
    const r = [];
    for (let i = 0; i < 4; ++i) r.push(await api(page, 'ss_window_rect', 'number', ['Prompt', i]));
    assert.ok(r[2] > 0 && r[3] > 0, 'the prompt box is drawn: ' + JSON.stringify(r));
    const dpr = await page.evaluate(() => window.devicePixelRatio);
    await page.mouse.click((r[0] + r[2] / 2) / dpr, (r[1] + r[3] * 0.7) / dpr);
    await page.waitForTimeout(200);
    // Held across frames: Dear ImGui 1.86 reads End as a key state once a
    // frame, and a frame of this prompt can outlast a short press.
    await page.keyboard.down('Control'); await page.keyboard.down('End'); await frames(page, 3, 60000);
    await page.keyboard.up('End'); await page.keyboard.up('Control'); await frames(page, 2, 60000);
    await page.waitForTimeout(300);
    assert.equal(await api(page, 'ss_prompt', 'string'), text, 'clicking and moving the cursor changed nothing');
    await page.evaluate(() => {
      const M = window.Module;
      const drawn = () => M.ccall('ss_explorer_drawn_version', 'number', [], []);
      const m = (window.__ssKey = { t0: 0, v0: 0, ms: -1 });
      window.addEventListener('keydown', () => { if (!m.t0) { m.t0 = performance.now(); m.v0 = drawn(); } }, true);
      const prev = M.postMainLoop;
      M.postMainLoop = () => {
        if (prev) prev();
        if (m.t0 && m.ms < 0 && drawn() !== m.v0) m.ms = performance.now() - m.t0;
      };
    });
    const v1 = await api(page, 'ss_explorer_drawn_version');
    const since1 = await mark(page);
    await page.keyboard.press('.');
    await waitDrawn(page, v1, 600000, since1);
    for (let i = 0; i < 100 && (await page.evaluate(() => window.__ssKey.ms)) < 0; ++i) await page.waitForTimeout(20);
    const keystrokeMs = await page.evaluate(() => window.__ssKey.ms);
    assert.ok(keystrokeMs > 0, 'the key press was timed to its drawn frame');
    assert.equal(await api(page, 'ss_prompt', 'string'), text + '.', 'the key reached the end of the prompt');
    assert.equal(await api(page, 'ss_token_count'), T_TARGET + 1, 'one more token');
    const rows = await api(page, 'ss_last_forward_rows');
    assert.ok(rows >= 1 && rows <= 2, `the keystroke's forward was incremental: ${rows} rows of ${T_TARGET + 1}`);
    const keyForwardMs = await api(page, 'ss_last_forward_ms');
    const afterKey = checkSinks(await sinkMap(page), T_TARGET + 1, 'after the key press');
    const memEnd = await wasmBytes(page);

    const out = {
      T: T_TARGET, wasm_memory_bytes: memEnd, keystroke_ms: Math.round(keystrokeMs), ready_ms: readyMs,
      forward_ms: Math.round(forwardMs), forward_rows: fullRows, prompt_wall_ms: promptWallMs, keystroke_forward_ms: Math.round(keyForwardMs * 10) / 10,
      keystroke_rows: rows, edit_to_frame_ms: Math.round(await api(page, 'ss_explorer_edit_to_frame_ms')),
      threads: await api(page, 'ss_threads'), tap_copies: await api(page, 'ss_async_count', 'number', [4]),
      wasm_memory_mb: { loaded: Math.round(memLoaded / 2 ** 20), prompt: Math.round(memPrompt / 2 ** 20), end: Math.round(memEnd / 2 ** 20) },
      sinks: sinksLong, sinks_after_key: afterKey,
    };
    console.log(JSON.stringify(out));
    fs.writeFileSync(path.join(results, 'scale_page.json'), JSON.stringify(out, null, 1) + '\n');
    for (const [when, b] of [['loaded', memLoaded], ['prompt', memPrompt], ['end', memEnd]])
      assert.ok(b < GiB, `wasm memory ${when}: ${(b / 2 ** 20).toFixed(0)} MiB, want < 1024 MiB`);
    await page.close();
  });
