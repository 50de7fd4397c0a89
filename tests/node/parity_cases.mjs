// The parity table's cases and driver under node, shared by the ONNX Runtime
// test (tests/node/parity.test.mjs) and the GPU runner (bench/gpu/run.mjs):
// demo-lm's golden prompts at their full length, a golden sequence of every
// shipped averaging model, and `tinyLength` tokens of every tiny Hugging Face
// family (tests/data/tiny). runTable() hands them to the headless module's
// ss_parity_* API (src/platform/webapi_parity.cpp) and steps the run between
// event-loop turns, so an asynchronous backend (WebGPU, ONNX Runtime) answers.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readSafetensors } from './safetensors.mjs';

export const tinyFamilies = ['gpt2', 'llama', 'llama_tied_f16', 'neox', 'neox_seq', 'averaging'];

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

// Averaging-model inputs [rows, cols] as the config's input_encoding says:
// random vectors in the first d_input columns, the [SEP] flag (sep_index) on
// row `sep` only, the constant column (const_index) 1, the BOS flag
// (bos_index) on row 0 where the model has one.
function averagingInputs(cfg, rows, sep, rand) {
  const cols = Math.max(cfg.d_input, cfg.sep_index ?? -1, cfg.bos_index ?? -1, cfg.const_index ?? -1) + 1;
  const v = [];
  for (let t = 0; t < rows; ++t)
    for (let c = 0; c < cols; ++c) {
      if (c < cfg.d_input) v.push(t === sep || (t === 0 && cfg.bos_index !== undefined) ? 0 : rand() * 2 - 1);
      else if (c === cfg.sep_index) v.push(t === sep ? 1 : 0);
      else if (c === cfg.bos_index) v.push(t === 0 ? 1 : 0);
      else if (c === cfg.const_index) v.push(1);
      else v.push(0);
    }
  return { vectors: v, cols };
}

// `length` rows of every tiny family: random ids, or random vectors with a
// [SEP] flag every 5 rows (averaging); the same on every run.
export function tinyCases(root, length = 23) {
  const rand = lcg(7);
  return tinyFamilies.map((fam) => {
    const dir = path.join(root, 'tests', 'data', 'tiny', fam);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    if (fam === 'averaging') {
      const cols = cfg.d_input + 1, v = [];
      for (let t = 0; t < length; ++t)
        for (let c = 0; c < cols; ++c) v.push(c === cols - 1 ? (t % 5 === 0 ? 1 : 0) : rand() * 2 - 1);
      return { name: `tiny-${fam}`, dir, vectors: v, cols };
    }
    return { name: `tiny-${fam}`, dir, ids: Array.from({ length }, () => Math.floor(rand() * cfg.vocab_size)) };
  });
}

export function parityCases(root, { tinyLength = 23 } = {}) {
  const out = [];
  const demo = path.join(root, 'models', 'demo-lm');
  for (const p of JSON.parse(fs.readFileSync(path.join(demo, 'golden', 'prompts.json'), 'utf8')).prompts)
    out.push({ name: 'demo-lm', dir: demo, ids: p.ids });
  for (const avg of fs.readdirSync(path.join(root, 'models')).filter((n) => n.startsWith('averaging-')).sort()) {
    const dir = path.join(root, 'models', avg);
    if (!fs.existsSync(path.join(dir, 'golden.safetensors'))) {  // hand-built (averaging-construction): no golden
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      out.push({ name: avg, dir, ...averagingInputs(cfg, 32, 10, lcg(11)) });
      continue;
    }
    const g = readSafetensors(path.join(dir, 'golden.safetensors'));
    const key = Object.keys(g).filter((k) => k.endsWith('.inputs')).sort()[0];
    out.push({ name: avg, dir, vectors: g[key].data, cols: g[key].shape[1] });
  }
  return [...out, ...tinyCases(root, tinyLength)];
}

// Copies bytes into the module's memory; the caller frees the pointer.
export function put(M, u8) {
  const p = M._malloc(Math.max(1, u8.byteLength)) >>> 0;  // unsigned: the headless module may pass 2 GB
  M.HEAPU8.set(new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength), p);
  return p;
}

// Runs the table of `backend` over `list`; plant = [tap, delta] adds a known
// error to one tap (the table must then fail exactly its rows).
export async function runTable(M, backend, list, plant = ['', 0]) {
  M.ccall('ss_parity_clear', null, [], []);
  for (const c of list) {
    const cfg = fs.readFileSync(path.join(c.dir, 'config.json')), st = fs.readFileSync(path.join(c.dir, 'model.safetensors'));
    const ids = Int32Array.from(c.ids || []), vec = Float32Array.from(c.vectors || []);
    const ptrs = [put(M, cfg), put(M, st), put(M, ids), put(M, vec)];
    const err = M.ccall('ss_parity_add_case', 'string',
                        ['string', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number'],
                        [c.name, ptrs[0], cfg.length, ptrs[1], st.length, ptrs[2], ids.length, c.vectors ? ptrs[3] : 0,
                         c.vectors ? vec.length / c.cols : 0, c.cols || 0]);
    ptrs.forEach((p) => M._free(p));
    if (err !== '') throw new Error(`${c.name}: ${err}`);
  }
  if (M.ccall('ss_parity_start', 'number', ['string', 'string', 'number'], [backend, plant[0], plant[1]]) !== 1)
    throw new Error(`backend ${backend} is not available`);
  while (!M.ccall('ss_parity_step', 'number', [], [])) await new Promise((r) => setImmediate(r));
  return { rows: JSON.parse(M.ccall('ss_parity_rows', 'string', [], [])), table: M.ccall('ss_parity_table', 'string', [], []),
           passed: M.ccall('ss_parity_passed', 'number', [], []) };
}

// The headless module (build/wasm/sinkscope_headless.js, cmake/headless.cmake).
// The wasm bytes are handed over: node's fetch (on unless
// --no-experimental-fetch) cannot load a file path, which the module would
// otherwise try.
export async function loadHeadless(file) {
  if (!fs.existsSync(file)) throw new Error(`missing ${file}: build the wasm preset`);
  const create = createRequire(import.meta.url)(file);
  return create({ wasmBinary: fs.readFileSync(file.replace(/\.js$/, '.wasm')) });
}
