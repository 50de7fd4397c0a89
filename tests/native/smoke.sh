#!/usr/bin/env bash
# Native smoke test: opens sinkscope-app under Xvfb (llvmpipe OpenGL) on a
# small model, screenshots the whole screen, and fails unless the app reported
# ready with tokens and the screenshot shows more than a blank window.
#   tests/native/smoke.sh [BUILD_DIR] [MODEL_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build/native}
MODEL_DIR=${2:-tests/data/models/tiny-chars}
APP=$BUILD/sinkscope-app
OUT=test-results
mkdir -p "$OUT"
[ -x "$APP" ] || { echo "smoke: $APP not built"; exit 1; }
SHOT=$OUT/native.png
rm -f "$SHOT"

# The app draws for 6 s; the screenshot is taken at 4 s from inside the same X server.
xvfb-run -a -s "-screen 0 1400x860x24" bash -c "
  '$APP' --model-dir '$MODEL_DIR' --prompt 'The cat sat on the mat. Then it slept.' --quit-after 6 > '$OUT/native.log' 2>&1 &
  pid=\$!
  sleep 4
  xwd -root -silent | convert xwd:- '$SHOT'
  wait \$pid
"
cat "$OUT/native.log"
fail=0
grep -q "ready=1" "$OUT/native.log" || { echo "smoke: FAIL app did not become ready"; fail=1; }
tokens=$(sed -n 's/.* \([0-9]*\) tokens.*/\1/p' "$OUT/native.log" | tail -1)
[ "${tokens:-0}" -gt 1 ] || { echo "smoke: FAIL no tokens (got '${tokens:-}')"; fail=1; }
grep -q "error:" "$OUT/native.log" && { echo "smoke: FAIL app reported an error"; fail=1; }
[ -s "$SHOT" ] || { echo "smoke: FAIL no screenshot"; exit 1; }
# A blank screen has one color; the tiled panels with text have hundreds.
colors=$(convert "$SHOT" -format "%k" info:)
sd=$(convert "$SHOT" -colorspace gray -format "%[fx:standard_deviation]" info:)
echo "smoke: screenshot $SHOT: $colors colors, gray std-dev $sd"
[ "$colors" -gt 50 ] || { echo "smoke: FAIL screenshot looks blank"; fail=1; }
awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }' || { echo "smoke: FAIL screenshot has no contrast"; fail=1; }
[ $fail -eq 0 ] && echo "smoke: 1 passed, 0 failed" || echo "smoke: 0 passed, 1 failed"
exit $fail
