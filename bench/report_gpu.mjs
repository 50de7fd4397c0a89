// The "WebGPU on a real GPU" part of BENCHMARKS.md (bench/report.mjs): the
// newest committed run of bench/gpu/run.mjs on the GPU machine
// (bench/gpu/results/*.json, by its "when"), with issue #20's goals as met or
// missed. That run is made by hand on a machine with a GPU (scripts/gpu_bench.sh),
// not by scripts/bench.sh: the section says which adapter and when.
import fs from 'node:fs';
import path from 'node:path';

const f1 = (x) => (x == null || Number.isNaN(x) ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x == null || Number.isNaN(x) ? 'n/a' : x.toFixed(2));
const ms = (r) => (r && r.median_ms != null ? f1(r.median_ms) : 'n/a');
const status = (ok) => (ok == null ? 'not measured' : ok ? 'met' : 'missed');

function newest(dir) {
  if (!fs.existsSync(dir)) return null;
  let best = null;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json') && !x.endsWith('-peers.json'))) {
    const d = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (d.adapter && d.forward && (!best || d.when > best.d.when)) best = { f, d };
  }
  return best;
}

// bench/gpu/peer_gpu.py's output beside a run (same date prefix): the GPU peers' rows.
function peersOf(dir, runFile) {
  const f = runFile.replace(/-run\d+\.json$/, '-peers.json');
  return f !== runFile && fs.existsSync(path.join(dir, f)) ? { f, rows: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).rows } : null;
}

const phases = (p) => (p ? ['record', 'submit', 'gpu', 'wait', 'merge'].map((k) => f1(p[k])).join(' / ') : 'n/a');

