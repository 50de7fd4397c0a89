// README's course-page snippet, as written there (sandboxed iframe and all),
// in a host page: the embedded app must start, draw its one panel and
// analyse the snippet's prompt, with no CSP violation inside the frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodePng, results, root, useBrowser } from './harness.mjs';

const env = useBrowser();

// The first <iframe ...></iframe> in README.md's "For instructors" section.
function readmeSnippet() {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = readme.match(/<iframe[\s\S]*?<\/iframe>/);
  assert.ok(m, 'README has an iframe snippet');
  return m[0];
}

test("README's embed snippet works in a sandboxed iframe on a course page", async () => {
  const snippet = readmeSnippet();
  assert.match(snippet, /sandbox="allow-scripts allow-same-origin"/, 'the documented snippet is sandboxed');
  // The course page lives elsewhere on the host; the snippet points at the app.
  const iframe = snippet.replace('https://YOUR-HOST/sinkscope/', env.server.url).replace('model=demo-lm', 'model=tiny-chars');
  const host = `<!doctype html><html><head><title>Course page</title></head><body>
    <h1>Week 3: attention sinks</h1>${iframe}</body></html>`;
  const page = await env.browser.ctx.newPage();
  const log = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  await page.route('**/course/week3.html', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: host }));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${env.server.url}course/week3.html`);
  assert.equal(await page.locator('iframe').getAttribute('sandbox'), 'allow-scripts allow-same-origin');
  const frame = await (await page.locator('iframe').elementHandle()).contentFrame();
  const call = (name, ret = 'number', args = []) => frame.evaluate(([n, r, a]) =>
    window.Module.ccall(n, r, a.map((x) => (typeof x === 'string' ? 'string' : 'number')), a), [name, ret, args]);
  await frame.waitForFunction(() => window.sinkscopeError ||
    (window.Module && window.Module.calledRun && window.Module.ccall('ss_ready', 'number', [], [])), null, { timeout: 60000 });
  assert.equal(await frame.evaluate(() => window.sinkscopeError || null), null, log.join('\n'));

  const prompt = new URLSearchParams(iframe.match(/src="[^"?]*\?([^"]*)"/)[1]).get('prompt');
  assert.equal(await call('ss_prompt', 'string'), prompt, 'the snippet\'s prompt');
  assert.equal(await call('ss_explorer_embed'), 1);
  assert.equal(await call('ss_explorer_panel_key', 'string'), 'attention');
  assert.ok(await call('ss_token_count') > prompt.length / 2, 'the prompt was analysed');
  assert.ok(await call('ss_last_forward_ms') >= 0);
  assert.equal(await call('ss_last_error', 'string'), '');
  const w = await call('ss_window_rect', 'number', ['##embed', 2]);
  const box = await page.locator('iframe').boundingBox();
  assert.ok(w > 0.9 * box.width, `the panel fills the frame (${w} of ${box.width} px)`);

  // It draws: the panel's PNG export (what the frame shows) has many colours.
  await call('ss_explorer_request_png', null);
  await frame.waitForFunction(() => window.Module.ccall('ss_explorer_png_size', 'number', [], []) > 1000, null, { timeout: 20000 });
  const colours = (await decodePng(frame, null, 31)).colors;
  assert.ok(colours > 20, `the embedded panel is drawn (${colours} colours)`);
  assert.deepEqual(await frame.evaluate(() => window.__csp), [], 'no CSP violations in the frame');
  await page.screenshot({ path: path.join(results, 'embed-sandboxed-iframe.png') });
  await page.close();
});
