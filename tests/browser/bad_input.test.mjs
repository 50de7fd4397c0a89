// The bad-input suite in the page (tests/BAD_INPUTS.md): hostile
// prompts and URL text, broken or huge model files, a download that breaks
// off mid-way, and the Content-Security-Policy. Each case checks the message
// the user sees and that the app keeps what it had. The small tiny-chars
// model keeps every case fast (context 1024 tokens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { api, dist, frames, results, useBrowser, waitReady } from './harness.mjs';

const model = 'tiny-chars';
const CONTEXT = 1024;  // tiny-chars' max_position_embeddings
const env = useBrowser();

// A page that records console output and every CSP violation from its start.
async function openPage(url) {
  const page = await env.browser.ctx.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  const log = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  page.consoleLog = log;
  await page.goto(url);
  return page;
}

async function waitOverlay(page, timeoutMs = 60000) {
  await page.waitForFunction(() => !!window.sinkscopeError, null, { timeout: timeoutMs });
  return page.evaluate(() => ({ ...window.sinkscopeError, shown: document.getElementById('error-text').textContent }));
}

// The app is still alive and holds the model and a good prompt's analysis.
async function assertAlive(page) {
  await frames(page, 3);
  assert.equal(await api(page, 'ss_ready'), 1);
  assert.equal(await api(page, 'ss_model_name', 'string'), model);
  await api(page, 'ss_set_prompt', null, ['The sky is blue.']);
  await frames(page, 3);
  assert.equal(await api(page, 'ss_token_count'), 17, 'BOS + 16 characters');
  assert.equal(await api(page, 'ss_last_error', 'string'), '');
  assert.ok(await api(page, 'ss_last_forward_ms') >= 0);
}

const modelBytes = () => fs.readFileSync(path.join(dist, 'models', model, 'model.safetensors'));

// A model file whose header is rewritten by `edit` (data bytes kept).
function editHeader(bytes, edit) {
  const n = Number(bytes.readBigUInt64LE(0));
  const h = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  edit(h);
  const text = Buffer.from(JSON.stringify(h), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, bytes.subarray(8 + n)]);
}

// Opens the page with model.safetensors replaced by `body`; resolves to the overlay's error.
async function loadWithModelFile(body) {
  const page = await env.browser.ctx.newPage();
  await page.route('**/models/tiny-chars/model.safetensors', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body }));
  await page.goto(`${env.server.url}?model=${model}`);
  const err = await waitOverlay(page);
  assert.equal(await page.locator('#error-overlay').isVisible(), true);
  await page.close();
  return err;
}

test('the page runs under its Content-Security-Policy: no eval, no violations, no HTML from the URL', async () => {
  const hostile = '<img src=x onerror="window.__xss=1">';
  const page = await openPage(`${env.server.url}?model=${model}&prompt=${encodeURIComponent(hostile)}`);
  await waitReady(page);
  assert.equal(await api(page, 'ss_prompt', 'string'), hostile, 'the URL text is a prompt, not markup');
  await frames(page, 5);
  const st = await page.evaluate(() => ({
    csp: [...window.__csp], xss: window.__xss,
    meta: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content || '',
    images: document.images.length,
  }));
  assert.ok(st.meta.includes("script-src 'self' 'wasm-unsafe-eval'"), `CSP meta: ${st.meta}`);
  assert.ok(!/unsafe-eval'|unsafe-inline/.test(st.meta.replace("'wasm-unsafe-eval'", '')), 'no unsafe-eval/inline');
  assert.deepEqual(st.csp, [], 'no CSP violations while loading and drawing');
  assert.ok(!page.consoleLog.some((l) => /Content Security Policy/i.test(l)), page.consoleLog.join('\n'));
  assert.equal(st.xss, undefined);
  assert.equal(st.images, 0);
  // The policy is enforced (so "no violations" means something): an inline
  // script and a string timer (eval) are refused and reported.
  const probe = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1;';
    document.body.appendChild(s);
    setTimeout('window.__evaled = 1;', 0);
    await new Promise((r) => setTimeout(r, 100));
    return { inline: window.__inline, evaled: window.__evaled, csp: window.__csp.map((v) => v.split(' ')[0]) };
  });
  assert.equal(probe.inline, undefined, 'inline script refused');
  assert.equal(probe.evaled, undefined, 'eval refused');
  assert.deepEqual(probe.csp.sort(), ['script-src-elem', 'script-src'].sort(), JSON.stringify(probe.csp));
  await page.close();

  // A model name with markup: the overlay shows it as text.
  const p2 = await openPage(`${env.server.url}?model=${encodeURIComponent(hostile)}`);
  const err = await waitOverlay(p2, 15000);
  assert.match(err.title, /Unknown model name/);
  assert.ok(err.shown.includes(hostile), 'shown literally');
  assert.equal(await p2.evaluate(() => document.images.length), 0);
  assert.equal(await p2.evaluate(() => window.__xss), undefined);
  await p2.close();
});

