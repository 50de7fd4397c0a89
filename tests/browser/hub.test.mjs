// Opening a model the page does not ship (web/hub.js, webapi.h group 17):
// ?hf=OWNER/NAME from a mock Hub (tests/browser/mock_hub.mjs: the Hub's URL
// layout, its CDN redirect, Content-Length, 401 and 404 with the Hub's error
// codes), the progress bar per file, the browser cache on the second visit
// (no request to the hub), every error as an overlay with the model shown
// before kept, cancel, and dropping a folder's files on the page. The model
// the page opens is checked against `sinkscope-cli analyze` on the same folder
// (tests/data/models/tiny-chars) and the same token ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, frames, launch, openPage, results, root, serve, setPromptIds, waitReady } from './harness.mjs';
import { shardTinyChars, startMockHub, tinyDir } from './mock_hub.mjs';

const cliBin = process.env.SINKSCOPE_CLI || path.join(root, 'build', 'native', 'sinkscope-cli');
const PROMPT = 'The cat sat. The dog ran.\nA bird sang, "yes."';
let server, browser, hub;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  assert.ok(fs.existsSync(path.join(dist, 'hub.js')), 'dist has no hub.js: rebuild the wasm preset');
  assert.ok(fs.existsSync(cliBin), `no native CLI at ${cliBin} (build the native preset first)`);
  server = await serve(dist);
  hub = await startMockHub();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
  if (hub) hub.stop();
});

const hfUrl = (repo, extra = '') => `${server.url}?hf=sinkscope/${repo}&hub=${encodeURIComponent(hub.url)}${extra}`;

// Sets the prompt (past any overlay) and waits until the view shows it; returns the token ids.
async function setPrompt(page, text) {
  await api(page, 'ss_explorer_hide_overlay', null);
  return setPromptIds(page, text);
}

// The page's loss and sink map against the CLI's on the folder itself.
async function checkAgainstCli(page) {
  const ids = await setPrompt(page, PROMPT);
  const ref = JSON.parse(execFileSync(cliBin, ['analyze', '--model', tinyDir, '--ids', ids.join(',')]).toString());
  const layers = await api(page, 'ss_compare_metric', 'number', [0, 'layers']);
  const heads = await api(page, 'ss_compare_metric', 'number', [0, 'heads']);
  const config = JSON.parse(fs.readFileSync(path.join(tinyDir, 'config.json'), 'utf8'));
  assert.equal(layers, config.num_hidden_layers, 'layers = config.json');
  assert.equal(heads, config.num_attention_heads, 'heads = config.json');
  assert.equal(ref.n_layers, layers);
  const loss = await api(page, 'ss_explorer_loss');
  assert.ok(Math.abs(loss - ref.loss) <= 1e-4 * Math.max(1, ref.loss), `loss: page ${loss}, CLI ${ref.loss}`);
  const map = Array.from({ length: layers }, () => new Array(heads).fill(0));
  for (const s of ref.sinks) map[s.layer][s.head] = Math.max(map[s.layer][s.head], s.score);
  for (let l = 0; l < layers; ++l) {
    for (let h = 0; h < heads; ++h) {
      const v = await api(page, 'ss_compare_sink_map', 'number', [0, l, h]);
      assert.ok(Math.abs(v - map[l][h]) <= 1e-4, `sink map L${l}H${h}: page ${v}, CLI ${map[l][h]}`);
    }
  }
  return loss;
}

// Waits for the start-up overlay (window.sinkscopeError).
async function startupError(page) {
  for (let i = 0; i < 300; ++i) {
    const e = await page.evaluate(() => window.sinkscopeError || null);
    if (e) return { ...e, hint: await page.evaluate(() => document.getElementById('error-hint').textContent) };
    await page.waitForTimeout(100);
  }
  throw new Error('no overlay\n' + page.consoleLog.join('\n'));
}

// Opens a repo in a running page; returns the outcome and what the overlay shows.
async function openInPage(page, repo, rev = '') {
  const r = await page.evaluate(([repo, rev, hubUrl]) => window.sinkscopeHub.openHub(repo, rev, { hub: hubUrl }),
                                [repo, rev, hub.url]);
  const overlay = await page.evaluate(() => ({
    shown: getComputedStyle(document.getElementById('error-overlay')).display !== 'none',
    title: document.getElementById('error-title').textContent,
    text: document.getElementById('error-text').textContent,
    hint: document.getElementById('error-hint').textContent,
  }));
  return { r, overlay };
}
async function closeOverlay(page) {
  await page.click('#error-close');
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('error-overlay')).display), 'none');
}

