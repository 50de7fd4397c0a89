#!/usr/bin/env bash
# Device call (nvidia-h200) for the averaging models, call 4: the single-[SEP] task, no positions,
# a constant input column.
# Each line of CONFIGS is one process; averaging.py trains all of its runs (--seeds seeds)
# stacked in one model, so a process holds 16 runs and is bound by launches, not FLOPs.
# History: calls 1-2 (learned positions, [SEP] at 0 and at rate p_sep) solved the task without
# a catch in all 208 runs (averaging_report.md, appendix). Also regenerates the C++ trainer's
# PyTorch golden (tests/data/averaging_trainer) for the single-[SEP] batches.
# Results: $OUT/averaging.tar.part-* (cat them | tar -xzf -), $OUT/results.jsonl, logs.
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; W=/tmp/avg; mkdir -p "$W" "$OUT"
LIMIT=${LIMIT:-100}    # seconds per process, all included
BUDGET=${BUDGET:-60}   # seconds of training per process (steps are cut once to fit)
R=$(pwd)
# tag:args   (s = single [SEP], sb = single + BOS, s01 = 0 or 1 [SEP])
# call 3 (no constant input, the same 11 lines without --const 1): 0/16 formed on every line, layer 0 never
#   attended to the [SEP].
# call 4 (this list): 0/16 to 15/16 formed per line (0/16 on both s01 lines); per line in averaging_report.md
#   (tables made by scripts/claims.py). 53 s on one H200:
#   run(command="LIMIT=100 BUDGET=60 OUT=$OUT bash training/device_averaging.sh", timeout_s=220)
CONFIGS=(
  "c_d16h2_T32_b16:--const 1 --task single --d 16 --heads 2 --T 32 --batch 16 --lr 3e-3 --wd 0.01"
  "c_d16h2_T32_b16_lr1e2:--const 1 --task single --d 16 --heads 2 --T 32 --batch 16 --lr 1e-2 --wd 0.01"
  "c_d16h2_T32:--const 1 --task single --d 16 --heads 2 --T 32 --batch 64 --lr 3e-3"
  "c_d16h1_T32:--const 1 --task single --d 16 --heads 1 --T 32 --batch 64 --lr 3e-3"
  "cb_d16h1_T32:--const 1 --task single --bos 1 --d 16 --heads 1 --T 32 --batch 64 --lr 3e-3"
  "c_d32h1_T64:--const 1 --task single --d 32 --heads 1 --T 64 --batch 64 --lr 3e-3"
  "cb_d32h1_T64:--const 1 --task single --bos 1 --d 32 --heads 1 --T 64 --batch 64 --lr 3e-3"
  "c_d32h2_T64:--const 1 --task single --d 32 --heads 2 --T 64 --batch 64 --lr 3e-3"
  "cb_d32h2_T64:--const 1 --task single --bos 1 --d 32 --heads 2 --T 64 --batch 64 --lr 3e-3"
  "c01_d32h1_T64:--const 1 --task single01 --d 32 --heads 1 --T 64 --batch 64 --lr 3e-3"
  "c01_d16h2_T32:--const 1 --task single01 --d 16 --heads 2 --T 32 --batch 64 --lr 3e-3"
)
if [ "${CONFIGS_FILE:-}" != "" ]; then mapfile -t CONFIGS < "$CONFIGS_FILE"; fi
t0=$(date +%s)
( python3 training/make_averaging_trainer_golden.py "$OUT/averaging_trainer" > "$W/golden.log" 2>&1 ) &
for c in "${CONFIGS[@]}"; do
  tag=${c%%:*}; args=${c#*:}
  timeout "$LIMIT" python3 training/averaging.py --device cuda --pos 0 --seeds 16 --steps ${STEPS:-4000} \
    --time-budget "$BUDGET" $args --tag "$tag" --export-all 0 --out "$W/$tag" > "$W/$tag.log" 2>&1 &
done
wait
echo "all done in $(( $(date +%s) - t0 )) s"
tail -n 3 "$W/golden.log"
cd "$W" || exit 1
for f in *.log; do echo "== $f"; grep -v '^{' "$f" | tail -n 5; done
cat */results.jsonl > results.jsonl 2>/dev/null
tar -czf - results.jsonl */*.pt *.log 2>/dev/null | split -b 15M - "$OUT/averaging.tar.part-"
cp results.jsonl "$OUT/"
python3 - <<'PY'
import json, collections
g = collections.defaultdict(list)
for l in open("results.jsonl"):
    r = json.loads(l)
    g[(r["tag"], r["p_sep"], r["init"])].append(r)
for k, rs in sorted(g.items()):
    f = sum(r["formed"] for r in rs)
    print(k, f"formed {f}/{len(rs)}", "steps", rs[0]["steps"], "median loss", sorted(r["final_loss"] for r in rs)[len(rs) // 2],
          "max catch", max(max(r["catch_rate"]) for r in rs), "max latest_sep", max(max(r["latest_sep_attn"]) for r in rs),
          "max release", max(max(r["release"]) for r in rs))
PY
ls -l "$OUT" "$OUT/averaging_trainer"
