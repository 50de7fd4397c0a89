#!/usr/bin/env python3
"""GPU peers of our WebGPU backend on the GPU machine (bench/gpu/run.mjs times
ours there), on the same model folders:

ort    ONNX Runtime's GPU path. onnxruntime-web's WebGPU EP needs a browser, or
       Dawn under node with ORT's own WebGPU build, which the pack does not
       carry; Python's onnxruntime with its CUDA execution provider stands in,
       where that build is installed (the GPU machine's is CPU-only: it says so).
torch  PyTorch + transformers on CUDA, float32, eager attention: logits only,
       and with every attention pattern and hidden state returned
       (output_attentions, output_hidden_states), copied to the host.

ONNX graphs are our own exports (training/export_onnx.py, numpy + onnx only),
made on the spot from each model folder: model.logits.onnx (logits only) and
model.onnx (instrumented: logits plus every layer's resid_pre, q, k, v,
attn_pattern, head_out, resid_post, as the page's ORT backend runs them).
Each pass returns every output as a host numpy array, as ours returns its
taps into wasm memory. Median of --reps runs after 3 warm-ups.

    python3 bench/gpu/peer_gpu.py --model DIR:T1,T2,... [--model ...] [--reps 10] [--out FILE]

Prints one JSON line per (peer, model, graph, T) and writes them all to --out.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT = os.path.join(HERE, "..", "..", "training", "export_onnx.py")


def timed(step, reps):
    """Median and min ms of `reps` calls of step() after 3 warm-ups."""
    for _ in range(3):
        step()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ms)), float(np.min(ms))


def ort_rows(specs, reps):
    import onnxruntime as ort
    avail = ort.get_available_providers()
    eps = [p for p in ("CUDAExecutionProvider",) if p in avail]
    print(json.dumps({"peer": "ort", "onnxruntime": ort.__version__, "available_providers": avail}), flush=True)
    if not eps:
        print("ort: not measured: this onnxruntime has no GPU execution provider", flush=True)
        return []
    rows = []
    for d, name, Ts, cfg in specs:
        out = tempfile.mkdtemp(prefix=f"onnx-{name}-")
        subprocess.run([sys.executable, EXPORT, d, out], check=True, stdout=subprocess.DEVNULL)
        for graph, f in (("logits", "model.logits.onnx"), ("instrumented", "model.onnx")):
            sess = ort.InferenceSession(os.path.join(out, f), providers=eps)
            for T in Ts:
                med, mn = timed(lambda: sess.run(None, {"input_ids": ids_of(cfg, T)}), reps)
                rows.append({"peer": "ort", "ep": eps[0], "model": name, "graph": graph, "T": T, "median_ms": med, "min_ms": mn})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def torch_rows(specs, reps):
    import torch
    from transformers import AutoModelForCausalLM
    print(json.dumps({"peer": "torch", "torch": torch.__version__, "cuda": torch.cuda.is_available(),
                      "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}), flush=True)
    if not torch.cuda.is_available():
        print("torch: not measured: no CUDA device", flush=True)
        return []
    rows = []
    for d, name, Ts, cfg in specs:
        m = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32, attn_implementation="eager").cuda().eval()
        for graph, every in (("logits", False), ("every_tap", True)):
            for T in Ts:
                x = torch.from_numpy(ids_of(cfg, T).astype(np.int64))[None].cuda()

                def step():
                    with torch.no_grad():
                        o = m(x, output_attentions=every, output_hidden_states=every)
                        outs = [o.logits] + (list(o.attentions) + list(o.hidden_states) if every else [])
                        return [t.cpu() for t in outs]  # to the host, as our taps go to wasm memory
                med, mn = timed(step, reps)
                rows.append({"peer": "torch", "model": name, "graph": graph, "T": T, "median_ms": med, "min_ms": mn})
                print(json.dumps(rows[-1]), flush=True)
        del m
        torch.cuda.empty_cache()
    return rows


def ids_of(cfg, T):
    ids = np.random.default_rng(T).integers(0, cfg["vocab_size"], size=T, dtype=np.int32)
    ids[0] = cfg.get("bos_token_id") or 0
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True, help="DIR:T1,T2,...")
    ap.add_argument("--peer", action="append", choices=["ort", "torch"], help="default: both")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--out", default="gpu-peers.json")
    a = ap.parse_args()
    specs = []
    for spec in a.model:
        d, _, lens = spec.partition(":")
        cfg = json.load(open(os.path.join(d, "config.json")))
        specs.append((d, os.path.basename(os.path.normpath(d)), [int(t) for t in (lens or "16,64,128,256").split(",")], cfg))
    rows = []
    for peer in a.peer or ["ort", "torch"]:
        rows += (ort_rows if peer == "ort" else torch_rows)(specs, a.reps)
    json.dump({"rows": rows}, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
