// Native cross-runtime parity (ONNX Runtime as a second runtime): the ONNX exports of our models
// (training/export_onnx.py, made by the native build into build/native/onnx/)
// run under ONNX Runtime (npm onnxruntime-node, CPU EP) and must agree with
// our engine (`sinkscope-cli run`, CPU backend) within 1e-4 on logits and
// attention patterns, for the five golden prompts of demo-lm, an input
// sequence of every shipped averaging model, and one sequence of each tiny
// Hugging Face family (tests/data/tiny). The other exported taps (q, k, v,
// head_out, resid_pre, resid_post) are compared relative to the tensor's
// largest value, since demo-lm's massive activations reach the hundreds.
//
// Env: SINKSCOPE_NATIVE_BUILD (default build/native) holds sinkscope-cli and onnx/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from './safetensors.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = path.resolve(root, process.env.SINKSCOPE_NATIVE_BUILD || 'build/native');
const cli = path.join(build, 'sinkscope-cli');
const onnxDir = path.join(build, 'onnx');
const TOL = 1e-4;      // logits, attn_pattern: absolute
const REL_TOL = 1e-5;  // other taps: times max(1, max |x|)
const EXPORTED = ['resid_pre', 'q', 'k', 'v', 'attn_pattern', 'head_out', 'resid_post'];

function cliRun(modelDir, inputArgs, taps) {
  let out;
  try {
    out = execFileSync(cli, ['run', '--model', modelDir, ...inputArgs, '--taps', taps.join(',')],
                       { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`sinkscope-cli run --model ${modelDir} failed: ${String(e.stderr || e.message).slice(0, 500)}`);
  }
  return JSON.parse(out);
}

// Nested JSON arrays -> one flat array (faster than .flat(Infinity) on large taps).
function flatten(nested, out = []) {
  if (!Array.isArray(nested)) out.push(nested);
  else if (!Array.isArray(nested[0])) for (const v of nested) out.push(v);
  else for (const a of nested) flatten(a, out);
  return out;
}

const sessions = new Map();
async function session(name, file = 'model.onnx') {
  const p = path.join(onnxDir, name, file);
  assert.ok(fs.existsSync(p), `missing ${p}: build the native preset (target onnx_exports)`);
  if (!sessions.has(p)) sessions.set(p, await ort.InferenceSession.create(p));
  return sessions.get(p);
}

function shapeOf(nested) {
  const s = [];
  for (let a = nested; Array.isArray(a); a = a[0]) s.push(a.length);
  return s;
}

// Compares one ORT output with the CLI's nested array; returns max |diff| and max |x|.
function compare(name, ortTensor, nested) {
  assert.deepEqual(ortTensor.dims.map(Number), shapeOf(nested), `${name}: shape`);
  const flat = flatten(nested);
  const a = ortTensor.data;
  assert.equal(a.length, flat.length, `${name}: size`);
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; ++i) {
    assert.ok(flat[i] !== null && Number.isFinite(a[i]), `${name}[${i}]: not finite`);
    diff = Math.max(diff, Math.abs(a[i] - flat[i]));
    scale = Math.max(scale, Math.abs(flat[i]));
  }
  return { diff, scale };
}

