// The averaging lab's live trainer in the browser: train seed 1 for 300 steps
// through the C API (src/app/webapi_trainer.cpp) and check that the loss fell
// and that the loss and the mechanism metrics equal the native run's.
// Expected values: `sinkscope-cli train-averaging --seed 1 --steps 300`
// (native, same code). The trainer is written to give the same bits natively
// and in wasm (own exp/log, fixed summation order, no FMA), so the tolerance is
// tight: 1e-5 absolute on every number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, dist, launch, openPage, serve, testModel, waitReady } from './harness.mjs';

const SEED = 1, STEPS = 300, TOL = 1e-5;
const LOSS_BELOW = 0.2;  // the first step's loss is about 1.6
const native = {          // sinkscope-cli train-averaging --seed 1 --steps 300
  loss: 0.143270, sep_head: 0, sep_attention: 0.0970, sink_score0: 0.1258, catch_share: 0.0146,
  catch_span: 0.0345, tag_alignment: 0.3105, release_head: 0, release_mass: 0.4470, formed: 0,
};
// The CLI prints 4 decimals for the metrics: compare those at half a unit of the last digit.
const printed = { loss: 5e-7, sep_attention: 5e-5, sink_score0: 5e-5, catch_share: 5e-5, catch_span: 5e-5,
                  tag_alignment: 5e-5, release_mass: 5e-5 };

let server, browser;
before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sinkscope.wasm')), `no build in ${dist}`);
  server = await serve(dist);
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

test('trainer: seed 1 learns in the browser and matches the native run', async () => {
  const page = await openPage(browser.ctx, `${server.url}?model=${testModel()}`);
  await waitReady(page);
  await api(page, 'ss_trainer_start', 'null', [SEED, STEPS, 0]);
  assert.equal(await api(page, 'ss_trainer_step'), 0);
  const t0 = Date.now();
  let done = 0;
  while (done < STEPS) done += await api(page, 'ss_trainer_run', 'number', [50]);
  const sec = (Date.now() - t0) / 1000;
  assert.equal(await api(page, 'ss_trainer_step'), STEPS);
  const first = await api(page, 'ss_trainer_loss_at', 'number', [0]);
  const last = await api(page, 'ss_trainer_loss');
  assert.ok(first > 1.0, `first loss ${first}`);
  assert.ok(last < LOSS_BELOW, `loss after ${STEPS} steps: ${last} (must be < ${LOSS_BELOW})`);
  await api(page, 'ss_trainer_evaluate', 'null');
  for (const [name, want] of Object.entries(native)) {
    const got = await api(page, 'ss_trainer_metric', 'number', [name]);
    const tol = TOL + (printed[name] || 0);
    assert.ok(Math.abs(got - want) <= tol, `${name}: browser ${got}, native ${want} (tolerance ${tol})`);
  }
  const sps = await api(page, 'ss_trainer_steps_per_second');
  console.log(`# trainer in the browser: ${STEPS} steps in ${sec.toFixed(2)} s (wall, with ccall overhead); ` +
              `${sps.toFixed(0)} steps/s in the last slice`);
  await page.close();
});
