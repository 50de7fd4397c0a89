// Lessons in headless chromium (docs/lessons.md): both demo-lm lessons run end
// to end, every step's state read back through the C API (model, prompt,
// panel, layer/head, selected sink and token, intervention) and compared with
// the lesson file itself; a wrong answer gets the hint, a right one opens
// Next; Back restores a step the student changed. A broken or missing lesson
// shows its message on screen and leaves the explorer usable. The plain page
// opens on the computed first view (src/explorer/first_view.h).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, frames, openPage, results, root, testModel, useBrowser, waitReady } from './harness.mjs';

const env = useBrowser();
const model = testModel();

const state = async (page) => JSON.parse(await api(page, 'ss_lesson_state', 'string'));

async function waitFor(page, what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what + '\n' + page.consoleLog.join('\n'));
    await page.waitForTimeout(100);
  }
}

// The step as the file writes it, with inheritance (prompt, model) resolved.
function resolvedSteps(lesson) {
  let prompt = null, m = lesson.model;
  return lesson.steps.map((s) => {
    if (s.prompt !== undefined) prompt = s.prompt;
    if (s.model) m = s.model;
    const iv = s.intervention === undefined ? [] : [].concat(s.intervention).filter((x) => x !== 'none');
    return { ...s, prompt, model: m, intervention: iv };
  });
}

// The app shows exactly what step `k` asks for.
async function checkStep(page, step, k) {
  await waitFor(page, `step ${k + 1} analysed`, async () => {
    const st = await state(page);
    return st.step === k && (step.sink === undefined || st.app.sink === step.sink);
  });
  const st = await state(page);
  const where = `step ${k + 1} (${step.title || ''})`;
  assert.equal(st.app.model, step.model, where + ': model');
  assert.equal(st.prompt_is_step, true, where + ': prompt');
  if (step.prompt !== null) assert.equal(await api(page, 'ss_prompt', 'string'), step.prompt, where + ': prompt text');
  assert.equal(st.app.panel, step.panel, where + ': panel');
  assert.equal(await api(page, 'ss_explorer_panel_key', 'string'), step.panel, where + ': panel (C API)');
  if (step.layer !== undefined) {
    assert.deepEqual([await api(page, 'ss_layer'), await api(page, 'ss_head')], [step.layer, step.head], where + ': head');
  }
  if (step.sink !== undefined) assert.equal(st.app.sink, step.sink, where + ': selected sink');
  assert.equal(st.app.token, step.token === undefined ? -1 : step.token, where + ': selected token');
  assert.deepEqual(st.app.intervention.sort(), step.intervention.slice().sort(), where + ': intervention');
  assert.equal(st.current.caption, step.caption, where + ': caption');
  return st;
}

// A wrong answer first (the hint), then the right one (Next opens). Head
// answers go through the selection, as a click in the head picker does.
async function answer(page, q, k) {
  const where = `step ${k + 1}`;
  assert.equal((await state(page)).can_next, false, where + ': Next is closed before the answer');
  assert.equal(await api(page, 'ss_lesson_next'), 0, where + ': Next refused before the answer');
  if (q.answer.kind === 'head') {
    const wrong = [q.answer.layer, (q.answer.head + 1) % 6];
    await api(page, 'ss_explorer_select', null, wrong);
    await frames(page, 3);
    let st = await state(page);
    assert.equal(st.feedback, 'wrong', where + ': a wrong head is wrong');
    assert.equal(st.attempts, 1);
    assert.equal(st.question.hint, q.hint);
    assert.equal(st.can_next, false);
    await api(page, 'ss_explorer_select', null, [q.answer.layer, q.answer.head]);
    await frames(page, 3);
    st = await state(page);
    assert.equal(st.feedback, 'right', where + ': the right head is right');
  } else {
    assert.equal(await api(page, 'ss_lesson_answer_token', 'number', [q.answer.index + 1]), 0, where + ': wrong token');
    let st = await state(page);
    assert.equal(st.feedback, 'wrong');
    assert.equal(st.question.hint, q.hint);
    assert.equal(await api(page, 'ss_lesson_answer_token', 'number', [q.answer.index]), 1, where + ': right token');
    st = await state(page);
    assert.equal(st.feedback, 'right');
  }
  assert.equal((await state(page)).answered, true);
}

