// The one-line embed (web/sinkscope-embed.js) and README's iframe snippet,
// side by side in a course page served from ANOTHER origin (a second local
// server): each frame must start the app on its own, draw its panel, and
// follow its container's width; a script tag whose folder has no app must
// say so in the page instead of leaving an empty box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { decodePng, dist, results, testModel, useBrowser } from './harness.mjs';

const env = useBrowser();
const model = testModel();
const [LAYER, HEAD] = model === 'demo-lm' ? [6, 2] : [1, 1];
const PROMPT = 'The sky is blue. Grass is green.';

// The course page's own server: another port, so another origin.
function hostServer(routes) {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      const body = routes[new URL(req.url, 'http://x').pathname];
      if (body === undefined) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'Content-Type': req.url.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
    });
    srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${srv.address().port}/`, stop: () => srv.close() }));
  });
}

// Waits until the frame's module answers ss_ready (or shows its error overlay).
async function frameReady(frame) {
  await frame.waitForFunction(() => window.sinkscopeError ||
    (window.Module && window.Module.calledRun && window.Module.ccall('ss_ready', 'number', [], [])), null, { timeout: 90000 });
  assert.equal(await frame.evaluate(() => window.sinkscopeError || null), null);
}
const call = (frame, name, ret = 'number', args = []) => frame.evaluate(([n, r, a]) =>
  window.Module.ccall(n, r, a.map((x) => (typeof x === 'string' ? 'string' : 'number')), a), [name, ret, args]);

// Waits until the frame's canvas (and so the app's one window) is `w` CSS px wide.
async function frameWidth(frame, w) {
  await frame.waitForFunction((w) => Math.abs(window.Module.ccall('ss_window_rect', 'number', ['string', 'number'],
    ['##embed', 2]) / devicePixelRatio - w) < 2, w, { timeout: 20000 });
}

test('the one-line embed and the iframe snippet work in a course page of another origin', async () => {
  const app = env.server.url;
  const q = new URLSearchParams({ model, prompt: PROMPT, panel: 'attention', layer: LAYER, head: HEAD, embed: 1 });
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: attention sinks</title></head>
<body><h1>Week 3: attention sinks</h1>
<div id="one" style="width:800px">
<script src="${app}sinkscope-embed.js" data-model="${model}" data-prompt="${attr(PROMPT)}" data-panel="attention"
        data-layer="${LAYER}" data-head="${HEAD}"></script>
<noscript>This page embeds an interactive view; open <a href="${app}?${attr(q.toString())}">sinkscope</a>.</noscript>
</div>
<div id="two" style="width:640px">
<iframe src="${app}?${attr(q.toString())}" sandbox="allow-scripts allow-same-origin" width="640" height="400" style="border:0"
        title="sinkscope"></iframe>
</div>
<div id="three" style="width:500px"><script src="/elsewhere/sinkscope-embed.js" data-panel="residual"
        data-lesson="what-is-a-sink" data-height="300" data-prompt="&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"></script></div>
<div id="four" style="width:500px"><script src="/elsewhere/sinkscope-embed.js" data-height="abc"></script></div>
</body></html>`;
  const host = await hostServer({
    '/course/week3.html': page,
    // The script alone, in a folder with no app next to it.
    '/elsewhere/sinkscope-embed.js': fs.readFileSync(path.join(dist, 'sinkscope-embed.js'), 'utf8'),
  });
  assert.notEqual(new URL(host.url).origin, new URL(app).origin, 'the course page is another origin');
  const tab = await env.browser.ctx.newPage();
  const log = [];
  tab.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  tab.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  await tab.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  try {
    await tab.goto(`${host.url}course/week3.html`);

    // 1. The script tag became a sandboxed iframe of the app with the data-* values.
    assert.equal(await tab.locator('#one script').count(), 0, 'the script tag replaced itself');
    const one = tab.locator('#one iframe');
    assert.equal(await one.getAttribute('sandbox'), 'allow-scripts allow-same-origin allow-downloads');
    const src = new URL(await one.getAttribute('src'));
    assert.equal(src.origin + src.pathname, `${app}index.html`, 'index.html next to the script');
    const p = src.searchParams;
    assert.deepEqual([p.get('embed'), p.get('model'), p.get('prompt'), p.get('panel'), p.get('layer'), p.get('head')],
                     ['1', model, PROMPT, 'attention', String(LAYER), String(HEAD)]);
    // data-lesson and data-height (the third box; its folder has no app).
    const three = new URL(await tab.locator('#three iframe').getAttribute('src'));
    assert.equal(three.pathname, '/elsewhere/index.html');
    assert.deepEqual([three.searchParams.get('lesson'), three.searchParams.get('panel')], ['what-is-a-sink', 'residual']);
    assert.equal(await tab.evaluate(() => document.querySelector('#three iframe').style.height), '300px');
    assert.equal(three.searchParams.get('prompt'), '<img src=x onerror="window.__pwned=1">', 'markup travels as text');
    assert.equal(await tab.locator('img').count(), 0);
    // A height that is no number: the attention panel's aspect (0.62 of 500 px).
    assert.equal(await tab.evaluate(() => document.querySelector('#four iframe').style.height), '310px');
    assert.ok((await one.getAttribute('title')).includes('sinkscope'), 'the frame has an accessible name');

    // 2. Both frames start the app and show the asked-for view.
    const f1 = await (await one.elementHandle()).contentFrame();
    const f2 = await (await tab.locator('#two iframe').elementHandle()).contentFrame();
    for (const f of [f1, f2]) {
      await frameReady(f);
      assert.equal(await call(f, 'ss_explorer_embed'), 1);
      assert.equal(await call(f, 'ss_explorer_panel_key', 'string'), 'attention');
      assert.equal(await call(f, 'ss_prompt', 'string'), PROMPT);
      assert.equal(await f.evaluate(() => window.crossOriginIsolated), false, 'no isolation inside a third-party frame');
      // ... so web/loader.js picked the single-threaded module.
      const wasm = await f.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name.split('/').pop())
        .filter((n) => n.endsWith('.wasm')));
      assert.ok(wasm.includes('sinkscope.wasm') && !wasm.includes('sinkscope-mt.wasm'), `modules fetched: ${wasm}`);
    }
    await f1.waitForFunction(([l, h]) => window.Module.ccall('ss_explorer_layer', 'number', [], []) === l &&
      window.Module.ccall('ss_explorer_head', 'number', [], []) === h, [LAYER, HEAD], { timeout: 20000 });
    await f1.waitForFunction(() => window.Module.ccall('ss_explorer_token_count', 'number', [], []) > 0, null, { timeout: 60000 });
    // The parent heard the app's "ready" (postMessage), without reaching into the frame.
    await tab.waitForFunction(() => document.querySelector('#one .sinkscope-embed').dataset.state === 'ready', null, { timeout: 20000 });

    // 3. It draws: the panel's PNG (what the frame shows) has many colours.
    await call(f1, 'ss_explorer_request_png', null);
    await f1.waitForFunction(() => window.Module.ccall('ss_explorer_png_size', 'number', [], []) > 1000, null, { timeout: 20000 });
    const colours = (await decodePng(f1, null, 31)).colors;
    assert.ok(colours > 20, `the embedded panel is drawn (${colours} colours)`);

    // 4. Sized to the panel and the container: 800 px wide, height from the attention panel's aspect (0.62).
    let box = await one.boundingBox();
    assert.ok(Math.abs(box.width - 800) < 1 && Math.abs(box.height - 496) < 1, JSON.stringify(box));
    await frameWidth(f1, 800);
    await tab.evaluate(() => { document.getElementById('one').style.width = '520px'; });
    await tab.waitForFunction(() => Math.abs(document.querySelector('#one iframe').getBoundingClientRect().height - 322) < 1,
                              null, { timeout: 10000 });
    box = await one.boundingBox();
    assert.ok(Math.abs(box.width - 520) < 1, `follows the container: ${box.width}`);
    await frameWidth(f1, 520);  // the app inside re-laid itself out at the new size
    await call(f1, 'ss_explorer_request_png', null);
    let small = await decodePng(f1, null, 31);  // the export before the resize until the new one is taken
    for (let i = 0; i < 100 && small.w > 521; ++i) {
      await tab.waitForTimeout(100);
      small = await decodePng(f1, null, 31);
    }
    assert.ok(small.w <= 521 && small.w > 400 && small.colors > 20, `still drawn after the resize (${small.w} px, ${small.colors} colours)`);

    // The embedded panel exports as SVG too, at the frame's size.
    const n = await call(f1, 'ss_explorer_svg_count');
    await call(f1, 'ss_explorer_request_svg', null);
    await f1.waitForFunction((n) => window.Module.ccall('ss_explorer_svg_count', 'number', [], []) > n, n, { timeout: 20000 });
    const svg = await call(f1, 'ss_explorer_svg', 'string');
    assert.match(svg, /<svg [^>]*width="52\d(\.\d+)?"/, 'the SVG is the frame\'s width');
    assert.match(svg, /class="ss-heatmap"/);

    // No keyboard trap: Escape twice takes the focus off the canvas, and Tab
    // then leaves the frame for the rest of the course page.
    await tab.waitForTimeout(1200);  // the PNG export's download link leaves the frame after 1 s
    await f1.evaluate(() => document.getElementById('canvas').focus());
    assert.equal(await tab.evaluate(() => document.activeElement && document.activeElement.closest('#one') !== null), true);
    await tab.keyboard.press('Escape');
    await tab.keyboard.press('Escape');
    assert.equal(await f1.evaluate(() => document.activeElement === document.getElementById('canvas')), false);
    await tab.keyboard.press('Tab');
    await tab.waitForFunction(() => !document.activeElement || document.activeElement.closest('#one') === null, null, { timeout: 5000 });

    // 5. A script with no app next to it: a message in the page, no empty box.
    const note = tab.locator('#three .sinkscope-embed-message');
    await note.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await note.textContent(), /could not be loaded/);
    assert.equal(await note.getAttribute('role'), 'alert');
    assert.equal(await tab.evaluate(() => window.__pwned || 0), 0);

    for (const f of [f1, f2]) assert.deepEqual(await f.evaluate(() => window.__csp), [], 'no CSP violations in the frame');
    await tab.screenshot({ path: path.join(results, 'embed-one-line.png'), fullPage: true });
  } catch (e) {
    e.message += '\n' + log.join('\n');
    throw e;
  } finally {
    await tab.close();
    host.stop();
  }
});
