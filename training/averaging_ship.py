#!/usr/bin/env python3
"""Ship chosen averaging runs as models/averaging-<name>/ (config.json, model.safetensors,
golden.safetensors, metrics.json, MODEL.md) from the state dicts and results.jsonl
records that training/averaging.py wrote, then write their reference metrics
(training/reference_metrics.py) to tests/data/reference_metrics/averaging-<name>.json.

    averaging_ship.py --results R.jsonl --pt-dir DIR NAME=RUN [NAME=RUN ...]

RUN is a record's "name" (tag_p.._i.._seedN); DIR holds RUN.pt. Needs torch (the
device machine); the reference metrics need numpy only.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import averaging  # noqa: E402

NOTE_FORMED = ("This seed formed catch, tag and release: the layer-0 head that catches the [SEP] puts almost all "
               "attention of every vector after it on the [SEP], so those tokens carry v_sep W_O (the tag), and a "
               "layer-1 head attends to exactly the tagged tokens.")
NOTE_CONTRAST = ("Contrast seed: same configuration as the formed seed shipped beside it, the task is solved (loss "
                 "as low as the formed seeds') but no layer-0 head catches the segment: layer 0's BOS is a sink for "
                 "every token and the [SEP] gets only a graded share of the attention of the tokens after it, below "
                 "catch_tau 0.5. That share is a weaker tag, and layer 1 still reads it: the mechanism is "
                 "sufficient, not necessary.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--pt-dir", required=True)
    ap.add_argument("--models", default="models")
    ap.add_argument("--refs", default="tests/data/reference_metrics")
    ap.add_argument("pairs", nargs="+", help="NAME=RUN")
    a = ap.parse_args()
    recs = {}
    for line in open(a.results):
        r = json.loads(line)
        recs[r["name"]] = r
    here = os.path.dirname(os.path.abspath(__file__))
    for pair in a.pairs:
        name, run = pair.split("=", 1)
        rec = recs[run]
        out = os.path.join(a.models, f"averaging-{name}")
        averaging.ship(os.path.join(a.pt_dir, run + ".pt"), rec, out, NOTE_FORMED if rec["formed"] else NOTE_CONTRAST)
        ref = os.path.join(a.refs, f"averaging-{name}.json")
        subprocess.run([sys.executable, os.path.join(here, "reference_metrics.py"), out, ref], check=True)
        print(name, run, "formed" if rec["formed"] else "not formed", rec["final_loss"], flush=True)


if __name__ == "__main__":
    main()
