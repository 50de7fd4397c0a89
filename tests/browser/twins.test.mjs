// The models that answer "why sinks?" in the browser: compare mode from the
// URL (both models' sink maps through the C API, and they differ as the
// twins' cards say), the training timeline's slider (checkpoint and metrics
// change, the prompt stays), the hand-built averaging construction in the lab
// (catch span = the segment, exactly) and the sink slot of demo-lm-sinklogit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, openPage, results, useBrowser, waitReady } from './harness.mjs';

const env = useBrowser();
const shipped = (m) => fs.existsSync(path.join(dist, 'models', m, 'model.safetensors'));

// Polls fn() until it returns a truthy value (bounded).
async function until(page, fn, what, ms = 90000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${page.consoleLog.join('\n')}`);
    await page.waitForTimeout(200);
  }
}

// Side `which`'s sink map, [L][H] of strongest-sink scores.
async function sinkMap(page, which) {
  const L = await api(page, 'ss_compare_metric', 'number', [which, 'layers']);
  const H = await api(page, 'ss_compare_metric', 'number', [which, 'heads']);
  const map = [];
  for (let l = 0; l < L; ++l) {
    const row = [];
    for (let h = 0; h < H; ++h) row.push(await api(page, 'ss_compare_sink_map', 'number', [which, l, h]));
    map.push(row);
  }
  return map;
}

test('compare mode from the URL: both sink maps, demo-lm with BOS sinks, the gated twin far fewer', async () => {
  for (const m of ['demo-lm', 'demo-lm-gated'])
    assert.ok(shipped(m), `dist lacks models/${m} (cmake/assemble_dist.cmake ships every model folder)`);
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=demo-lm&compare=demo-lm-gated&layer=3&head=2`);
  await waitReady(page);
  assert.equal(await api(page, 'ss_explorer_panel_key', 'string'), 'compare', 'compare= opens the compare panel');
  assert.equal(await api(page, 'ss_compare_name', 'string'), 'demo-lm-gated');
  await until(page, async () => (await api(page, 'ss_compare_state')) === 1, 'the compared model to run');
  const a = await sinkMap(page, 0), b = await sinkMap(page, 1);
  assert.equal(a.length, 8);
  assert.equal(b.length, 8);
  // The same head is selected on both sides (the shapes match).
  assert.equal(await api(page, 'ss_compare_metric', 'number', [1, 'layer']), 3);
  assert.equal(await api(page, 'ss_compare_metric', 'number', [1, 'head']), 2);
  const withSink = (m) => m.flat().filter((x) => x > 0).length;
  const sinkA = withSink(a), sinkB = withSink(b);
  // Heads whose strongest sink is BOS (key 0): most of demo-lm's, few of the gated twin's.
  const bosHeads = async (which) => {
    let n = 0;
    for (let l = 0; l < 8; ++l)
      for (let h = 0; h < 6; ++h) n += (await api(page, 'ss_compare_sink_key', 'number', [which, l, h])) === 0;
    return n;
  };
  const bosA = await bosHeads(0), bosB = await bosHeads(1);
  const s1a = await api(page, 'ss_compare_metric', 'number', [0, 'sink1_share']);
  const s1b = await api(page, 'ss_compare_metric', 'number', [1, 'sink1_share']);
  const lossA = await api(page, 'ss_compare_metric', 'number', [0, 'loss']);
  const lossB = await api(page, 'ss_compare_metric', 'number', [1, 'loss']);
  console.log(`# compare: BOS is the strongest sink of ${bosA} demo-lm heads, ${bosB} gated heads`);
  console.log(`# compare: demo-lm ${sinkA} heads with a sink, Sink_1 ${s1a.toFixed(3)}, loss ${lossA.toFixed(3)}; ` +
              `demo-lm-gated ${sinkB}, Sink_1 ${s1b.toFixed(3)}, loss ${lossB.toFixed(3)}`);
  assert.ok(s1a > 0.3, `demo-lm Sink_1 ${s1a}`);
  assert.ok(s1b < s1a / 2, `the gated twin's Sink_1 ${s1b} should be far below demo-lm's ${s1a}`);
  assert.ok(bosB * 2 < bosA, `heads with a BOS sink: gated ${bosB}, demo-lm ${bosA}`);
  // The maps differ, head by head (the gated twin keeps sinks on other tokens: quotes, punctuation).
  assert.notDeepEqual(a, b);
  assert.ok(lossA > 0 && lossB > 0);
  // An edit runs both models: token counts follow.
  await api(page, 'ss_set_prompt', null, ['The sky is blue. Grass is green. The sea is deep.']);
  await until(page, async () => (await api(page, 'ss_compare_metric', 'number', [1, 'tokens'])) ===
    (await api(page, 'ss_compare_metric', 'number', [0, 'tokens'])) &&
    (await api(page, 'ss_compare_metric', 'number', [0, 'tokens'])) === (await api(page, 'ss_token_count')),
    'both sides on the new prompt');
  assert.match(await api(page, 'ss_explorer_link', 'string'), /compare=demo-lm-gated/);
  await page.screenshot({ path: path.join(results, 'compare.png') });
  await page.close();
});