async function runLesson(name) {
  const lesson = JSON.parse(fs.readFileSync(path.join(root, 'web', 'lessons', name + '.json'), 'utf8'));
  const steps = resolvedSteps(lesson);
  const page = await openPage(env.browser.ctx, `${env.server.url}?lesson=${name}`);
  await waitReady(page);
  await waitFor(page, 'the lesson', async () => (await api(page, 'ss_lesson_active')) === 1 ||
                                                 (await api(page, 'ss_lesson_error', 'string')) !== '');
  assert.equal(await api(page, 'ss_lesson_error', 'string'), '');
  assert.equal(await api(page, 'ss_lesson_step_count'), steps.length);
  assert.equal((await state(page)).title, lesson.title);
  await frames(page, 3);
  assert.equal(await api(page, 'ss_explorer_overlay'), 0, 'a lesson opens without the first-run overlay');
  assert.ok(await api(page, 'ss_window_rect', 'number', ['Lesson', 2]) > 0, 'the lesson bar is drawn');
  for (let k = 0; k < steps.length; ++k) {
    await frames(page, 2);
    await checkStep(page, steps[k], k);
    await page.screenshot({ path: path.join(results, `lesson-${name}-${k + 1}.png`) });
    if (steps[k].question) await answer(page, steps[k].question, k);
    if (k === 1) {
      // The student wanders off (another prompt, head, panel); Back then Next
      // bring the step back as written, its question asked again.
      await api(page, 'ss_set_prompt', null, ['Something else entirely.']);
      await api(page, 'ss_explorer_select', null, [0, 0]);
      await api(page, 'ss_explorer_set_panel', null, [7]);
      await frames(page, 3);
      assert.equal(await api(page, 'ss_lesson_back'), 1);
      await frames(page, 2);
      await checkStep(page, steps[0], 0);
      if (steps[0].question) await answer(page, steps[0].question, 0);
      assert.equal(await api(page, 'ss_lesson_next'), 1);
      await frames(page, 2);
      await checkStep(page, steps[1], 1);
      if (steps[1].question) await answer(page, steps[1].question, 1);
    }
    if (k + 1 < steps.length) assert.equal(await api(page, 'ss_lesson_next'), 1, `Next after step ${k + 1}`);
    else assert.equal(await api(page, 'ss_lesson_next'), 0, 'no Next after the last step');
  }
  assert.equal(page.consoleLog.filter((l) => l.startsWith('[pageerror]')).length, 0, page.consoleLog.join('\n'));
  await page.close();
}

test('lesson "What is an attention sink?" runs end to end', { skip: model !== 'demo-lm' && 'needs demo-lm' }, async () => {
  await runLesson('what-is-a-sink');
});

test('lesson "Catch, tag, release in five steps" runs end to end', { skip: model !== 'demo-lm' && 'needs demo-lm' }, async () => {
  await runLesson('catch-tag-release');
});

test('the averaging lab lesson opens on its panel', async () => {
  const page = await openPage(env.browser.ctx, `${env.server.url}?lesson=averaging-lab`);
  await waitReady(page);
  await waitFor(page, 'the lesson', async () => (await api(page, 'ss_lesson_active')) === 1);
  for (let k = 0; k < await api(page, 'ss_lesson_step_count'); ++k) {
    if (k) assert.equal(await api(page, 'ss_lesson_next'), 1);
    await frames(page, 2);
    assert.equal(await api(page, 'ss_explorer_panel_key', 'string'), 'averaging');
  }
  await page.close();
});