// Runs both sides and checks every tap; `allTaps` adds the non-acceptance taps.
async function checkParity(t, name, modelDir, feeds, cliArgs, layers, allTaps) {
  const kinds = allTaps ? EXPORTED : ['attn_pattern'];
  const ref = cliRun(modelDir, cliArgs, ['logits', ...kinds]);
  const s = await session(name);
  const got = await s.run(feeds);
  let worst = { logits: 0, attn_pattern: 0, other: 0 };
  const r = compare('logits', got.logits, ref.taps.logits);
  worst.logits = r.diff;
  assert.ok(r.diff <= TOL, `${name}: logits differ by ${r.diff}`);
  for (let l = 0; l < layers; ++l) {
    for (const k of kinds) {
      const tap = `blocks.${l}.${k}`;
      assert.ok(got[tap], `${name}: ORT output ${tap} missing`);
      assert.ok(ref.taps[tap], `${name}: CLI tap ${tap} missing`);
      const c = compare(tap, got[tap], ref.taps[tap]);
      if (k === 'attn_pattern') {
        worst.attn_pattern = Math.max(worst.attn_pattern, c.diff);
        assert.ok(c.diff <= TOL, `${name}: ${tap} differs by ${c.diff}`);
      } else {
        const rel = c.diff / Math.max(1, c.scale);
        worst.other = Math.max(worst.other, rel);
        assert.ok(rel <= REL_TOL, `${name}: ${tap} differs by ${c.diff} (max |x| ${c.scale})`);
      }
    }
  }
  // The logits-only graph gives the same logits.
  const lo = await (await session(name, 'model.logits.onnx')).run(feeds);
  const r2 = compare('logits (logits-only graph)', lo.logits, ref.taps.logits);
  assert.ok(r2.diff <= TOL, `${name}: logits-only graph differs by ${r2.diff}`);
  t.diagnostic(`${name}: max |diff| logits ${worst.logits.toExponential(2)}, attn_pattern ` +
               `${worst.attn_pattern.toExponential(2)}` + (allTaps ? `, other taps (relative) ${worst.other.toExponential(2)}` : ''));
}

const idsFeed = (ids) => ({ input_ids: new ort.Tensor('int32', Int32Array.from(ids), [ids.length]) });

test('demo-lm: onnxruntime-node agrees with sinkscope-cli on the five golden prompts', async (t) => {
  const dir = path.join(root, 'models', 'demo-lm');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const { prompts } = JSON.parse(fs.readFileSync(path.join(dir, 'golden', 'prompts.json'), 'utf8'));
  assert.equal(prompts.length, 5);
  const shortest = prompts.reduce((a, b) => (b.ids.length < a.ids.length ? b : a));
  for (const p of prompts) {
    await checkParity(t, 'demo-lm', dir, idsFeed(p.ids), ['--ids', p.ids.join(',')], cfg.num_hidden_layers, p === shortest);
  }
});

test('averaging models: onnxruntime-node agrees with sinkscope-cli on a golden input sequence', async (t) => {
  // SINKSCOPE_ORT_AVERAGING=a,b narrows the list (e.g. while a new model's loader is in progress).
  const names = process.env.SINKSCOPE_ORT_AVERAGING ? process.env.SINKSCOPE_ORT_AVERAGING.split(',')
    : fs.readdirSync(path.join(root, 'models')).filter((n) => n.startsWith('averaging-')).sort();
  assert.ok(names.length > 0, 'no models/averaging-* folder');
  for (const name of names) {
    const dir = path.join(root, 'models', name);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const g = readSafetensors(path.join(dir, 'golden.safetensors'));
    const key = Object.keys(g).filter((k) => k.endsWith('.inputs')).sort()[0];
    assert.ok(key, `${name}: golden.safetensors has no *.inputs`);
    const x = g[key];
    const feeds = { inputs: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) };
    // %.9g round-trips float32, so the CLI sees the same inputs.
    const args = ['--inputs', Array.from(x.data, (v) => v.toPrecision(9)).join(',')];
    await checkParity(t, name, dir, feeds, args, cfg.num_hidden_layers, true);
  }
});

test('tiny Hugging Face families (gpt2, llama GQA, llama f16 tied, neox bf16, neox sequential): parity on every exported tap', async (t) => {
  for (const fam of ['gpt2', 'llama', 'llama_tied_f16', 'neox', 'neox_seq']) {
    const dir = path.join(root, 'tests', 'data', 'tiny', fam);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const g = readSafetensors(path.join(dir, 'golden.safetensors'));
    const ids = Array.from(g['seq0.ids'].data);
    const layers = cfg.num_hidden_layers ?? cfg.n_layer;
    await checkParity(t, `tiny-${fam}`, dir, idsFeed(ids), ['--ids', ids.join(',')], layers, true);
  }
});