test('timeline: the slider loads a checkpoint, the step and metrics change, the prompt stays', async () => {
  assert.ok(shipped('demo-lm-timeline'), 'dist lacks models/demo-lm-timeline');
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=demo-lm-timeline&panel=attention`);
  await waitReady(page);
  const n = await until(page, () => api(page, 'ss_timeline_count'), 'timeline.json');
  assert.equal(n, 8);
  assert.ok((await api(page, 'ss_timeline_eval_count')) > n);
  assert.equal(await api(page, 'ss_timeline_index'), n - 1);
  const lastStep = await api(page, 'ss_timeline_step');
  const lastLoss = await api(page, 'ss_timeline_metric', 'number', ['val_loss']);
  const lastShare = await api(page, 'ss_timeline_metric', 'number', ['sink_share']);
  const prompt = await api(page, 'ss_prompt', 'string');
  const liveLossLate = await until(page, async () => { const x = await api(page, 'ss_explorer_loss'); return x > 0 ? x : 0; }, 'a view');
  assert.equal(await api(page, 'ss_timeline_set', 'number', [0]), 1);
  await until(page, async () => (await api(page, 'ss_timeline_index')) === 0 && (await api(page, 'ss_timeline_loading')) === -1,
    'checkpoint 0');
  const step0 = await api(page, 'ss_timeline_step');
  const loss0 = await api(page, 'ss_timeline_metric', 'number', ['val_loss']);
  const share0 = await api(page, 'ss_timeline_metric', 'number', ['sink_share']);
  console.log(`# timeline: step ${step0} val loss ${loss0} sink share ${share0}; step ${lastStep} val loss ${lastLoss} sink share ${lastShare}`);
  assert.ok(step0 < lastStep, `step ${step0} vs ${lastStep}`);
  assert.ok(loss0 > lastLoss, `val loss ${loss0} vs ${lastLoss}`);
  assert.ok(share0 < lastShare, `sink share ${share0} vs ${lastShare}`);
  assert.equal(await api(page, 'ss_prompt', 'string'), prompt, 'the prompt stays');
  // Every panel shows the checkpoint: the live loss of the prompt changes with it.
  const liveLoss0 = await until(page, async () => { const x = await api(page, 'ss_explorer_loss'); return x > 0 && x !== liveLossLate ? x : 0; },
    'the view of checkpoint 0');
  assert.ok(liveLoss0 > liveLossLate, `prompt loss at step ${step0}: ${liveLoss0}, final ${liveLossLate}`);
  assert.equal(await api(page, 'ss_timeline_set', 'number', [99]), 0, 'out of range is refused');
  await page.screenshot({ path: path.join(results, 'timeline.png') });
  await page.close();
});

test('averaging lab: the hand-built construction catches exactly its segment', async () => {
  assert.ok(shipped('averaging-construction'), 'dist lacks models/averaging-construction');
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=demo-lm&panel=averaging`);
  await waitReady(page);
  const i = 3;  // averaging-bos-8, -bos-10, -d32-13, then the construction
  await until(page, async () => (await api(page, 'ss_avg_lab_models')) === 4 &&
    (await api(page, 'ss_avg_lab_state', 'number', [i])) !== 0, 'the lab models');
  assert.equal(await api(page, 'ss_avg_lab_state', 'number', [i]), 1);
  const sep = await api(page, 'ss_avg_lab_sep');
  const [b, e, whole] = [await api(page, 'ss_avg_lab_catch', 'number', [i, 0]),
    await api(page, 'ss_avg_lab_catch', 'number', [i, 1]), await api(page, 'ss_avg_lab_catch', 'number', [i, 3])];
  console.log(`# construction: [SEP] at ${sep}, catch span [${b}, ${e})`);
  assert.equal(b, sep, 'the catch starts at the [SEP] (it catches itself too)');
  assert.equal(e, 32, 'and runs to the end: the segment');
  assert.equal(whole, 1);
  await page.close();
});

test('sink slot: demo-lm-sinklogit reports a share per head; demo-lm has none', async () => {
  assert.ok(shipped('demo-lm-sinklogit'), 'dist lacks models/demo-lm-sinklogit');
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=demo-lm-sinklogit&panel=attention`);
  await waitReady(page);
  await until(page, async () => (await api(page, 'ss_sink_slot_share', 'number', [0, 0])) >= 0, 'a view');
  let lo = 1, hi = 0;
  for (let l = 0; l < 8; ++l)
    for (let h = 0; h < 6; ++h) {
      const v = await api(page, 'ss_sink_slot_share', 'number', [l, h]);
      assert.ok(v >= 0 && v <= 1, `L${l}H${h}: ${v}`);
      lo = Math.min(lo, v), hi = Math.max(hi, v);
    }
  console.log(`# sink slot share on the default prompt: ${lo.toFixed(3)} - ${hi.toFixed(3)}`);
  assert.ok(hi > 0.01);
  const json = JSON.parse(await api(page, 'ss_explorer_export_json', 'string'));
  assert.equal(json.sink_slot_share.length, 8);
  await page.screenshot({ path: path.join(results, 'sink-slot.png') });  // the attention view's "slot" column
  // The model picker's path: back to demo-lm, which has no slot.
  assert.ok((await api(page, 'ss_model_catalog', 'string')).split(',').includes('demo-lm-gated'));
  assert.equal(await api(page, 'ss_open_model', 'number', ['demo-lm']), 1);
  await until(page, async () => (await api(page, 'ss_model_name', 'string')) === 'demo-lm' &&
    (await api(page, 'ss_explorer_token_count')) > 0, 'demo-lm');
  assert.equal(await api(page, 'ss_sink_slot_share', 'number', [0, 0]), -1);
  await page.close();
});
