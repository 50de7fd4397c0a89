#!/usr/bin/env bash
# One device call: tokenizer, a concurrent sweep of demo-LM configs (spread over
# the GPUs there), export of the best checkpoint, packing the results into $OUT.
# Run from the repo root on the device, with training/corpus/data carried:
#   bash training/device_run.sh            (TOTAL=seconds the whole call may take)
set -uo pipefail
export PYTHONUNBUFFERED=1
T0=$(date +%s)
TOTAL=${TOTAL:-530}
OUT=${OUT:-/tmp/out}
W=${W:-/tmp/ssw}
mkdir -p "$W/tok" "$W/runs" "$OUT"
cd "$(dirname "$0")"
nvidia-smi -L
NG=$(nvidia-smi -L | wc -l)

python3 train_tokenizer.py --data corpus/data --out "$W/tok" --vocab 4096 2>&1 | tee "$W/tok.log" || exit 1
echo "tokenizer done after $(( $(date +%s) - T0 ))s"

# name gpu args...: the sweep (run E of docs/science.md's table, "What to expect in a small
# model trained here", and its neighbours; 8x256 as the cheaper demo)
RUNS=(
  "a384_lr2e-3_wd0.5 --d 384 --heads 6 --ffn 832 --lr 2e-3 --wd 0.5 --steps 5000"
  "b384_lr3e-3_wd1.0 --d 384 --heads 6 --ffn 832 --lr 3e-3 --wd 1.0 --steps 5000"
  "c384_lr2e-3_wd1.0 --d 384 --heads 6 --ffn 832 --lr 2e-3 --wd 1.0 --steps 5000"
  "d384_lr3e-3_wd0.5 --d 384 --heads 6 --ffn 832 --lr 3e-3 --wd 0.5 --steps 5000"
  "e256_lr3e-3_wd1.0 --d 256 --heads 8 --ffn 512 --lr 3e-3 --wd 1.0 --steps 6000 --eval-from 2400 --eval-every 600"
  "f256_lr2e-3_wd1.0 --d 256 --heads 8 --ffn 512 --lr 2e-3 --wd 1.0 --steps 6000 --eval-from 2400 --eval-every 600"
)
RUNS=("${RUNS[@]:0:${NRUNS:-${#RUNS[@]}}}")
BUDGET=$(( TOTAL - ($(date +%s) - T0) - ${EXPORT_S:-80} ))
echo "training budget ${BUDGET}s on $NG GPU(s)"
i=0
for r in "${RUNS[@]}"; do
  set -- $r; name=$1; shift
  CUDA_VISIBLE_DEVICES=$(( i % NG )) python3 train_lm.py --tok "$W/tok" --out "$W/runs/$name" --time-budget "$BUDGET" \
    --compile 0 --seed 0 "$@" > "$W/runs/$name.stdout" 2>&1 &
  i=$((i + 1))
done
wait
echo "training done after $(( $(date +%s) - T0 ))s"
for r in "$W"/runs/*/train.log; do echo "== $r"; grep -E "time budget|eval|done" "$r" | cut -c1-200; done
tail -n 5 "$W"/runs/*.stdout

python3 export_lm.py --runs "$W/runs" --tok "$W/tok" --out "$W/demo-lm" 2>&1 | tee "$W/export.log"
echo "export done after $(( $(date +%s) - T0 ))s"

# Back: the model folder (split: one file may be at most 16 MiB) and the logs.
mkdir -p "$W/logs"
cp "$W"/tok/tokenizer_stats.json "$W"/tok.log "$W"/export.log "$W/logs/" 2>/dev/null
for d in "$W"/runs/*/; do n=$(basename "$d"); mkdir -p "$W/logs/$n"; cp "$d"/run.json "$d"/evals.jsonl "$d"/train.log "$W/logs/$n/" 2>/dev/null; done
tar -C "$W" -czf "$OUT/logs.tar.gz" logs
tar -C "$W" -cf - demo-lm | split -b 15m - "$OUT/demo-lm.tar.part-"
ls -l "$OUT"
