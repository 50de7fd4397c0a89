#!/usr/bin/env bash
# Device call for the averaging models: 16 seeds at once (one process each).
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; W=/tmp/avg; mkdir -p "$W" "$OUT"
for s in $(seq 0 15); do
  python3 training/averaging.py --device cuda --seeds 1 --first-seed "$s" --steps ${STEPS:-4000} --out "$W/s$s" > "$W/s$s.log" 2>&1 &
done
wait
cat "$W"/s*.log
cat "$W"/s*/results.jsonl > "$W/results.jsonl"
mkdir -p "$W/pack"; cp "$W/results.jsonl" "$W/pack/"; for s in $(seq 0 15); do cp -r "$W/s$s/export/averaging-$s" "$W/pack/" 2>/dev/null; done
tar -C "$W" -czf "$OUT/averaging.tar.gz" pack
ls -l "$OUT"
