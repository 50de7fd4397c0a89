#!/usr/bin/env bash
# Benchmarks (BENCHMARKS.md), one command: builds what they need once, runs the
# measurement stages BENCH_RUNS times (default 3: the report gives each number's
# median and its spread over the runs, and calls a row steady within 5%), and
# regenerates bench/results.json (every run's raw data), bench/scale.svg and
# BENCHMARKS.md (with machine details and each run's load average).
# Never part of the tests' pass/fail.
#   bash scripts/bench.sh              everything (~10-20 min a run on 2 busy cores)
#   BENCH_SKIP_BUILD=1 bash scripts/bench.sh    reuse the build folders as they are
#   BENCH_RUNS=1 bash scripts/bench.sh          one run (no spread, no "steady")
#   BENCH_QUICK=1 bash scripts/bench.sh         the WebGPU sizes stage (SwiftShader, minutes
#                                               of software rendering) only in run 1; its table is run 1's anyway
# Raw files: bench/raw/run1, run2, ... one folder per run, each with its own
# machine.jsonl (start and end of that run). Build folders: BENCH_NATIVE
# (default build/bench-native), BENCH_WASM (default build/bench-wasm; its
# dist/ is what the browser run serves).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
NATIVE=${BENCH_NATIVE:-build/bench-native}
WASM=${BENCH_WASM:-build/bench-wasm}
WASM_MT=${BENCH_WASM_MT:-build/bench-wasm-mt}  # the threaded modules, copied into $WASM's dist and bench page
RAW=bench/raw
RUNS=${BENCH_RUNS:-3}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive integer" >&2; exit 2; }
# The last bench's raw files go: flat ones from before runs had folders, and every runN.
rm -rf "$RAW"/run[0-9]* && rm -f "$RAW"/*.jsonl "$RAW"/*.json
mkdir -p "$RAW"

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

if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "bench: building native ($NATIVE) and wasm ($WASM)"
  [[ -f "$NATIVE/build.ninja" ]] || cmake --preset native -B "$NATIVE" > /dev/null
  cmake --build "$NATIVE" -j2 --target bench_gemm bench_forward bench_scale onnx_exports
  [[ -f "$WASM/build.ninja" ]] || cmake --preset wasm -B "$WASM" > /dev/null
  # The app's dist (page ready, edit to frame) unless BENCH_APP_DIST points at a built one.
  cmake --build "$WASM" -j2 --target bench_gemm bench_forward bench_scale bench_page_dist onnx_exports ort_web \
    $([[ -z "${BENCH_APP_DIST:-}" ]] && echo dist)
  [[ -f "$WASM_MT/build.ninja" ]] || cmake --preset wasm-mt -B "$WASM_MT" -DSINKSCOPE_DIST_DIR="$PWD/$WASM/dist" \
    -DSINKSCOPE_BENCH_PAGE_DIR="$PWD/$WASM/bench_page" > /dev/null
  cmake --build "$WASM_MT" -j2 --target bench_page_dist
fi

# One measurement run, every stage in its usual order, into $1 (run number $2).
run_stages() {
  local OUTDIR=$1 N=$2
  mkdir -p "$OUTDIR"
  machine start > "$OUTDIR/machine.jsonl"
  echo "bench: native kernels and forward (thread CPU time)"
  "$NATIVE/bench/bench_gemm" > "$OUTDIR/native_gemm.jsonl"
  "$NATIVE/bench/bench_forward" > "$OUTDIR/native_forward.jsonl"
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then  # the AVX2 kernel forced on the same CPU, for comparison
    echo "bench: native kernels and forward again with the AVX2 kernel (SINKSCOPE_CPU_PATH=avx2)"
    SINKSCOPE_CPU_PATH=avx2 "$NATIVE/bench/bench_gemm" > "$OUTDIR/native_gemm_avx2.jsonl"
    SINKSCOPE_CPU_PATH=avx2 "$NATIVE/bench/bench_forward" > "$OUTDIR/native_forward_avx2.jsonl"
  fi
  echo "bench: onnxruntime-node (process CPU time)"
  node bench/ort_node.mjs "$NATIVE" > "$OUTDIR/ort_node.jsonl"
  # Under node, --no-liftoff compiles every function with TurboFan up front:
  # the code the page runs after its warm-up (node 20 does not tier a function
  # up while it is still running, so one long call would stay in the baseline tier).
  echo "bench: wasm kernels and forward under node"
  (cd "$WASM/bench" && node --no-experimental-fetch --no-liftoff bench_gemm.js) > "$OUTDIR/wasm_gemm.jsonl"
  (cd "$WASM/bench" && node --no-experimental-fetch --no-liftoff bench_forward.js) > "$OUTDIR/wasm_forward.jsonl"
  echo "bench: browser (headless chromium, one page load)"
  # bench.html from $WASM/bench_page; the ONNX exports and ORT Web from
  # $WASM/dist; the app (index.html) from BENCH_APP_DIST or $WASM/dist.
  node bench/browser/run.mjs --bench "$WASM/bench_page" --dist "${BENCH_APP_DIST:-$WASM/dist}" \
    --ort-dist "$WASM/dist" --out "$OUTDIR/browser.json"
  echo "bench: the threaded module against the plain one (cross-origin isolated page)"
  node bench/browser/run.mjs --bench "$WASM/bench_page" --dist "${BENCH_APP_DIST:-$WASM/dist}" \
    --ort-dist "$WASM/dist" --out "$OUTDIR/browser_threads.json" --isolated --threads-only
  if [[ -n "${BENCH_QUICK:-}" && "$N" -gt 1 ]]; then
    echo "bench: BENCH_QUICK: no WebGPU sizes stage after run 1"
  else
    echo "bench: our WebGPU forward vs our CPU forward, T = 64, 128, 256 (software adapter here)"
    node bench/browser/webgpu_sizes.mjs --dist "${BENCH_APP_DIST:-$WASM/dist}" --out "$OUTDIR/webgpu_sizes.json"
  fi
  if [[ "$N" -eq 1 ]]; then  # minutes each and steady by construction (one long pass per T): run 1 only
    echo "bench: scale, T = 64 ... 2048 on a 12 x 768 model, native and wasm under node (run 1 only)"
    # A failed scale stage leaves its rows out (the report says "not measured"), not the whole bench.
    "$NATIVE/bench/bench_scale" "$SCALE_MODEL" >> "$OUTDIR/native_forward.jsonl" || echo "bench: native scale failed"
    (cd "$WASM/bench" && node --no-experimental-fetch --no-liftoff bench_scale.js "$SCALE_ABS") \
      >> "$OUTDIR/wasm_forward.jsonl" || echo "bench: wasm scale failed"
    echo "bench: scale in the page: a 2048-token prompt of that model (tests/browser/scale.test.mjs)"
    rm -f test-results/scale_page.json  # written even when the memory bound fails: the report says met or missed
    node --test tests/browser/scale.test.mjs > "$OUTDIR/scale_page.log" 2>&1 || echo "bench: the scale page failed (see scale_page.log)"
    [[ -f test-results/scale_page.json ]] && cp test-results/scale_page.json "$OUTDIR/scale_page.json"
  fi
  machine end >> "$OUTDIR/machine.jsonl"
}

# The scale rows' model: 12 x 768, random bf16 weights with a planted BOS
# sink, the same the browser test makes (its stamp keeps it from being remade).
SCALE_MODEL=build/scale-model
SCALE_ABS=$PWD/$SCALE_MODEL  # node runs from $WASM/bench
[[ -f "$SCALE_MODEL/config.json" ]] || /usr/bin/python3 training/make_random_llama_bf16.py --out "$SCALE_MODEL" \
  --layers 12 --d 768 --heads 12 --kv-heads 12 --mlp 2048 --vocab 4096 --shards 1 --max-pos 4096 --plant-sink

for ((i = 1; i <= RUNS; i++)); do
  echo "bench: run $i of $RUNS"
  run_stages "$RAW/run$i" "$i"
done

node bench/report.mjs "$RAW" bench/results.json BENCHMARKS.md
echo "bench: wrote bench/results.json, bench/scale.svg and BENCHMARKS.md ($RUNS runs)"