test('?hf= opens a sharded repo from the mock Hub: progress per file, same numbers as the CLI, cached for the next visit',
  { timeout: 600000 }, async () => {
    hub.reset();
    const page = await openPage(browser.ctx, hfUrl('tiny-chars-sharded'));
    await waitReady(page);
    assert.equal(await api(page, 'ss_model_name', 'string'), 'sinkscope/tiny-chars-sharded');
    // Every file went through the Hub's URLs; the shards through the CDN redirect.
    const paths = hub.requests.map((r) => r.path);
    for (const f of ['config.json', 'tokenizer.json', 'model.safetensors.index.json'])
      assert.ok(paths.includes(`/sinkscope/tiny-chars-sharded/resolve/main/${f}`), f + ' fetched: ' + paths.join(' '));
    const shards = Object.keys(shardTinyChars().files);
    for (const s of shards) assert.ok(paths.includes(`/cdn/tiny-chars-sharded/${s}`), s + ' fetched after the redirect');
    // The progress bar: each shard's row counted its bytes up to Content-Length.
    const log = await page.evaluate(() => window.sinkscopeHubLog);
    for (const s of shards) {
      const rows = log.filter((e) => e.file === s && e.total > 0);
      assert.ok(rows.length >= 2, 'progress rows for ' + s + ': ' + JSON.stringify(rows));
      assert.equal(rows[rows.length - 1].got, rows[rows.length - 1].total, s + ' complete');
    }
    assert.equal(await page.evaluate(() => document.getElementById('hub-panel').dataset.state), 'done');
    const loss = await checkAgainstCli(page);
    // "copy link" reopens it by repo id (hf= and hub=, not model=).
    const link = new URLSearchParams(await api(page, 'ss_explorer_link', 'string'));
    assert.equal(link.get('hf'), 'sinkscope/tiny-chars-sharded');
    assert.equal(link.get('hub'), hub.url);
    assert.equal(link.get('model'), null);
    await page.close();

    // Second visit: everything from Cache Storage, no request to the hub.
    hub.reset();
    const again = await openPage(browser.ctx, hfUrl('tiny-chars-sharded'));
    await waitReady(again);
    assert.equal(hub.requests.length, 0, 'requests to the hub on the second visit: ' + JSON.stringify(hub.requests));
    const loaded = await again.evaluate(() => window.sinkscopeHubLoaded);
    assert.equal(loaded.cached, true);
    assert.equal(await api(again, 'ss_model_name', 'string'), 'sinkscope/tiny-chars-sharded');
    const ids = await setPrompt(again, PROMPT);
    assert.ok(ids.length > 5);
    assert.equal(await api(again, 'ss_explorer_loss'), loss, 'the cached model gives the same loss');
    await again.close();

    // A single-file repo: model.safetensors.index.json is absent (404), model.safetensors is used.
    hub.reset();
    const single = await openPage(browser.ctx, hfUrl('tiny-chars'));
    await waitReady(single);
    assert.ok(hub.requests.some((r) => r.path === '/cdn/tiny-chars/model.safetensors'));
    assert.equal(await checkAgainstCli(single), loss, 'single file = two shards');
    await single.close();
  });

test('?hf= start-up errors: gated, missing repo, revision and file each get an overlay in words', { timeout: 300000 }, async () => {
  const cases = [
    ['gated', '', 'Gated or private repo', ['gated or private repo', 'never sends an access token'],
     'accept its licence on the Hub, download it and open the folder here'],
    ['not-a-repo', '', 'Repo not found', ['no repo sinkscope/not-a-repo'], 'Check the repo id'],
    ['tiny-chars', '&rev=v9', 'Revision not found', ["no revision 'v9'"], '&rev='],
    ['no-tokenizer', '', 'File not found in the repo', ['has no tokenizer.json'], 'tokenizer.json'],
  ];
  for (const [repo, extra, title, words, hint] of cases) {
    const page = await openPage(browser.ctx, hfUrl(repo, extra));
    const e = await startupError(page);
    assert.equal(e.title, title, repo);
    for (const w of words) assert.ok(e.text.includes(w), `${repo}: "${w}" in "${e.text}"`);
    assert.ok(e.hint.includes(hint), `${repo}: hint "${e.hint}"`);
    assert.ok(!e.text.includes('<') && !/token=|hf_/.test(await page.evaluate(() => location.href)));
    await page.close();
  }
  // A repo id that is not one never reaches the hub.
  hub.reset();
  const page = await openPage(browser.ctx, `${server.url}?hf=${encodeURIComponent('../../etc/passwd')}&hub=${encodeURIComponent(hub.url)}`);
  const e = await startupError(page);
  assert.equal(e.title, 'Not a Hugging Face repo id');
  assert.equal(hub.requests.length, 0);
  await page.close();
});

