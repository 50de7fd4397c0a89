#!/usr/bin/env bash
# Benchmarks (BENCHMARKS.md), one command: builds what they need, runs them, and
# regenerates bench/results.json and BENCHMARKS.md (with machine details).
# Never part of the tests' pass/fail.
#   bash scripts/bench.sh              everything (~10-20 min on 2 busy cores)
#   BENCH_SKIP_BUILD=1 bash scripts/bench.sh    reuse the build folders as they are
# Build folders: BENCH_NATIVE (default build/bench-native), BENCH_WASM
# (default build/bench-wasm; its dist/ is what the browser run serves).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
NATIVE=${BENCH_NATIVE:-build/bench-native}
WASM=${BENCH_WASM:-build/bench-wasm}
WASM_MT=${BENCH_WASM_MT:-build/bench-wasm-mt}  # the threaded modules, copied into $WASM's dist and bench page
RAW=bench/raw
mkdir -p "$RAW"
rm -f "$RAW"/*.jsonl "$RAW"/*.json

machine() {  # one JSON object: what ran where, and how busy the machine was
  node -e '
    const os = require("os"), cp = require("child_process");
    const sh = (c) => { try { return cp.execSync(c, {encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]}).trim(); } catch { return null; } };
    console.log(JSON.stringify({bench: "machine", when: new Date().toISOString(), stage: process.argv[1],
      cpu: os.cpus()[0].model, cores: os.cpus().length, mem_gb: +(os.totalmem() / 2 ** 30).toFixed(1),
      loadavg: os.loadavg().map((x) => +x.toFixed(2)), kernel: os.release(), node: process.version,
      chromium: sh("chromium --version 2>/dev/null | head -1"), emcc: sh("emcc --version | head -1"),
      gxx: sh("g++ --version | head -1"), cpu_flags: (sh("grep -m1 flags /proc/cpuinfo") || "").split(" ").filter((f) => /^(sse4_2|avx|avx2|fma|avx512f)$/.test(f))}));' "$1"
}

machine start > "$RAW/machine.jsonl"
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "bench: building native ($NATIVE) and wasm ($WASM)"
  [[ -f "$NATIVE/build.ninja" ]] || cmake --preset native -B "$NATIVE" > /dev/null
  cmake --build "$NATIVE" -j2 --target bench_gemm bench_forward onnx_exports
  [[ -f "$WASM/build.ninja" ]] || cmake --preset wasm -B "$WASM" > /dev/null
  # The app's dist (page ready, edit to frame) unless BENCH_APP_DIST points at a built one.
  cmake --build "$WASM" -j2 --target bench_gemm bench_forward bench_page_dist onnx_exports ort_web \
    $([[ -z "${BENCH_APP_DIST:-}" ]] && echo dist)
  [[ -f "$WASM_MT/build.ninja" ]] || cmake --preset wasm-mt -B "$WASM_MT" -DSINKSCOPE_DIST_DIR="$PWD/$WASM/dist" \
    -DSINKSCOPE_BENCH_PAGE_DIR="$PWD/$WASM/bench_page" > /dev/null
  cmake --build "$WASM_MT" -j2 --target bench_page_dist
fi

echo "bench: native kernels and forward (thread CPU time)"
"$NATIVE/bench/bench_gemm" > "$RAW/native_gemm.jsonl"
"$NATIVE/bench/bench_forward" > "$RAW/native_forward.jsonl"
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then  # the AVX2 kernel forced on the same CPU, for comparison
  echo "bench: native kernels and forward again with the AVX2 kernel (SINKSCOPE_CPU_PATH=avx2)"
  SINKSCOPE_CPU_PATH=avx2 "$NATIVE/bench/bench_gemm" > "$RAW/native_gemm_avx2.jsonl"
  SINKSCOPE_CPU_PATH=avx2 "$NATIVE/bench/bench_forward" > "$RAW/native_forward_avx2.jsonl"
fi
echo "bench: onnxruntime-node (process CPU time)"
node bench/ort_node.mjs "$NATIVE" > "$RAW/ort_node.jsonl"
# Under node, --no-liftoff compiles every function with TurboFan up front:
# the code the page runs after its warm-up (node 20 does not tier a function
# up while it is still running, so one long call would stay in the baseline tier).
echo "bench: wasm kernels and forward under node"
(cd "$WASM/bench" && node --no-experimental-fetch --no-liftoff bench_gemm.js) > "$RAW/wasm_gemm.jsonl"
(cd "$WASM/bench" && node --no-experimental-fetch --no-liftoff bench_forward.js) > "$RAW/wasm_forward.jsonl"
echo "bench: browser (headless chromium, one page load)"
# bench.html from $WASM/bench_page; the ONNX exports and ORT Web from
# $WASM/dist; the app (index.html) from BENCH_APP_DIST or $WASM/dist.
node bench/browser/run.mjs --bench "$WASM/bench_page" --dist "${BENCH_APP_DIST:-$WASM/dist}" \
  --ort-dist "$WASM/dist" --out "$RAW/browser.json"
echo "bench: the threaded module against the plain one (cross-origin isolated page)"
node bench/browser/run.mjs --bench "$WASM/bench_page" --dist "${BENCH_APP_DIST:-$WASM/dist}" \
  --ort-dist "$WASM/dist" --out "$RAW/browser_threads.json" --isolated --threads-only
echo "bench: our WebGPU forward vs our CPU forward, T = 64, 128, 256 (software adapter here)"
node bench/browser/webgpu_sizes.mjs --dist "${BENCH_APP_DIST:-$WASM/dist}" --out "$RAW/webgpu_sizes.json"
machine end >> "$RAW/machine.jsonl"

node bench/report.mjs "$RAW" bench/results.json BENCHMARKS.md
echo "bench: wrote bench/results.json and BENCHMARKS.md"
