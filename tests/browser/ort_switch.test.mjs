// Switching the app's backend to ONNX Runtime Web: the prompt and
// the selected head stay, the result arrives through the async path (no
// fallback to CPU), and the explorer shows the same sinks (layer, head, key,
// caught span) as on our CPU engine; switching back gives them again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, dist, launch, openPage, serve, testModel, waitReady } from './harness.mjs';

async function frames(page, n) {
  const f0 = await api(page, 'ss_frame_count');
  for (let i = 0; i < 3000 && (await api(page, 'ss_frame_count')) < f0 + n; ++i) await page.waitForTimeout(20);
}

async function sinks(page) {
  const n = await api(page, 'ss_explorer_sink_count');
  const out = [];
  for (let i = 0; i < n; ++i) {
    const s = [];
    for (let w = 0; w < 5; ++w) s.push(await api(page, 'ss_explorer_sink', 'number', [i, w]));
    out.push(s.join(':'));
  }
  return out;
}

async function waitDelivered(page, count, ms = 180000) {
  const end = Date.now() + ms;
  while ((await api(page, 'ss_async_count', 'number', [1])) < count || (await api(page, 'ss_async_in_flight')) === 1) {
    const fb = await api(page, 'ss_async_count', 'number', [3]);
    assert.equal(fb, 0, 'fell back to CPU: ' + (await api(page, 'ss_backend_notice', 'string')) + '\n' + page.consoleLog.join('\n'));
    assert.ok(Date.now() < end, 'no ORT result after ' + ms + ' ms\n' + page.consoleLog.join('\n'));
    await page.waitForTimeout(50);
  }
}

test('switching to the ort backend keeps prompt and selection and shows the same sinks', async () => {
  const server = await serve(dist);
  const { ctx, close } = await launch();
  try {
    const page = await openPage(ctx, `${server.url}?model=${testModel()}`);
    await waitReady(page);
    assert.ok((await api(page, 'ss_backends', 'string')).split(',').includes('ort'), 'ort is not offered in the backend picker');
    await api(page, 'ss_select_head', 'number', [1, 1]);
    await frames(page, 3);
    const prompt = await api(page, 'ss_prompt', 'string');
    const cpu = await sinks(page);
    assert.equal(await api(page, 'ss_backend', 'string'), 'cpu');
    assert.ok(cpu.length > 0, 'no sinks on the CPU backend');

    assert.equal(await api(page, 'ss_set_backend', 'number', ['ort']), 1);
    await waitDelivered(page, 1);
    await frames(page, 3);
    assert.equal(await api(page, 'ss_backend', 'string'), 'ort');
    assert.equal(await api(page, 'ss_prompt', 'string'), prompt);
    assert.deepEqual([await api(page, 'ss_layer'), await api(page, 'ss_head')], [1, 1]);
    assert.deepEqual(await sinks(page), cpu, 'sinks on ORT differ from CPU');

    assert.equal(await api(page, 'ss_set_backend', 'number', ['cpu']), 1);
    await frames(page, 3);
    assert.equal(await api(page, 'ss_prompt', 'string'), prompt);
    assert.deepEqual(await sinks(page), cpu);
  } finally {
    await close();
    server.stop();
  }
});