test('in a running page every failed open keeps the model: unsupported family, too big, bad index, loop, gated; cancel',
  { timeout: 300000 }, async () => {
    const page = await openPage(browser.ctx, `${server.url}?model=tiny-chars&threads=1`);
    await waitReady(page);
    const loss0 = (await setPrompt(page, PROMPT)) && (await api(page, 'ss_explorer_loss'));
    const kept = async (what) => {
      assert.equal(await api(page, 'ss_model_name', 'string'), 'tiny-chars', what + ': model kept');
      assert.equal(await api(page, 'ss_ready'), 1);
      await frames(page, 2);
      assert.equal(await api(page, 'ss_explorer_loss'), loss0, what + ': same results');
    };
    const cases = [
      ['mamba', 'Unsupported model', "unknown model_type 'mamba'"],
      ['huge', 'Model too big for the page', 'at most 1.0 GB'],
      ['huge-sharded', 'Model too big for the page', 'the index says the weights are 3.0 GB'],
      ['bad-index', 'Broken shard index', '../evil.safetensors'],
      ['loop', 'The Hub could not be reached', 'redirects go round in a loop'],
      ['gated', 'Gated or private repo', 'gated or private repo'],
    ];
    for (const [repo, title, words] of cases) {
      hub.reset();
      const { r, overlay } = await openInPage(page, 'sinkscope/' + repo);
      assert.ok(r.error, repo + ' refused');
      assert.ok(overlay.shown, repo + ': overlay shown');
      assert.equal(overlay.title, title, repo);
      assert.ok(overlay.text.includes(words), `${repo}: "${words}" in "${overlay.text}"`);
      assert.ok(overlay.hint.includes('The model shown before is still open.'), repo);
      if (repo === 'gated') await page.screenshot({ path: path.join(results, 'hub-gated-overlay.png') });
      if (repo === 'mamba') {
        // Refused on its config.json: no weights were asked for.
        assert.ok(!hub.requests.some((q) => q.path.includes('safetensors')), 'mamba: no weights fetched');
      }
      if (repo === 'huge-sharded') {
        // Refused on its index: no shard was asked for.
        assert.ok(!hub.requests.some((q) => q.path.includes('-of-00002')), 'huge-sharded: no shard fetched');
      }
      await closeOverlay(page);
      await kept(repo);
    }

    // Cancel: the slow repo sends its weights without Content-Length (an
    // indeterminate bar); Cancel stops it and the model stays, no overlay.
    await page.evaluate(() => { window.sinkscopeHubLog.length = 0; });
    const pending = page.evaluate((u) => window.sinkscopeHub.openHub('sinkscope/slow', '', { hub: u }), hub.url);
    for (let i = 0; ; ++i) {
      const seen = await page.evaluate(() => window.sinkscopeHubLog.some((e) => e.file === 'model.safetensors' && e.got > 0));
      if (seen) break;
      assert.ok(i < 200, 'the slow download never started');
      await page.waitForTimeout(100);
    }
    const bar = await page.evaluate(() => {
      const row = document.querySelector('.hub-file[data-file="model.safetensors"] progress');
      return { visible: getComputedStyle(document.getElementById('hub-panel')).display !== 'none', indeterminate: !row.hasAttribute('value') };
    });
    assert.deepEqual(bar, { visible: true, indeterminate: true }, 'an indeterminate bar without Content-Length');
    await page.screenshot({ path: path.join(results, 'hub-progress.png') });
    await page.click('#hub-cancel');
    const r = await pending;
    assert.equal(r.error.kind, 'cancelled');
    assert.equal(await page.evaluate(() => document.getElementById('hub-panel').dataset.state), 'cancelled');
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('error-overlay')).display), 'none');
    await kept('cancel');
    await page.close();
  });

