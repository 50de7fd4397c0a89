#!/usr/bin/env bash
# Native explorer screenshots under Xvfb: one per panel (the same set the
# browser suite keeps), opened through SINKSCOPE_PARAMS (the native form of the
# URL parameters). Fails when the app did not become ready or a shot is blank.
#   tests/native/explorer_screenshots.sh [BUILD_DIR] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build/native}
MODEL=${2:-demo-lm}
APP=$BUILD/sinkscope-app
OUT=test-results/native-explorer
mkdir -p "$OUT"
[ -x "$APP" ] || { echo "explorer_screenshots: $APP not built"; exit 1; }
PROMPT='The sky is blue. Grass is green. Snow is white. Coal is black.'
passed=0; failed=0
for panel in attention residual tag release interventions averaging guide settings; do
  shot=$OUT/$panel.png
  log=$OUT/$panel.log
  rm -f "$shot"
  # The window is 1400x860; the shot is taken at 5 s, the app quits at 7 s.
  SINKSCOPE_PARAMS="panel=$panel&layer=2&head=1" xvfb-run -a -s "-screen 0 1400x860x24" bash -c "
    '$APP' --model '$MODEL' --prompt '$PROMPT' --quit-after 7 > '$log' 2>&1 &
    pid=\$!
    sleep 5
    xwd -root -silent | convert xwd:- '$shot'
    wait \$pid
  "
  ok=1
  grep -q "ready=1" "$log" || { echo "  $panel: app not ready: $(cat "$log")"; ok=0; }
  grep -q "error:" "$log" && { echo "  $panel: app error: $(cat "$log")"; ok=0; }
  if [ -s "$shot" ]; then
    colors=$(convert "$shot" -format "%k" info:)
    [ "$colors" -gt 100 ] || { echo "  $panel: screenshot looks blank ($colors colours)"; ok=0; }
  else
    echo "  $panel: no screenshot"; ok=0
  fi
  if [ $ok -eq 1 ]; then passed=$((passed + 1)); echo "  $panel: ok ($shot, $colors colours)"; else failed=$((failed + 1)); fi
done
echo "explorer_screenshots: $passed passed, $failed failed"
[ $failed -eq 0 ]
