// Accessibility of the page around the canvas: the ARIA live region
// (#sr-description) says in words what the canvas shows and follows a
// prompt edit and a head change made with the keyboard; Enter/Escape switch
// the keyboard control mode; axe-core (npm) finds no serious or critical
// violation outside the canvas; text follows the browser's zoom
// (devicePixelRatio); ?theme=contrast gives the high-contrast theme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, holdKey, openPage, results, root, testModel, useBrowser, waitReady } from './harness.mjs';

const env = useBrowser();
const model = testModel();
const [LAYER, HEAD] = model === 'demo-lm' ? [6, 2] : [1, 1];
const live = (page) => page.locator('#sr-description').textContent();
const untilLive = (page, re, timeout = 30000) => page.waitForFunction((src) =>
  new RegExp(src).test(document.getElementById('sr-description').textContent), re.source, { timeout });

test('the live region follows a prompt edit and a head change; axe finds nothing serious', async () => {
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=${model}&layer=${LAYER}&head=${HEAD}&panel=attention`);
  await waitReady(page);
  await api(page, 'ss_explorer_hide_overlay', null);
  const region = page.locator('#sr-description');
  assert.equal(await region.getAttribute('aria-live'), 'polite');
  assert.equal(await region.getAttribute('aria-atomic'), 'true');
  assert.equal(await page.locator('#canvas').getAttribute('aria-describedby'), 'sr-description');

  // The first view, in words.
  await untilLive(page, new RegExp(`^Attention panel\\. Layer ${LAYER}, head ${HEAD}: `));
  const first = await live(page);
  assert.equal(first, await api(page, 'ss_explorer_description', 'string'));
  assert.match(first, new RegExp(`${await api(page, 'ss_explorer_token_count')} tokens`));
  if (await api(page, 'ss_explorer_head_sink_count') > 0) {
    const key = await api(page, 'ss_explorer_head_sink', 'number', [0, 0]);
    const b = await api(page, 'ss_explorer_head_sink', 'number', [0, 1]);
    const e = await api(page, 'ss_explorer_head_sink', 'number', [0, 2]);
    assert.match(first, new RegExp(`sink at token ${key} \\(.*\\) with sink score \\d\\.\\d\\d catches tokens ${b} to ${e - 1}`));
  }

  // A prompt edit: the region says the new token count, and only changed once it was analysed.
  await api(page, 'ss_set_prompt', null, ['The cat sat on the mat. The dog sat on the log. Then it rained.']);
  await page.waitForFunction((old) => document.getElementById('sr-description').textContent !== old, first, { timeout: 30000 });
  await page.waitForFunction(() => window.Module.ccall('ss_explorer_prompt', 'string', [], []).includes('rained'));
  const T = await api(page, 'ss_explorer_token_count');
  await untilLive(page, new RegExp(` ${T} tokens,`));
  assert.equal(await live(page), await api(page, 'ss_explorer_description', 'string'));

  // A head change with the keyboard (the canvas has focus; arrows walk heads).
  await page.locator('#canvas').focus();
  const head0 = await api(page, 'ss_explorer_head');
  await holdKey(page, head0 > 0 ? 'ArrowLeft' : 'ArrowRight');
  const head1 = await api(page, 'ss_explorer_head');
  assert.notEqual(head1, head0, 'the arrow key moved the head');
  await untilLive(page, new RegExp(`Layer ${LAYER}, head ${head1}: `));
  assert.equal(await live(page), await api(page, 'ss_explorer_description', 'string'));

  // Keyboard control mode (every control by keyboard) is announced and left with Escape.
  await holdKey(page, 'Enter');
  await untilLive(page, /Keyboard control mode/);
  // The main tile has focus: its first control is the first panel tab; the
  // next one to the right is the second panel, and Space presses it.
  await holdKey(page, 'ArrowDown');  // shows the focus on the first control
  await holdKey(page, 'ArrowRight');
  await holdKey(page, 'Space');
  await page.waitForFunction(() => window.Module.ccall('ss_explorer_panel', 'number', [], []) === 1, null, { timeout: 5000 });
  assert.equal(await api(page, 'ss_explorer_head'), head1, 'arrows moved the focus, not the head');
  await untilLive(page, /^Residual/);
  await holdKey(page, 'Escape');
  await page.waitForFunction(() => !/Keyboard control mode/.test(document.getElementById('sr-description').textContent));

  // axe-core on the page, the canvas left out (its content is the live region's job).
  await page.evaluate(fs.readFileSync(path.join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  const res = await page.evaluate(async () => {
    const r = await window.axe.run({ exclude: [['#canvas']] }, { resultTypes: ['violations'] });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact,
                                                                             nodes: v.nodes.map((n) => n.target.join(' ')) })) };
  });
  console.log(`axe: ${res.passes} rules passed; violations (all impacts): ${JSON.stringify(res.violations)}`);
  assert.ok(res.passes >= 5, 'axe checked the page');
  const serious = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], 'no serious or critical axe violation outside the canvas');
  await page.close();
});

test('text follows the browser zoom; ?theme=contrast is the high-contrast theme', async () => {
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=${model}&theme=contrast`);
  await waitReady(page);
  assert.equal(await api(page, 'ss_explorer_theme', 'string'), 'contrast');
  assert.match(await api(page, 'ss_explorer_link', 'string'), /theme=contrast/);
  assert.equal(await api(page, 'ss_explorer_set_theme', 'number', ['neon']), 0, 'unknown theme refused');
  assert.equal(await api(page, 'ss_explorer_theme', 'string'), 'contrast', 'and the theme kept');
  await api(page, 'ss_explorer_hide_overlay', null);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(results, 'theme-contrast.png') });

  // Browser zoom changes devicePixelRatio: the UI font is rebuilt at font_px * dpr,
  // so a text row (the status bar) is twice as tall in canvas pixels at 200 %.
  const statusH = () => api(page, 'ss_window_rect', 'number', ['##status', 3]);
  await page.waitForFunction(() => window.Module.ccall('ss_window_rect', 'number', ['string', 'number'], ['##status', 3]) > 0);
  const h1 = await statusH();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 2, mobile: false });
  await page.waitForFunction((h) => window.Module.ccall('ss_window_rect', 'number', ['string', 'number'], ['##status', 3]) > 1.6 * h,
                             h1, { timeout: 20000 });
  const h2 = await statusH();
  assert.ok(h2 / h1 > 1.8 && h2 / h1 < 2.2, `status bar ${h1} -> ${h2} canvas px at 200 %`);
  await cdp.send('Emulation.clearDeviceMetricsOverride');
  await page.close();
});
