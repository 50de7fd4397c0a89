#!/usr/bin/env python3
"""Checks training/export_onnx.py against PyTorch: exports each model, runs the export
with onnxruntime (Python, CPU EP) and compares with Hugging Face transformers
(float32, eager attention) on the golden inputs:

  models/demo-lm            the five golden prompts (golden/prompts.json):
                            logits, attention patterns (output_attentions), residual
                            streams (hidden_states: resid_pre of each layer, and
                            resid_post of all but the last, which HF gives after the
                            final norm)
  tests/data/tiny/*         seq0..2 of each HF family's golden ids (gpt2, llama GQA,
                            llama f16 tied, neox bf16, neox sequential)
  models/averaging-*        no HF class: the PyTorch golden file's logits and patterns

    python3 training/check_onnx.py [--out summary.json] [--tol 1e-4]

Exit status 1 when any logits or attention pattern differs by more than --tol. Run on
the GPU device once (training/README.md: "ONNX export"); the summary is committed as
training/logs/onnx_check.json.
"""
import argparse
import glob
import json
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_onnx  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def max_diff(a, b):
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def ort_session(model_dir, tmp):
    name = os.path.basename(model_dir.rstrip("/"))
    out = os.path.join(tmp, name)
    export_onnx.export(model_dir, out)
    so = ort.SessionOptions()
    return (ort.InferenceSession(os.path.join(out, "model.onnx"), so, providers=["CPUExecutionProvider"]),
            ort.InferenceSession(os.path.join(out, "model.logits.onnx"), so, providers=["CPUExecutionProvider"]))


def check_hf(model_dir, sequences, tmp):
    import torch
    from transformers import AutoModelForCausalLM

    hf = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    sess, sess_logits = ort_session(model_dir, tmp)
    L = hf.config.num_hidden_layers
    rows = []
    for name, ids in sequences:
        with torch.no_grad():
            r = hf(torch.tensor([ids]), output_attentions=True, output_hidden_states=True)
        names = [o.name for o in sess.get_outputs()]
        got = dict(zip(names, sess.run(None, {"input_ids": np.asarray(ids, np.int32)})))
        lo = sess_logits.run(None, {"input_ids": np.asarray(ids, np.int32)})[0]
        ref_logits = r.logits[0].numpy()
        row = {"seq": name, "T": len(ids),
               "logits": max_diff(got["logits"], ref_logits),
               "logits_only_graph": max_diff(lo, ref_logits),
               "attn_pattern": max(max_diff(got[f"blocks.{l}.attn_pattern"], r.attentions[l][0].numpy()) for l in range(L))}
        resid = []
        for l in range(L):
            resid.append(max_diff(got[f"blocks.{l}.resid_pre"], r.hidden_states[l][0].numpy()) /
                         max(1.0, float(np.abs(r.hidden_states[l][0].numpy()).max())))
            if l + 1 < L:
                resid.append(max_diff(got[f"blocks.{l}.resid_post"], r.hidden_states[l + 1][0].numpy()) /
                             max(1.0, float(np.abs(r.hidden_states[l + 1][0].numpy()).max())))
        row["resid_relative"] = max(resid)
        rows.append(row)
    return rows


def st_load(path):
    return {k: v[0] for k, v in export_onnx.load_safetensors(path).items()}


def check_averaging(model_dir, tmp):
    sess, sess_logits = ort_session(model_dir, tmp)
    g = st_load(os.path.join(model_dir, "golden.safetensors"))
    L = json.load(open(os.path.join(model_dir, "config.json")))["num_hidden_layers"]
    rows = []
    for key in sorted(k for k in g if k.endswith(".inputs")):
        s = key[: -len(".inputs")]
        names = [o.name for o in sess.get_outputs()]
        got = dict(zip(names, sess.run(None, {"inputs": g[key]})))
        row = {"seq": s, "T": int(g[key].shape[0]), "logits": max_diff(got["logits"], g[s + ".logits"]),
               "logits_only_graph": max_diff(sess_logits.run(None, {"inputs": g[key]})[0], g[s + ".logits"])}
        pats = [max_diff(got[f"blocks.{l}.attn_pattern"], g[f"{s}.blocks.{l}.attn_pattern"])
                for l in range(L) if f"{s}.blocks.{l}.attn_pattern" in g]
        row["attn_pattern"] = max(pats) if pats else None
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    import transformers
    summary = {"onnxruntime": ort.__version__, "transformers": transformers.__version__, "tol": a.tol, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        demo = os.path.join(ROOT, "models", "demo-lm")
        prompts = json.load(open(os.path.join(demo, "golden", "prompts.json")))["prompts"]
        jobs = [("demo-lm", lambda: check_hf(demo, [(p["name"], p["ids"]) for p in prompts], tmp))]

        def tiny(fam):
            d = os.path.join(ROOT, "tests", "data", "tiny", fam)
            g = st_load(os.path.join(d, "golden.safetensors"))
            return check_hf(d, [(k[:-4], [int(i) for i in g[k]]) for k in sorted(g) if k.endswith(".ids")], tmp)
        for fam in ("gpt2", "llama", "llama_tied_f16", "neox", "neox_seq"):
            jobs.append(("tiny-" + fam, lambda fam=fam: tiny(fam)))
        for d in sorted(glob.glob(os.path.join(ROOT, "models", "averaging-*"))):
            jobs.append((os.path.basename(d), lambda d=d: check_averaging(d, tmp)))
        errors = {}
        for name, job in jobs:  # one model's failure must not lose the others' numbers
            try:
                summary["models"][name] = job()
            except Exception as e:  # noqa: BLE001
                errors[name] = f"{type(e).__name__}: {e}"
    bad = [(m, r["seq"], k) for m, rows in summary["models"].items() for r in rows
           for k in ("logits", "logits_only_graph", "attn_pattern") if r.get(k) is not None and r[k] > a.tol]
    summary["failures"] = [" ".join(b) for b in bad] + [f"{m}: {e}" for m, e in errors.items()]
    text = json.dumps(summary, indent=1)
    print(text)
    if a.out:
        open(a.out, "w").write(text + "\n")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
