// The paper's second half in headless chromium, driven through the C API
// (webapi.h group 12) and checked against `sinkscope-cli analyze` on the same
// token ids: handoffs, tag_cosines and key_dimensions; the user's labels and
// the probe set's tag probes; the outlier clamp's before/after; pinning one
// prompt and reading the sink-map deltas and spans against another. The CLI
// is the native build's (build/native/sinkscope-cli, built before this suite),
// run on the model files the page loads (dist/models/NAME).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, frames, launch, openPage, results, root, serve, setPromptIds, testModel, waitReady } from './harness.mjs';

const model = testModel();
const modelDir = path.join(dist, 'models', model);
const cliBin = process.env.SINKSCOPE_CLI || path.join(root, 'build', 'native', 'sinkscope-cli');
// Sentences, a quote and newlines: sinks after BOS for some heads.
const PROMPT_A = 'The old man said, "Bring the lamp."\nShe went out. The wind was cold, and the gate knocked.\nHe waited.';
const PROMPT_B = PROMPT_A + ' Then the door opened.';
let server, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  assert.ok(fs.existsSync(cliBin), `no native CLI at ${cliBin} (build the native preset first)`);
  server = await serve(dist);
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

const setPrompt = setPromptIds;

function cli(ids, extra = []) {
  const out = execFileSync(cliBin, ['analyze', '--model', modelDir, '--ids', ids.join(','), ...extra],
                           { maxBuffer: 256 << 20 });
  return JSON.parse(out.toString());
}
const jsonApi = async (page, name, args = []) => JSON.parse(await api(page, name, 'string', args));
const close = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: page ${a}, CLI ${b}`);

// The sink map (strongest sink per head) from the CLI's sinks list: [L][H].
function sinkMap(j, L, H) {
  const g = Array.from({ length: L }, () => new Array(H).fill(0));
  for (const s of j.sinks) g[s.layer][s.head] = Math.max(g[s.layer][s.head], s.score);
  return g;
}

test('second half: handoffs, tag cosines, key dims, probes, clamp and pin match the CLI', { timeout: 900000 }, async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=${model}&panel=sinks&threads=1`);
  await waitReady(page);
  await api(page, 'ss_explorer_hide_overlay', null);
  const ids = await setPrompt(page, PROMPT_A);
  const ref = cli(ids);
  const L = ref.sink_score_key0 ? ref.sink_score_key0.length : ref.sink1_share_per_layer.length;

  // 1. Several sinks and key dimensions, for the whole prompt.
  const handoffs = await jsonApi(page, 'ss_sh_handoffs_json');
  assert.equal(handoffs.length, ref.handoffs.length, 'handoff count');
  handoffs.forEach((h, i) => {
    const r = ref.handoffs[i];
    assert.deepEqual([h.layer, h.head, h.query, h.from, h.to], [r.layer, r.head, r.query, r.from, r.to]);
    close(h.to_attention, r.to_attention, 1e-3, 'to_attention');
  });
  const cos = await jsonApi(page, 'ss_sh_tag_cosines_json');
  assert.equal(cos.length, ref.tag_cosines.length, 'tag_cosines entries');
  assert.ok(cos.some((c) => c.scope === 'model'), 'a model-scope matrix');
  cos.forEach((c, i) => {
    assert.deepEqual(c.sinks, ref.tag_cosines[i].sinks);
    c.cos.flat().forEach((v, k) => close(v, ref.tag_cosines[i].cos.flat()[k], 1e-3, 'tag cosine'));
  });
  const kds = await jsonApi(page, 'ss_sh_key_dims_json');
  assert.equal(kds.length, ref.key_dimensions.length, 'key_dimensions entries');
  assert.ok(kds.length > 0, 'the prompt has sinks');
  kds.forEach((k, i) => {
    const r = ref.key_dimensions[i];
    assert.deepEqual([k.layer, k.head, k.key, k.n_queries], [r.layer, r.head, r.key, r.n_queries]);
    close(k.score, r.score, 1e-3, 'key score');
    assert.equal(k.top[0].dim, r.top[0].dim, 'top dimension');
    close(k.top[0].contribution, r.top[0].contribution, 1e-3, 'top contribution');
  });
  // Every panel of the second half draws.
  const drawn = new Set();
  for (let p = 0; p < 32; ++p) {
    await api(page, 'ss_explorer_set_panel', null, [p]);
    const key = await api(page, 'ss_explorer_panel_key', 'string');
    if (!['probes', 'sinks', 'keys'].includes(key) || drawn.has(key)) continue;
    drawn.add(key);
    await frames(page, 2);
    await page.screenshot({ path: path.join(results, `second_half-${key}.png`) });
  }
  assert.equal(drawn.size, 3, 'the three panels are in the panel bar');

  // 2. The head of the strongest sink after key 0 (else the first sink), selected.
  const later = ref.sinks.filter((s) => s.key > 0);
  const pick = later.length ? later.reduce((a, b) => (b.score > a.score ? b : a)) : ref.sinks[0];
  await api(page, 'ss_explorer_select', null, [pick.layer, pick.head]);
  await frames(page, 2);
  const T = ids.length, mid = Math.floor(T / 2);
  for (let i = 1; i < T; ++i) assert.equal(await api(page, 'ss_sh_label', 'number', [i, i < mid ? 0 : 1]), 1);
  assert.equal(await api(page, 'ss_sh_label', 'number', [T, 0]), 0, 'a label beyond the prompt is refused');
  const heads = `${pick.layer}.${pick.head}`;
  const refProbes = cli(ids, ['--probes', '--probe-heads', heads, '--labels', `A:1-${mid - 1},B:${mid}-${T - 1}`]).probes;
  const probes = await jsonApi(page, 'ss_sh_probes_json', [1]);
  assert.equal(probes.error, '');
  for (const [target, mine] of [['labels', probes.labels], ['catch', probes.catch]]) {
    const r = refProbes.find((p) => p.target === target);
    assert.ok(mine && r, `${target} probe on both sides`);
    assert.deepEqual([mine.layer, mine.head, mine.n_tokens, mine.n_folds, mine.classes, mine.class_counts],
                     [r.layer, r.head, r.n_tokens, r.n_folds, r.classes, r.class_counts], `${target} probe's data`);
    close(mine.chance, r.chance, 1e-6, `${target} chance`);
    // Float taps differ in the last bits between wasm and native: a token may fall on the other side.
    for (const sp of ['tag', 'complement', 'full', 'random'])
      assert.ok(Math.abs(mine.accuracy[sp] - r.accuracy[sp]) <= 2 / r.n_tokens + 1e-6,
                `${target} ${sp}: page ${mine.accuracy[sp]}, CLI ${r.accuracy[sp]}`);
    console.log(`# ${target} probe L${r.layer}H${r.head}: ${JSON.stringify(r.accuracy)} chance ${r.chance}`);
  }
  await api(page, 'ss_sh_clear_labels', null);
  assert.equal((await jsonApi(page, 'ss_sh_probes_json', [0])).labels, null, 'no labels, no label probe');

  // 3. The clamp: the default (top outlier dim at the selected sink's key, from layer 0).
  assert.equal(await api(page, 'ss_sh_set_clamp', 'string', [-1, 0, -2]), '');
  assert.notEqual(await api(page, 'ss_sh_set_clamp', 'string', [1 << 20, 0, -2]), '', 'a dim out of range is refused');
  const clamp = await jsonApi(page, 'ss_sh_clamp_json');
  assert.equal(clamp.error, '');
  assert.ok(clamp.dim >= 0 && clamp.tokens.length === 1 && clamp.tokens[0] === pick.key, 'the default clamps the sink token');
  const refClamp = cli(ids, ['--clamp', `${clamp.dim}@0:${clamp.tokens[0]}`]).clamp;
  clamp.medians.forEach((m, l) => close(m, refClamp.medians[l], 1e-3, `median of layer ${l}`));
  for (const side of ['before', 'after']) {
    for (const k of ['loss', 'key0_max', 'key0_mean', 'sink1_share']) close(clamp[side][k], refClamp[side][k], 2e-3, `${side} ${k}`);
    assert.equal(clamp[side].n_sinks, refClamp[side].n_sinks, `${side} sinks`);
  }
  assert.equal(clamp.after.sinks.length, refClamp.after.sinks.length);
  clamp.after.sinks.forEach((s, i) => assert.deepEqual(s.catch_span, refClamp.after.sinks[i].catch_span));
  for (let p = 0; p < 32; ++p) {  // the Interventions panel with the clamp's before/after
    await api(page, 'ss_explorer_set_panel', null, [p]);
    if ((await api(page, 'ss_explorer_panel_key', 'string')) === 'interventions') break;
  }
  await frames(page, 2);
  await page.screenshot({ path: path.join(results, 'second_half-clamp.png') });
  console.log(`# clamp dim ${clamp.dim} at ${clamp.tokens[0]}: key0 max ${clamp.before.key0_max} -> ${clamp.after.key0_max}`);
  await api(page, 'ss_sh_clear_clamp', null);
  assert.equal(await api(page, 'ss_sh_clamp_json', 'string'), '');

  // 4. Pin prompt A, edit to prompt B: deltas and spans against the CLI's two runs.
  assert.equal(await api(page, 'ss_sh_pin'), 1);
  assert.equal(await api(page, 'ss_sh_pinned'), 1);
  const idsB = await setPrompt(page, PROMPT_B);
  const refB = cli(idsB);
  const d = await jsonApi(page, 'ss_sh_deltas_json');
  assert.equal(d.T_before, ids.length);
  assert.equal(d.T_after, idsB.length);
  const mA = sinkMap(ref, L, d.sink_map_delta[0].length), mB = sinkMap(refB, L, d.sink_map_delta[0].length);
  d.sink_map_delta.forEach((row, l) => row.forEach((v, h) => close(v, mB[l][h] - mA[l][h], 2e-3, `delta L${l}H${h}`)));
  const spans = (j) => j.sinks.filter((s) => s.layer === d.layer && s.head === d.head).map((s) => [s.key, ...s.catch_span]);
  assert.deepEqual(d.spans_before.map((s) => [s.key, s.begin, s.end]), spans(ref));
  assert.deepEqual(d.spans_after.map((s) => [s.key, s.begin, s.end]), spans(refB));
  await api(page, 'ss_explorer_set_panel', null, [0]);
  await frames(page, 2);
  await page.screenshot({ path: path.join(results, 'second_half-pinned.png') });
  await api(page, 'ss_sh_unpin', null);
  assert.equal(await api(page, 'ss_sh_pinned'), 0);
  assert.equal(await api(page, 'ss_sh_deltas_json', 'string'), '');
  await page.close();
});