test('a 100,000-character prompt is cut to the context with a notice; invalid UTF-8, control characters and an empty prompt run', async () => {
  const page = await openPage(`${env.server.url}?model=${model}`);
  await waitReady(page);
  const long = 'The sky is blue. Grass is green.\n'.repeat(3100).slice(0, 100000);
  await api(page, 'ss_set_prompt', null, [long]);
  await frames(page, 3);
  assert.equal(await api(page, 'ss_token_count'), CONTEXT);
  const notice = await api(page, 'ss_notice', 'string');
  assert.match(notice, /truncated to the model's context of 1024 tokens \(it has 100001\)/);
  assert.equal(await api(page, 'ss_last_error', 'string'), '');
  assert.equal((await api(page, 'ss_prompt', 'string')).length, 100000, 'the text is kept');
  await page.screenshot({ path: path.join(results, 'bad-input-long-prompt.png') });

  // Invalid UTF-8 and control bytes go in as raw bytes (a JS string cannot hold them).
  const raw = [0x6f, 0x6b, 0x20, 0xff, 0xfe, 0x20, 0xc3, 0x28, 0x20, 0xe2, 0x82, 0x01, 0x1b, 0x5b, 0x33, 0x31,
               0x6d, 0x7f, 0x09, 0x0d, 0x0a, 0xed, 0xa0, 0x80, 0x20, 0x65, 0x6e, 0x64, 0x00];
  await page.evaluate((bytes) => {
    const M = window.Module;
    const p = M._malloc(bytes.length);
    M.HEAPU8.set(bytes, p);
    M.ccall('ss_set_prompt', null, ['number'], [p]);
    M._free(p);
  }, raw);
  await frames(page, 3);
  assert.equal(await api(page, 'ss_notice', 'string'), '', 'short again: no notice');
  assert.equal(await api(page, 'ss_last_error', 'string'), '');
  assert.ok(await api(page, 'ss_token_count') > 10);

  await api(page, 'ss_set_prompt', null, ['']);
  await frames(page, 3);
  assert.equal(await api(page, 'ss_token_count'), 1, 'BOS only');
  assert.equal(await api(page, 'ss_last_error', 'string'), '');
  await assertAlive(page);
  await page.close();
});

test('a model download that breaks off mid-way is retried, and one that keeps failing says so', async () => {
  // A server that sends half of model.safetensors and drops the connection,
  // the first `breaks` times it is asked for it.
  const flaky = (breaks) => new Promise((resolve) => {
    let left = breaks;
    const srv = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html');
      const file = path.join(dist, path.normalize(rel));
      if (!file.startsWith(dist) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      const body = fs.readFileSync(file);
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
                     '.css': 'text/css', '.json': 'application/json' }[path.extname(file)] || 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      if (rel.endsWith('model.safetensors') && left > 0) {
        --left;
        res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket.destroy(), 50));
        return;
      }
      res.end(body);
    });
    srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${srv.address().port}/`, close: () => srv.close() }));
  });

  const once = await flaky(1);
  const page = await openPage(`${once.url}?model=${model}`);
  await waitReady(page);
  assert.equal(await page.evaluate(() => window.sinkscopeRetries), 1, 'one retry');
  assert.ok(page.consoleLog.some((l) => /retrying .*model\.safetensors/.test(l)), page.consoleLog.join('\n'));
  await assertAlive(page);
  await page.close();
  once.close();

  const always = await flaky(1000);
  const p2 = await openPage(`${always.url}?model=${model}`);
  const err = await waitOverlay(p2);
  assert.match(err.title, /model could not be loaded/);
  assert.match(err.text, /broke off|ended after/);
  assert.match(err.text, /tried 3 times/);
  assert.match(err.file, /model\.safetensors$/);
  await p2.close();
  always.close();
});

test('broken model files give an overlay in words: truncated, 40 GB header, NaN weights, wrong dtype', async () => {
  const good = modelBytes();
  const cases = [
    [good.subarray(0, good.length >> 1), /truncated/],
    [editHeader(good, (h) => {
      h['lm_head.weight'].shape = [10737418240 / 32, 32];
      h['lm_head.weight'].data_offsets = [0, 42949672960];
    }), /needs 40\.0 GB.*refused before loading/],
    [(() => {
      const b = Buffer.from(good);
      const n = Number(b.readBigUInt64LE(0));
      const h = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
      b.writeFloatLE(NaN, 8 + n + h['model.layers.0.self_attn.q_proj.weight'].data_offsets[0] + 4 * 5);
      return b;
    })(), /model\.layers\.0\.self_attn\.q_proj\.weight.*non-finite/],
    [editHeader(good, (h) => { h['lm_head.weight'].dtype = 'I32'; }), /lm_head\.weight.*dtype I32/],
  ];
  for (const [body, want] of cases) {
    const err = await loadWithModelFile(body);
    assert.match(err.title, /model could not be read/);
    assert.match(err.text, want);
  }
});
