// The panel as an SVG figure (src/ui/svg_export.cpp): the attention panel's
// SVG is parsed in the page and checked against the analysis itself: every
// visible heatmap cell (query i, key j) is a rectangle of colour
// viridis(A[i, j]) from the app's own attention values, and the axis titles,
// colour bar, the selected sink's sink_score and catch_span (the numbers the
// CSV export has) are text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, openPage, results, testModel, useBrowser, waitReady } from './harness.mjs';

const env = useBrowser();
const model = testModel();
// demo-lm's default prompt: L6H2's sink on the opening quote (README); tiny-chars: any head.
const [LAYER, HEAD] = model === 'demo-lm' ? [6, 2] : [1, 1];

test('the SVG export draws the heatmap cells in the analysis colours, with text as text', async () => {
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=${model}&panel=attention&layer=${LAYER}&head=${HEAD}`);
  await waitReady(page);
  await api(page, 'ss_explorer_hide_overlay', null);
  await page.waitForFunction(([l, h]) => window.Module.ccall('ss_explorer_token_count', 'number', [], []) > 0 &&
    window.Module.ccall('ss_explorer_layer', 'number', [], []) === l &&
    window.Module.ccall('ss_explorer_head', 'number', [], []) === h, [LAYER, HEAD], { timeout: 60000 });
  const T = await api(page, 'ss_explorer_token_count');

  const before = await api(page, 'ss_explorer_svg_count');
  await api(page, 'ss_explorer_request_svg', null);
  await page.waitForFunction((n) => window.Module.ccall('ss_explorer_svg_count', 'number', [], []) > n, before, { timeout: 20000 });
  const svg = await api(page, 'ss_explorer_svg', 'string');
  fs.writeFileSync(path.join(results, 'attention-panel.svg'), svg);
  assert.match(svg, /^<\?xml/);
  assert.doesNotMatch(svg, /<image/, 'no bitmap inside');

  // Parse it in the page and compare cell by cell with the app's attention values.
  const r = await page.evaluate(({ svg, T }) => {
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror').textContent };
    const M = window.Module;
    const all = [...doc.documentElement.children];
    const grid = doc.querySelector('rect.ss-heatmap');
    const end = doc.querySelector('rect.ss-heatmap-cells-end');
    const num = (el, a) => Number(el.getAttribute(a));
    const g = { x: num(grid, 'x'), y: num(grid, 'y'), w: num(grid, 'width'), h: num(grid, 'height'),
                rows: num(grid, 'data-rows'), cols: num(grid, 'data-cols'), vmin: num(grid, 'data-vmin'),
                vmax: num(grid, 'data-vmax'), cmap: grid.getAttribute('data-cmap'), title: grid.getAttribute('data-title') };
    // The cells: rectangles painted between the two marks, later ones on top.
    const cells = all.slice(all.indexOf(grid) + 1, all.indexOf(end)).filter((e) => e.tagName === 'rect')
      .map((e) => ({ x: num(e, 'x'), y: num(e, 'y'), w: num(e, 'width'), h: num(e, 'height'),
                     fill: e.getAttribute('fill'), op: e.getAttribute('fill-opacity') }));
    // matplotlib's viridis at nine anchors, interpolated as src/ui/widgets/colormap.cpp does.
    const V = [[0x44, 0x01, 0x54], [0x48, 0x28, 0x78], [0x3e, 0x49, 0x89], [0x31, 0x68, 0x8e], [0x26, 0x82, 0x8e],
               [0x1f, 0x9e, 0x89], [0x35, 0xb7, 0x79], [0x6e, 0xce, 0x58], [0xfd, 0xe7, 0x25]];
    const viridis = (t) => {
      t = Math.min(1, Math.max(0, t)) * 8;
      const i = Math.min(7, Math.floor(t)), f = t - i;
      return V[i].map((a, k) => Math.floor(Math.min(1, Math.max(0, (a + (V[i + 1][k] - a) * f) / 255)) * 255 + 0.5));
    };
    const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
    const cw = g.w / g.cols, ch = g.h / g.rows;
    let checked = 0, bad = [];
    const seen = new Set();
    for (let i = 0; i < g.rows; ++i) {
      for (let j = 0; j <= i; ++j) {  // causal: keys after the query are masked
        const cx = g.x + cw * (j + 0.5), cy = g.y + ch * (i + 0.5);
        let top = null;
        for (const c of cells) if (cx >= c.x && cx <= c.x + c.w && cy >= c.y && cy <= c.y + c.h) top = c;
        const a = M.ccall('ss_explorer_attention', 'number', ['number', 'number'], [i, j]);
        const t = (a - g.vmin) / (g.vmax - g.vmin);
        const want = viridis(t > 0.004 ? t : 0);  // cells within 1/255 of the background are the background
        const got = top ? rgb(top.fill) : null;
        if (!got || top.op !== null || got.some((v, k) => Math.abs(v - want[k]) > 1)) {
          if (bad.length < 5) bad.push({ i, j, a, want, got: top && top.fill });
        }
        seen.add(top && top.fill);
        ++checked;
      }
    }
    const texts = [...doc.querySelectorAll('text')].map((e) => ({ s: e.textContent, transform: e.getAttribute('transform') }));
    return { g, checked, bad, colours: seen.size, texts, title: doc.querySelector('title').textContent,
             width: num(doc.documentElement, 'width') };
  }, { svg, T });
  assert.equal(r.error, undefined, 'well-formed XML: ' + r.error);
  assert.equal(r.g.rows, T);
  assert.equal(r.g.cols, T);
  assert.equal(r.g.cmap, 'viridis');
  assert.equal(r.g.title, 'attention');
  assert.equal(r.checked, T * (T + 1) / 2);
  assert.deepEqual(r.bad, [], 'every cell has the colour of its attention value');
  assert.ok(r.colours > 5, `the cells are not one colour (${r.colours})`);

  // Text is text: axis titles (the row title turned on its side), colour bar, the view's numbers.
  const has = (s) => r.texts.some((t) => t.s.includes(s));
  assert.ok(r.texts.some((t) => t.s === 'query' && /rotate\(-90/.test(t.transform || '')), 'the vertical row title');
  assert.ok(has('key (attended to)'), 'the column title');
  assert.ok(has('attention'), 'the colour bar title');
  assert.ok(r.texts.length > 30, `${r.texts.length} text runs`);
  assert.match(r.title, new RegExp(`layer ${LAYER}, head ${HEAD}`));
  const sinks = await api(page, 'ss_explorer_head_sink_count');
  if (sinks > 0) {
    const key = await api(page, 'ss_explorer_head_sink', 'number', [0, 0]);
    const csv = (await api(page, 'ss_explorer_export_csv', 'string')).split('\n').map((l) => l.split(','));
    const row = (sec, name) => csv.find((c) => c[0] === sec && c[1] === String(LAYER) && c[2] === String(HEAD) &&
                                               c[3] === String(key) && (name === null || c[6] === name));
    const score = Number(row('sink', null)[7]);
    const b = Number(row('catch_span', 'begin')[7]), e = Number(row('catch_span', 'end')[7]);
    assert.ok(has(score.toFixed(3)), `the sink_score ${score.toFixed(3)} (CSV) is in the figure`);
    assert.ok(has(`[${b}, ${e})`), `the catch_span [${b}, ${e}) (CSV) is in the figure`);
  }
  await page.close();
});
