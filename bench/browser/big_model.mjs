// A model of the size researchers bring, opened in the page: a Llama-shaped
// random-weight checkpoint of SmolLM-135M's shape in bfloat16, two shards
// (training/make_random_llama_bf16.py, 269 MB, made into a temp folder), served
// by the mock Hub (tests/browser/mock_hub.mjs) and opened with ?hf=, twice: the
// first visit downloads, the second opens from the browser's cache. For each:
// page open to ready, wasm memory, and the forward of a 128-token prompt (BOS
// included): the full pass, then one edit at its start (every row again).
//   node bench/browser/big_model.mjs [--threads 1] [--keep DIR]
// Prints one JSON object per visit (numbers, not a test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { api, dist, frames, launch, openPage, root, serve, waitReady } from '../../tests/browser/harness.mjs';
import { startMockHub } from '../../tests/browser/mock_hub.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dir = opt('--keep', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'sinkscope-135m-'));
if (!fs.existsSync(path.join(dir, 'config.json')))
  execFileSync('/usr/bin/python3', [path.join(root, 'training', 'make_random_llama_bf16.py'), '--out', dir], { stdio: 'inherit' });
const threads = opt('--threads', '') ? `&threads=${opt('--threads', '')}` : '';

const server = await serve(dist);
const hub = await startMockHub({ 'llama-135m': dir });
const b = await launch();
const words = Array.from({ length: 200 }, (_, i) => 'word' + i);
try {
  for (const visit of ['first', 'second']) {
    hub.reset();
    const t0 = Date.now();
    const page = await openPage(b.ctx, `${server.url}?hf=sinkscope/llama-135m&hub=${encodeURIComponent(hub.url)}${threads}`);
    await waitReady(page, 600000);
    const readyMs = Date.now() - t0;
    const wasmMb = () => page.evaluate(() => window.Module.HEAPU8.length / 1048576);
    const loadedMb = await wasmMb();
    // The prompt whose token count (BOS included) first reaches 128: a binary search over words.
    const setWords = async (k) => {
      const t = words.slice(0, k).join(' ');
      await api(page, 'ss_set_prompt', null, [t]);
      for (let i = 0; i < 6000; ++i) {
        await frames(page, 1, 600000);
        if ((await api(page, 'ss_explorer_prompt', 'string')) === t &&
            (await api(page, 'ss_explorer_token_count')) === (await api(page, 'ss_token_count'))) break;
      }
      return [t, await api(page, 'ss_token_count')];
    };
    let lo = 1, hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((await setWords(mid))[1] < 128) lo = mid + 1; else hi = mid;
    }
    const [text] = await setWords(lo);
    const out = {
      visit, threads: await api(page, 'ss_threads'), ready_ms: readyMs, hub_requests: hub.requests.length,
      model: await api(page, 'ss_model_name', 'string'), tokens: await api(page, 'ss_token_count'),
      wasm_memory_after_load_mb: Math.round(loadedMb), error: await api(page, 'ss_last_error', 'string'),
    };
    await api(page, 'ss_set_prompt', null, ['X' + text.slice(1)]);  // an edit at the start: every row again
    await frames(page, 3, 600000);
    for (let k = 0; k < 600 && (await api(page, 'ss_explorer_token_count')) !== (await api(page, 'ss_token_count')); ++k)
      await frames(page, 1, 600000);
    out.forward_full_ms = Math.round(await api(page, 'ss_last_forward_ms'));
    out.forward_rows = await api(page, 'ss_last_forward_rows');
    out.wasm_memory_after_analysis_mb = Math.round(await wasmMb());
    console.log(JSON.stringify(out));
    await page.close();
  }
} finally {
  await b.close();
  server.stop();
  hub.stop();
  if (!opt('--keep', '')) fs.rmSync(dir, { recursive: true, force: true });
}