export function gpuSection(resultsDir, relDir) {
  const hit = newest(resultsDir);
  if (!hit) return [];
  const { f, d } = hit;
  const A = d.adapter, rowsOf = (model) => d.forward.find((x) => x.rows && x.rows[0]?.model === model);
  const demo = rowsOf('demo-lm'), q05 = rowsOf('q05'), g124 = rowsOf('gpt2-124m');
  const at = (m, T) => m?.rows.find((r) => r.T === T);
  const peak = d.kernels?.peak?.gflops;
  const md = ['## WebGPU on a real GPU (issue #20)', '',
    `From \`${relDir}/${f}\` (${d.when.slice(0, 10)}; raw log beside it): \`bench/gpu/run.mjs\` under node with Dawn's ` +
    `binding over Vulkan, adapter \`${A.device || A.description}\` (${A.vendor}, fallback ${A.fallback}), measured f32 FMA ` +
    `peak ${f1(peak / 1000)} TFLOP/s. "cpu" is the same headless module's CPU path under node, one thread. Made by hand ` +
    '(`bash scripts/gpu_bench.sh`, or its `--pack` for a machine without node), not by `scripts/bench.sh`. One run.', ''];
  const p = d.parity || {};
  md.push('Parity on this adapter (every tap, hook and incremental row against the CPU backend; demo-lm, the averaging ' +
          'models and the tiny families): ' + ['auto', 'tiled', 'blocked', 'barrier_free']
    .map((k) => `${k} ${p[k]?.passed ? 'PASS' : 'FAIL'} (${Object.entries(p[k]?.counts || {}).map(([s, n]) => `${n} ${s}`).join(', ')})`)
    .join('; ') + `; a planted error fails its row: ${p.planted_q_fails}.`, '');

  // Goals: the issue's, in its order.
  const d256 = at(demo, 256), cpu256 = d256?.cpu_all?.median_ms ?? null;
  const g512 = at(g124, 512), q256 = at(q05, 256);
  const best = (what) => Math.max(...(d.kernels?.matmul || []).filter((r) => r.what === what && r.share_of_peak).map((r) => r.share_of_peak));
  const share124 = ['124M qkv', '124M mlp up', '124M mlp down', '124M lm_head'].map(best);
  md.push('| goal | measured | status |', '|---|---|---|');
  md.push(`| demo-lm, every tap, T = 256: >= 10x our wasm CPU forward | ${ms(d256?.webgpu_all)} ms` +
          (cpu256 ? `, ${f1(cpu256 / d256.webgpu_all.median_ms)}x` : ' (the CPU not timed at T = 256 in this run; ' +
           `at T = 128: ${f1(at(demo, 128)?.speedup_all)}x, compact taps ${f1(at(demo, 128)?.speedup_compact)}x)`) +
          ` | ${status(cpu256 ? cpu256 / d256.webgpu_all.median_ms >= 10 : (at(demo, 128)?.speedup_all ?? 0) >= 10)} |`);
  const k = demo?.keystroke;
  md.push(`| keystroke at T = 128, submit to data in wasm memory: <= 3 ms | demo-lm ${ms(k?.webgpu_compact)} ms compact, ` +
          `${ms(k?.webgpu_live)} live, ${ms(k?.webgpu)} every tap | ${status((k?.webgpu_compact?.median_ms ?? 99) <= 3)} |`);
  md.push(`| 124M, T = 512, every tap: <= 50 ms | ${ms(g512?.webgpu_all)} ms every tap, ${ms(g512?.webgpu_compact)} compact, ` +
          `${ms(g512?.webgpu_logits)} logits only | ${status((g512?.webgpu_all?.median_ms ?? 1e9) <= 50)} |`);
  md.push(`| 0.5B, T = 256, the taps the panels need: <= 150 ms | ${ms(q256?.webgpu_compact)} ms compact (logits only ` +
          `${ms(q256?.webgpu_logits)}) | ${status(q256 ? q256.webgpu_compact?.median_ms <= 150 : null)} |`);
  md.push(`| 0.5B keystroke: <= 15 ms | ${ms(q05?.keystroke?.webgpu_compact)} ms compact | ` +
          `${status(q05 ? q05.keystroke?.webgpu_compact?.median_ms <= 15 : null)} |`);
  md.push(`| matmul >= 25% of the f32 peak at 124M shapes | ${share124.map((x) => (100 * x).toFixed(0) + '%').join(' / ')} ` +
          `(qkv / mlp up / mlp down / lm_head, best kernel) | ${status(share124.every((x) => x >= 0.25))} |`);
  const peers = peersOf(resultsDir, f), ortRows = (peers?.rows || []).filter((r) => r.peer === 'ort');
  md.push('| ONNX Runtime\'s GPU path: ours >= 1.0x logits only, >= 1.5x every tap | ' +
          (ortRows.length ? `${ortRows.length} rows in \`${peers.f}\`` : 'not run: onnxruntime-web\'s WebGPU EP needs a browser ' +
           'or ORT\'s own Dawn build under node (not in the pack), and the GPU machine\'s onnxruntime is the CPU build ' +
           '(providers Azure and CPU). PyTorch on CUDA stands in below') + ` | ${ortRows.length ? 'see below' : 'not measured'} |`, '');
  const torch = (peers?.rows || []).filter((r) => r.peer === 'torch');
  if (torch.length) {
    md.push(`A GPU peer on the same card (\`bench/gpu/peer_gpu.py\`, \`${relDir}/${peers.f}\`): PyTorch + transformers on CUDA, ` +
            'float32, eager attention, every output copied to the host; "every tap" there is every attention pattern and ' +
            'hidden state (fewer taps than ours). Ratio = its time / ours: above 1, ours is faster.', '');
    md.push('| model | T | ours logits | torch logits | ratio | ours every tap | torch patterns + hidden states | ratio |',
            '|---|---|---|---|---|---|---|---|');
    for (const r of torch.filter((x) => x.graph === 'logits')) {
      const every = torch.find((x) => x.graph === 'every_tap' && x.model === r.model && x.T === r.T);
      const ours = at(rowsOf(r.model), r.T);
      const ratio = (a, b) => (a && b ? f2(a / b) + 'x' : 'n/a');
      md.push(`| ${r.model} | ${r.T} | ${ms(ours?.webgpu_logits)} | ${f1(r.median_ms)} | ${ratio(r.median_ms, ours?.webgpu_logits?.median_ms)} | ` +
              `${ms(ours?.webgpu_all)} | ${f1(every?.median_ms)} | ${ratio(every?.median_ms, ours?.webgpu_all?.median_ms)} |`);
    }
    md.push('');
  }

  md.push('Forwards (median ms; compact = the taps the app keeps for a long prompt, `engine/taps.h` `compact_tap_filter`):', '');
  md.push('| model | T | WebGPU every tap | WebGPU compact | WebGPU logits | cpu every tap | cpu compact | cpu logits |',
          '|---|---|---|---|---|---|---|---|');
  for (const m of d.forward.filter((x) => x.rows))
    for (const r of m.rows)
      md.push(`| ${r.model} | ${r.T} | ${ms(r.webgpu_all)} | ${ms(r.webgpu_compact)} | ${ms(r.webgpu_logits)} | ` +
              `${ms(r.cpu_all)} | ${ms(r.cpu_compact)} | ${ms(r.cpu_logits)} |`);
  md.push('', 'Keystrokes at T = 128 (one row appended while typing; ms) and where a WebGPU keystroke\'s time goes ' +
          '(record / submit / gpu / wait / merge: the walk that records the dispatches; the parameters\' upload and ' +
          'queue.submit; submitted to the readback mapped; mapped to the poll that takes it; into the taps):', '');
  md.push('| model | WebGPU compact | phases | WebGPU live | WebGPU every tap | cpu compact | cpu live | cpu every tap |',
          '|---|---|---|---|---|---|---|---|');
  for (const m of d.forward.filter((x) => x.keystroke)) {
    const s = m.keystroke;
    md.push(`| ${s.model} | ${ms(s.webgpu_compact)} | ${phases(s.webgpu_compact?.phases)} | ${ms(s.webgpu_live)} | ` +
            `${ms(s.webgpu)} | ${ms(s.cpu_compact)} | ${ms(s.cpu_live)} | ${ms(s.cpu)} |`);
  }
  md.push('', 'Matmul kernels (share of the measured peak):', '',
          '| shape | matmul (16x16) | matmul_blocked (64x64) | matmul_rows | matmul_vec |', '|---|---|---|---|---|');
  const shapes = [...new Set((d.kernels?.matmul || []).map((r) => r.what))];
  for (const what of shapes) {
    const cell = (kn) => {
      const r = d.kernels.matmul.find((x) => x.what === what && x.kernel === kn);
      return !r ? '' : r.error ? 'error' : `${r.ms < 0.1 ? r.ms.toFixed(3) : f2(r.ms)} ms, ${(100 * r.share_of_peak).toFixed(1)}%`;
    };
    const r0 = d.kernels.matmul.find((x) => x.what === what);
    md.push(`| ${what} [${r0.n} x ${r0.k}] x [${r0.k} x ${r0.m}] | ${cell('matmul')} | ${cell('matmul_blocked')} | ` +
            `${cell('matmul_rows')} | ${cell('matmul_vec')} |`);
  }
  md.push('');
  return md;
}