test('dropping a folder\'s files on the page: a missing shard is named, the whole set opens with the CLI\'s numbers',
  { timeout: 300000 }, async () => {
    const page = await openPage(browser.ctx, `${server.url}?model=tiny-chars&threads=1`);
    await waitReady(page);
    const sharded = shardTinyChars();
    const files = {
      'config.json': fs.readFileSync(path.join(tinyDir, 'config.json')),
      'tokenizer.json': fs.readFileSync(path.join(tinyDir, 'tokenizer.json')),
      'model.safetensors.index.json': sharded.index,
      ...sharded.files,
      'README.md': Buffer.from('# a model card, ignored\n'),
    };
    const drop = (names) => page.evaluate(async (list) => {
      const dt = new DataTransfer();
      for (const [name, b64] of list) {
        dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
      }
      window.sinkscopeOpenError = null;
      document.getElementById('canvas').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      for (let i = 0; i < 300; ++i) {
        await new Promise((r) => setTimeout(r, 50));
        if (!window.sinkscopeHub.busy() && (window.sinkscopeOpenError || window.Module.ccall('ss_model_name', 'string', [], []) !== 'tiny-chars')) break;
      }
      return window.sinkscopeOpenError;
    }, names.map((n) => [n, files[n].toString('base64')]));

    // The index names two shards; only the first is dropped.
    const err = await drop(['config.json', 'tokenizer.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors']);
    assert.ok(err, 'refused');
    assert.equal(err.title, 'Not a model sinkscope can open');
    assert.ok(err.text.includes('the index names model-00002-of-00002.safetensors, which was not dropped'), err.text);
    await closeOverlay(page);
    assert.equal(await api(page, 'ss_model_name', 'string'), 'tiny-chars');
    // config.json missing.
    const err2 = await drop(['tokenizer.json', 'model-00001-of-00002.safetensors']);
    assert.ok(err2.text.startsWith('config.json is missing'), err2.text);
    await closeOverlay(page);

    // The whole folder, README included.
    const ok = await drop(Object.keys(files));
    assert.equal(ok, null, 'opened: ' + JSON.stringify(ok));
    assert.equal(await api(page, 'ss_model_name', 'string'), 'local-model');
    await checkAgainstCli(page);
    await page.close();
  });

// The toolbar's "open model..." control `item`, centre in CSS pixels; null when not drawn.
async function controlAt(page, item) {
  const r = [];
  for (let i = 0; i < 4; ++i) r.push(await api(page, 'ss_open_model_rect', 'number', [item, i]));
  if (r[0] < 0) return null;
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  return { x: (r[0] + r[2] / 2) / dpr, y: (r[1] + r[3] / 2) / dpr };
}
async function clickControl(page, item) {
  let at = null;
  for (let i = 0; i < 100 && !at; ++i) { await frames(page, 1); at = await controlAt(page, item); }
  assert.ok(at, item + ' is drawn');
  await page.mouse.click(at.x, at.y);
  await frames(page, 3);
}

test('"open model..." in the toolbar: a repo id typed in fetches it; "files..." opens a file dialog whose files load',
  { timeout: 300000 }, async () => {
    const page = await openPage(browser.ctx, `${server.url}?model=tiny-chars&threads=1&hub=${encodeURIComponent(hub.url)}`);
    await waitReady(page);
    await api(page, 'ss_explorer_hide_overlay', null);
    assert.equal(await controlAt(page, 'repo'), null, 'the popup starts closed');
    await clickControl(page, 'button');
    await clickControl(page, 'repo');
    await page.keyboard.type('sinkscope/tiny-chars-sharded', { delay: 20 });
    await frames(page, 3);
    hub.reset();
    await clickControl(page, 'fetch');
    for (let i = 0; i < 200 && (await api(page, 'ss_model_name', 'string')) === 'tiny-chars'; ++i) await page.waitForTimeout(50);
    assert.equal(await api(page, 'ss_model_name', 'string'), 'sinkscope/tiny-chars-sharded');
    // Cached by the first test of this file (same browser profile): no request.
    assert.equal(hub.requests.length, 0, JSON.stringify(hub.requests));
    await frames(page, 2);
    assert.equal(await controlAt(page, 'repo'), null, 'the popup closed');

    // "files...": the page's file dialog (a click in the canvas is the user's gesture).
    await clickControl(page, 'button');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 20000 }), clickControl(page, 'files')]);
    assert.ok(chooser.isMultiple(), 'several files at once');
    await chooser.setFiles(['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => path.join(tinyDir, f)));
    for (let i = 0; i < 200 && (await api(page, 'ss_model_name', 'string')) !== 'local-model'; ++i) await page.waitForTimeout(50);
    assert.equal(await api(page, 'ss_model_name', 'string'), 'local-model');
    await checkAgainstCli(page);
    await page.close();
  });
