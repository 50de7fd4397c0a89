#!/usr/bin/env bash
# Device calls for the "sink-free twins" of the demo LM and the small timeline
# model, with the demo LM's tokenizer (models/demo-lm/tokenizer.json), data and recipe
# (b384_lr3e-3_wd1.0: 8x384, lr 3e-3, wd 1.0, batch 64 x 512, 3541 steps, seed 0):
#   demo-lm-gated      --attention-gate sigmoid_headwise (G1, Qiu et al. 2025)
#   demo-lm-sinklogit  --sink-logit 1 (a learned logit per head in every softmax row)
#   demo-lm-nobos      --bos 0 (no BOS in the training windows)
#   demo-lm-timeline   6x128, 4 heads, ffn 256 (2.0M parameters), evaluated at 32 log-spaced
#                      steps, fp16 checkpoints kept at 8 of them (25 ... 3541)
# Run from the repo root on the device, with training/corpus/data carried:
#   PHASE=1 TOTAL=550 OUT=$OUT bash training/device_twins.sh
#     gated, sinklogit and timeline at once (one GPU: three 8x384 runs and the timeline do
#     not fit one call there); back in $OUT: twinsA.tar.part-* (gated, sinklogit, logs,
#     valid_ids.npy); the packed timeline waits in $W/partB.
#   PHASE=2 TOTAL=400 OUT=$OUT bash training/device_twins.sh
#     right after, on the still-warm machine: nobos alone (and the timeline again, and the
#     tokens, if the machine is a fresh one); back: twinsB.tar.part-* (nobos, timeline).
# With 2+ GPUs, PHASE=all runs all four at once (the runs spread over the GPUs) and sends
# back A; B waits in $W/partB as in phase 1.
# Each 8x384 run first measures its speed; --time-budget shrinks its steps only if 3541 would
# not fit (training/README.md step 2; the final step count is in run.json).
# Unpack here: cat X.tar.part-* | tar -xf -
set -uo pipefail
export PYTHONUNBUFFERED=1
T0=$(date +%s)
PHASE=${PHASE:-1}
TOTAL=${TOTAL:-550}
OUT=${OUT:-/tmp/out}
W=${W:-/tmp/ssw}
PACK_S=${PACK_S:-75}
mkdir -p "$W/tok" "$W/partB" "$OUT"
cd "$(dirname "$0")"
nvidia-smi -L
NG=$(nvidia-smi -L | wc -l)
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'

if [ "$PHASE" != 2 ]; then
  python3 check_variants.py --device cuda --tol 0.05 2>&1 | tee "$W/check_variants.log" || { echo "variant check failed"; exit 1; }
  echo "variant check done after $(( $(date +%s) - T0 ))s"
fi
if [ ! -s "$W/tok/valid_ids.npy" ]; then
  python3 train_tokenizer.py --data corpus/data --out "$W/tok" --from-json ../models/demo-lm/tokenizer.json 2>&1 | tee "$W/tok.log" || exit 1
fi
echo "tokens done after $(( $(date +%s) - T0 ))s (demo-lm: train_tokens 12215011, valid_tokens 223647)"
cat "$W/tok/tokenizer_stats.json"; echo

RECIPE="--d 384 --heads 6 --ffn 832 --lr 3e-3 --wd 1.0 --steps 3541 --eval-from 1416 --eval-every 354"
SAVE=$(python3 -c 'import numpy as np; print(",".join(str(int(round(x))) for x in np.geomspace(25, 3541, 8)))')
EVALS=$(python3 -c 'import numpy as np; print(",".join(sorted({str(int(round(x))) for x in np.geomspace(10, 3541, 32)}, key=int)))')
BUDGET=$(( TOTAL - ($(date +%s) - T0) - PACK_S ))
DEADLINE=$(( BUDGET + 10 ))
echo "training budget ${BUDGET}s on $NG GPU(s), phase $PHASE"
GATED="demo-lm-gated $RECIPE --attention-gate sigmoid_headwise --time-budget $BUDGET --budget-check-step 150"
SINK="demo-lm-sinklogit $RECIPE --sink-logit 1 --time-budget $BUDGET --budget-check-step 150"
NOBOS="demo-lm-nobos $RECIPE --bos 0 --time-budget $BUDGET --budget-check-step 150"
TIMELINE="demo-lm-timeline --layers 6 --d 128 --heads 4 --ffn 256 --lr 3e-3 --wd 1.0 --steps 3541 --eval-steps $EVALS,$SAVE --save-steps $SAVE"
case "$PHASE" in
  1) RUNS=("$GATED" "$SINK" "$TIMELINE"); R=runs1 ;;
  all) RUNS=("$GATED" "$SINK" "$NOBOS" "$TIMELINE"); R=runs1 ;;
  2) RUNS=("$NOBOS"); R=runs2
     [ -s "$W/pack1/demo-lm-timeline/evals.jsonl" ] || RUNS+=("$TIMELINE") ;;
esac
mkdir -p "$W/$R"
echo "timeline save steps $SAVE"
i=0
for r in "${RUNS[@]}"; do
  set -- $r; name=$1; shift
  CUDA_VISIBLE_DEVICES=$(( i % NG )) python3 train_lm.py --tok "$W/tok" --out "$W/$R/$name" --deadline "$DEADLINE" \
    --compile 0 --seed 0 "$@" > "$W/$R/$name.stdout" 2>&1 &
  i=$((i + 1))
done
wait
echo "training done after $(( $(date +%s) - T0 ))s"
for r in "$W/$R"/*/train.log; do echo "== $r"; grep -E "time budget|deadline|eval|done" "$r" | cut -c1-220; done
tail -n 3 "$W/$R"/*.stdout

P="$W/pack${R#runs}"
python3 pack_runs.py --runs "$W/$R" --tok "$W/tok" --out "$P" --reference ../models/demo-lm 2>&1 | tee "$W/pack${R#runs}.log"
echo "pack done after $(( $(date +%s) - T0 ))s"

mkdir -p "$P/logs"
cp "$W"/tok/tokenizer_stats.json "$W"/tok/valid_ids.npy "$W"/tok.log "$W"/check_variants.log "$W"/pack*.log "$P/logs/" 2>/dev/null
cp "$W/$R"/*.stdout "$P/logs/" 2>/dev/null
if [ "$PHASE" != 2 ]; then
  A=(logs runs.json)
  for n in demo-lm-gated demo-lm-sinklogit; do [ -d "$P/$n" ] && A+=("$n"); done
  tar -C "$P" -cf - "${A[@]}" | split -b 15m - "$OUT/twinsA.tar.part-"
  B=(); for n in demo-lm-nobos demo-lm-timeline; do [ -d "$P/$n" ] && B+=("$n"); done
  [ ${#B[@]} -gt 0 ] && tar -C "$P" -cf - "${B[@]}" | split -b 15m - "$W/partB/twinsB.tar.part-"
else
  [ -d "$P/demo-lm-timeline" ] || cp -r "$W/pack1/demo-lm-timeline" "$P/"
  mv "$P/logs" "$P/logs2"; mv "$P/runs.json" "$P/logs2/runs2.json"
  B=(logs2); for n in demo-lm-nobos demo-lm-timeline; do [ -d "$P/$n" ] && B+=("$n"); done
  tar -C "$P" -cf - "${B[@]}" | split -b 15m - "$OUT/twinsB.tar.part-"
fi
ls -l "$OUT" "$W/partB"
echo "all done after $(( $(date +%s) - T0 ))s"
