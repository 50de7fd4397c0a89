// Shared helpers for the browser suite: serve a dist folder with web/serve.mjs,
// drive Debian's chromium through playwright-core, read app state through the
// C API (src/platform/webapi.h) rather than from pixels.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = process.env.SINKSCOPE_DIST || path.join(root, 'build', 'wasm', 'dist');
export const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });

// The model the suite loads: SINKSCOPE_TEST_MODEL, else the default demo-lm
// when the build shipped it, else the small tiny-chars test model.
export function testModel() {
  if (process.env.SINKSCOPE_TEST_MODEL) return process.env.SINKSCOPE_TEST_MODEL;
  return fs.existsSync(path.join(dist, 'models', 'demo-lm', 'model.safetensors')) ? 'demo-lm' : 'tiny-chars';
}

// Starts web/serve.mjs on a free port; resolves to {url, stop}.
export function serve(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), dir, '--port', '0'],
                        { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve.mjs printed no URL:\n' + out)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve({ url: m[1], stop: () => child.kill() }); }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve.mjs exited ${code}:\n${out}`)); });
  });
}

// One server on the built dist and one chromium for a whole test file:
// `const env = useBrowser();` then env.server.url, env.browser.ctx in tests.
export function useBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    if (!fs.existsSync(path.join(dist, 'sinkscope.wasm'))) throw new Error(`no build in ${dist}`);
    env.server = await serve(dist);
    env.browser = await launch();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) env.server.stop();
  });
  return env;
}

// Headless chromium with SwiftShader WebGL2 (docs/toolchain.md) and a fresh profile.
export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sinkscope-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic', '--use-angle=swiftshader',
           '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu'],
  });
  const close = async () => { await ctx.close(); fs.rmSync(profile, { recursive: true, force: true }); };
  return { ctx, close };
}

// A new page that records console output (printed when a test fails).
export async function openPage(ctx, url) {
  const page = await ctx.newPage();
  const log = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  page.consoleLog = log;
  await page.goto(url);
  return page;
}

// Waits until the app has drawn n more frames (ss_frame_count); throws after
// timeoutMs, so a stalled page fails its test instead of hanging it.
export async function frames(page, n = 3, timeoutMs = 8000) {
  const f0 = await api(page, 'ss_frame_count');
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if ((await api(page, 'ss_frame_count')) >= f0 + n) return;
    await page.waitForTimeout(20);
  }
  throw new Error('frames stopped');
}

// Calls a C API function: api(page, 'ss_token_count') or api(page, 'ss_select_head', 'number', [1, 2]).
export function api(page, name, ret = 'number', args = []) {
  const types = args.map((a) => (typeof a === 'string' ? 'string' : 'number'));
  return page.evaluate(([n, r, t, a]) => window.Module.ccall(n, r, t, a), [name, ret, types, args]);
}

// Waits until the module answers ss_ready() == 1, or the error overlay shows.
export async function waitReady(page, timeoutMs = 120000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const st = await page.evaluate(() => ({
      err: window.sinkscopeError || null,
      ready: !!(window.Module && window.Module.calledRun && window.Module.ccall('ss_ready', 'number', [], [])),
    }));
    if (st.err) throw new Error('start-up failed: ' + JSON.stringify(st.err) + '\n' + page.consoleLog.join('\n'));
    if (st.ready) return;
    if (Date.now() > end) throw new Error('not ready after ' + timeoutMs + ' ms\n' + page.consoleLog.join('\n'));
    await page.waitForTimeout(200);
  }
}

// ImGui 1.86 polls key state once a frame: a special key must stay down for
// a few frames or the press is lost (docs/toolchain.md).
// Holding for a fixed time is not enough when frames are slow (a loaded
// machine): the key stays down until two frames have ended, so at least one
// whole frame saw it, and is released before ImGui's key repeat (0.275 s of
// frame time) can fire on a fast machine.
export async function holdKey(page, key, ms = 60) {
  const frames = () => page.evaluate(() => window.Module.ccall('ss_frame_count', 'number', [], []));
  const f0 = await frames();
  await page.keyboard.down(key);
  await page.waitForTimeout(ms);
  for (let i = 0; i < 200 && (await frames()) < f0 + 2; ++i) await page.waitForTimeout(10);
  await page.keyboard.up(key);
  const f1 = await frames();
  await page.waitForTimeout(ms);
  for (let i = 0; i < 200 && (await frames()) < f1 + 2; ++i) await page.waitForTimeout(10);
}

// Copies dist without one file (for the error-overlay tests).
export function distWithout(relFile) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinkscope-dist-'));
  fs.cpSync(dist, dir, { recursive: true, filter: (src) => path.relative(dist, src) !== relFile });
  if (fs.existsSync(path.join(dir, relFile))) throw new Error('could not leave out ' + relFile);
  return dir;
}

// Decodes a PNG in the page (or frame) and samples its colours: a blank
// canvas has one or two. `png` is a Buffer (e.g. page.screenshot()), or null
// for the app's last PNG export (ss_explorer_png_data/_size). Every
// `stride`-th pixel is sampled. Returns {w, h, colors, sig} (sig: first 8 bytes).
export function decodePng(target, png = null, stride = 7) {
  return target.evaluate(async ({ b64, stride }) => {
    let bytes;
    if (b64) {
      bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    } else {
      const M = window.Module;
      const ptr = M.ccall('ss_explorer_png_data', 'number', [], []);
      bytes = M.HEAPU8.slice(ptr, ptr + M.ccall('ss_explorer_png_size', 'number', [], []));
    }
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const px = g.getImageData(0, 0, bmp.width, bmp.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 4 * stride) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return { w: bmp.width, h: bmp.height, colors: seen.size, sig: Array.from(bytes.slice(0, 8)) };
  }, { b64: png ? png.toString('base64') : null, stride });
}

// Sets the prompt and waits until the view shows it (the explorer's export
// holds its ids and token count); returns the token ids.
export async function setPromptIds(page, text) {
  await api(page, 'ss_set_prompt', null, [text]);
  for (let i = 0; i < 400; ++i) {
    await frames(page, 1);
    const j = JSON.parse(await api(page, 'ss_explorer_export_json', 'string') || '{}');
    if (j.ids && (await api(page, 'ss_explorer_prompt', 'string')) === text && j.ids.length === (await api(page, 'ss_explorer_token_count')))
      return j.ids;
  }
  throw new Error('the prompt never ran');
}