test('a broken or missing lesson says why on screen and the explorer keeps working', async () => {
  const page = await env.browser.ctx.newPage();
  page.consoleLog = [];
  page.on('console', (m) => page.consoleLog.push(`[${m.type()}] ${m.text()}`));
  await page.route('**/lessons/broken.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ title: 'broken', model: 'demo-lm',
                           steps: [{ panel: 'attention', caption: 'fine' }, { panel: 'heatmap', caption: 'no such panel' }] }),
  }));
  for (const [name, says] of [['broken', "step 2: unknown panel 'heatmap'"], ['no-such-lesson', 'could not be downloaded'],
                               ['javascript:alert(1)', 'must come from this host or over https']]) {
    await page.goto(`${env.server.url}?model=${model}&lesson=${encodeURIComponent(name)}`);
    await waitReady(page);
    await waitFor(page, 'the lesson error', async () => (await api(page, 'ss_lesson_error', 'string')) !== '');
    const err = await api(page, 'ss_lesson_error', 'string');
    assert.ok(err.includes(says), `"${err}" should say ${says}`);
    assert.equal(await api(page, 'ss_lesson_active'), 0);
    await frames(page, 3);
    assert.ok(await api(page, 'ss_window_rect', 'number', ['Lesson', 2]) > 0, 'the message is drawn beside the panel');
    await page.screenshot({ path: path.join(results, `lesson-error-${name.replace(/[^a-z-]/gi, '_')}.png`) });
    // Still the explorer: a new prompt runs, a head can be picked.
    await api(page, 'ss_set_prompt', null, ['The sky is blue. Grass is green.']);
    await waitFor(page, 'the new prompt', async () => (await api(page, 'ss_explorer_prompt', 'string')) ===
      'The sky is blue. Grass is green.' && (await api(page, 'ss_explorer_token_count')) > 3);
    assert.equal(await api(page, 'ss_select_head', 'number', [1, 1]), 1);
    assert.equal(await api(page, 'ss_lesson_error', 'string'), err, 'the message stays until dismissed');
  }
  await page.close();
});

test('the plain page opens on the computed first view, its sink selected', async () => {
  const page = await openPage(env.browser.ctx, `${env.server.url}?model=${model}`);
  await waitReady(page);
  await waitFor(page, 'a view', async () => (await api(page, 'ss_explorer_sink_count')) > 0);
  await frames(page, 3);
  // The rule (docs/metrics.md, "The first view") recomputed from the sink list:
  // the longest catch after a sink at key > 0.
  const n = await api(page, 'ss_explorer_sink_count');
  let best = null;
  for (let i = 0; i < n; ++i) {
    const [layer, head, key, b, e] = await Promise.all([0, 1, 2, 3, 4].map((w) => api(page, 'ss_explorer_sink', 'number', [i, w])));
    const len = e - Math.max(b, key + 1);
    if (key > 0 && len > 0 && (!best || len > best.len)) best = { layer, head, key, len };
  }
  assert.ok(best, 'the default prompt has a prompt-dependent catch');
  const app = (await state(page)).app;
  console.log(`# first view: L${app.layer}H${app.head}, sink ${app.sink}, catch [${app.catch}] (${model})`);
  assert.deepEqual([app.layer, app.head, app.sink], [best.layer, best.head, best.key]);
  if (model === 'demo-lm') {
    assert.deepEqual([app.layer, app.head, app.sink], [6, 2, 7], "demo-lm: L6H2's sink on the opening quote");
    assert.deepEqual(app.catch, [8, 25]);
  }
  // An address that picks the head wins over the computed view.
  await page.goto(`${env.server.url}?model=${model}&layer=1&head=1`);
  await waitReady(page);
  await waitFor(page, 'a view', async () => (await api(page, 'ss_explorer_sink_count')) > 0);
  await frames(page, 3);
  assert.deepEqual([await api(page, 'ss_layer'), await api(page, 'ss_head')], [1, 1]);
  await page.close();
});
