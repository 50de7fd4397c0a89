#!/usr/bin/env bash
# README command 2 (and CI's only step, .ci/run): set up, build native + wasm +
# fuzz, then run every test runner and print each one's summary:
#   ctest native (Catch2 unit tests), ctest native-asan (the same under ASan +
#   UBSan), ctest wasm (the same tests under node),
#   each fuzz target for ~15 s (ctest fuzz), the browser suite (node --test,
#   playwright-core + chromium), the parity table on ONNX Runtime (node --test tests/node/,
#   onnxruntime-node), and the native smoke test under Xvfb.
# Exits non-zero if any step fails; prints the total wall time at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
export NODE_PATH=/usr/share/nodejs
mkdir -p test-results
LOGDIR=test-results/logs
mkdir -p "$LOGDIR"

bash scripts/setup.sh || { echo "test: setup failed"; exit 1; }

declare -a SUMMARY
FAILED=0
# step NAME LOGFILE COMMAND...: runs a step, keeps its full log, prints its
# tail on failure and one summary line either way.
step() {
  local name=$1 log=$2; shift 2
  local t=$(date +%s)
  echo "=== $name"
  "$@" > "$log" 2>&1
  local rc=$?
  local dt=$(( $(date +%s) - t ))
  if [ $rc -eq 0 ]; then
    SUMMARY+=("PASS  $name (${dt}s)")
  else
    tail -n 60 "$log"
    SUMMARY+=("FAIL  $name (${dt}s, exit $rc, log $log)")
    FAILED=1
  fi
  return $rc
}
# The runner's own summary lines, printed after each test step.
show() { grep -E "$2" "$1" | tail -n "${3:-5}" || true; }

step "build native" $LOGDIR/build-native.log bash -c "cmake --preset native && cmake --build --preset native"
step "build wasm"   $LOGDIR/build-wasm.log   bash -c "cmake --preset wasm && cmake --build --preset wasm"
# The threaded app module into build/wasm/dist (the browser suite loads it when isolated).
step "build wasm-mt" $LOGDIR/build-wasm-mt.log bash -c "cmake --preset wasm-mt && cmake --build --preset wasm-mt"
step "build fuzz"   $LOGDIR/build-fuzz.log   bash -c "cmake --preset fuzz && cmake --build --preset fuzz"
# The whole unit suite again under ASan + UBSan (library + unit_tests only).
step "build native-asan" $LOGDIR/build-native-asan.log bash -c "cmake --preset native-asan && cmake --build --preset native-asan"

step "ctest native" $LOGDIR/ctest-native.log ctest --preset native
show $LOGDIR/ctest-native.log "tests passed|tests failed|Total Test time|No tests were found"
step "ctest native-asan (ASan + UBSan)" $LOGDIR/ctest-native-asan.log ctest --preset native-asan
show $LOGDIR/ctest-native-asan.log "tests passed|tests failed|Total Test time|No tests were found"
step "ctest wasm" $LOGDIR/ctest-wasm.log ctest --preset wasm
show $LOGDIR/ctest-wasm.log "tests passed|tests failed|Total Test time|No tests were found"
step "fuzz (ctest, 15 s per target)" $LOGDIR/fuzz.log ctest --preset fuzz
show $LOGDIR/fuzz.log "Test +#|tests passed|tests failed|No tests were found" 20
step "browser suite" $LOGDIR/browser.log node --test --test-reporter=spec tests/browser/
show $LOGDIR/browser.log "^ℹ (tests|pass|fail|duration_ms)" 6
# The parity table on ONNX Runtime natively: the ONNX exports (build/native/onnx:
# target onnx_exports, not in the default native build) under onnxruntime-node,
# driven by the wasm build's headless module (tests/node/parity.test.mjs).
step "parity table: onnxruntime-node" $LOGDIR/ort-native.log bash -c \
  "cmake --build --preset native --target onnx_exports && node --test --test-reporter=spec tests/node/"
show $LOGDIR/ort-native.log "^ℹ (tests|pass|fail|duration_ms)" 6
step "native smoke (Xvfb)" $LOGDIR/native-smoke.log bash tests/native/smoke.sh
show $LOGDIR/native-smoke.log "^smoke:" 6

echo
echo "=== summary"
printf '%s\n' "${SUMMARY[@]}"
T=$(( $(date +%s) - T0 ))
printf 'total wall time: %dm%02ds\n' $((T / 60)) $((T % 60))
[ $FAILED -eq 0 ] && echo "test: ALL PASSED" || echo "test: FAILED"
exit $FAILED
