// Minimal safetensors reader for the Node tests (F32 and I32 only: the golden
// files the tests read). name -> {shape, data: Float32Array | Int32Array}.
import fs from 'node:fs';

export function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const base = 8 + n;
  const out = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [s, e] = info.data_offsets;
    const bytes = buf.subarray(base + s, base + e);
    const copy = new Uint8Array(bytes);  // aligned copy
    let data;
    if (info.dtype === 'F32') data = new Float32Array(copy.buffer);
    else if (info.dtype === 'I32') data = new Int32Array(copy.buffer);
    else throw new Error(`${file}: ${name}: dtype ${info.dtype} not read by this helper`);
    out[name] = { shape: info.shape, data };
  }
  return out;
}
