// Native ONNX Runtime (npm onnxruntime-node, CPU EP, one intra-op and one
// inter-op thread) on the exports of models/demo-lm made by the native build
// (training/export_onnx.py via cmake/onnx.cmake -> <build>/onnx/demo-lm/):
// model.logits.onnx (logits only) and model.onnx (instrumented: every
// panel's taps as graph outputs). The two graphs run interleaved per round
// after warm-up; medians of the process's CPU time (user + system, all
// threads: with one intra-op thread that is the run's own work; the build
// machine is shared, so wall time would mostly measure the neighbours), as
// bench_forward reports thread CPU time. Prints one JSON object per line.
//   node bench/ort_node.mjs [BUILD_DIR] [REPS]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = path.resolve(root, process.argv[2] || 'build/native');
const reps = Number(process.argv[3] || 7);
const dir = path.join(build, 'onnx', 'demo-lm');
const median = (a) => { const s = [...a].sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
const graphs = {};
for (const [name, file] of [['logits', 'model.logits.onnx'], ['taps', 'model.onnx']]) {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) {
    console.error(`ort_node: missing ${p} (build the native target onnx_exports)`);
    process.exit(1);
  }
  graphs[name] = await ort.InferenceSession.create(p, opts);
}
// Seeded ids as bench_forward's (a different generator: the cost does not depend on the ids).
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
for (const T of [16, 64, 128, 256]) {
  const ids = Int32Array.from({ length: T }, (_, i) => (i === 0 ? 0 : rand() % 4096));
  const feeds = { input_ids: new ort.Tensor('int32', ids, [T]) };
  const times = { logits: [], taps: [] };
  for (let r = 0; r < reps + 2; ++r) {
    for (const g of ['logits', 'taps']) {
      const c0 = process.cpuUsage();
      await graphs[g].run(feeds);
      const c = process.cpuUsage(c0), ms = (c.user + c.system) / 1000;
      if (r >= 2) times[g].push(ms);
    }
  }
  console.log(JSON.stringify({ bench: 'ort_node', path: 'native', T, logits_ms: +median(times.logits).toFixed(3),
                               taps_ms: +median(times.taps).toFixed(3), reps, ort: ort.env.versions?.common || null }));
}
