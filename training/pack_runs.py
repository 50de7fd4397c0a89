#!/usr/bin/env python3
"""Device side of the sink-free twins (training/device_twins.sh): turns each finished
train_lm.py run into what comes back, small enough for the device's file limits.

  python3 pack_runs.py --runs W/runs --tok W/tok --out W/pack

For every run folder <name> (run.json, evals.jsonl, train.log, ckpt_<step>.pt):
  <out>/<name>/model.safetensors   the last checkpoint in fp16 (export_lm.py --weights reads it)
  <out>/<name>/checkpoints/step_NNNNN.safetensors   fp16, every kept checkpoint (runs with --save-steps)
  <out>/<name>/{run.json,evals.jsonl,train.log,check.json,measure.json}
measure.json: export_lm.measure() of the last checkpoint (val loss, held-out metrics, tag variance,
with --reference the reference model's numbers too); for runs with --save-steps the fp32 val
loss and held-out metrics of every kept checkpoint instead. export_lm.py reads them, so the
CPU export only writes the golden files, samples and the model card.
check.json: check_variants.py on the fp16 weights (the fused training path against the
explicit one) and, for plain Llama runs, Hugging Face LlamaForCausalLM (fp32, eager)
against lm_model.forward_taps on held-out windows (logits, attention, hidden states).
A run train_lm.py dropped (--budget-mode drop) is listed in <out>/runs.json and not packed.
"""
import argparse
import glob
import json
import os
import re
import shutil
import tempfile

import numpy as np
import torch

import st_io
from check_variants import check_model
from export_lm import measure
from lm_metrics import eval_windows, sink_metrics, val_loss
from lm_model import LMConfig, LlamaLM


def hf_check(cfg, sd16, windows, dev):
    """Hugging Face Llama against lm_model on the same fp16 weights (fp32 compute)."""
    try:
        from transformers import LlamaForCausalLM
    except ImportError as e:
        return {"checked": False, "why": str(e)}
    with tempfile.TemporaryDirectory() as d:
        st_io.save({k: v.cpu().numpy() for k, v in sd16.items()}, os.path.join(d, "model.safetensors"))
        json.dump(cfg.hf_config(), open(os.path.join(d, "config.json"), "w"))
        try:
            ref = LlamaForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager")
        except TypeError:
            ref = LlamaForCausalLM.from_pretrained(d, torch_dtype=torch.float32, attn_implementation="eager")
    ref = ref.to(dev).eval()
    model = LlamaLM(cfg)
    model.load_state_dict({k: v.float() for k, v in sd16.items()})
    model = model.to(dev).eval()
    with torch.no_grad():
        o = ref(windows, output_attentions=True, output_hidden_states=True)
        logits, taps = model.forward_taps(windows)
    L = cfg.num_hidden_layers
    worst_h = max((o.hidden_states[l + 1] - taps[f"blocks.{l}.resid_post"]).abs().max().item() for l in range(L - 1))
    worst_a = max((o.attentions[l] - taps[f"blocks.{l}.attn_pattern"]).abs().max().item() for l in range(L))
    worst = (o.logits - logits).abs().max().item()
    return {"checked": True, "windows": int(windows.shape[0]), "T": int(windows.shape[1]), "max_abs_logit_diff": worst,
            "max_abs_attn_diff": worst_a, "max_abs_hidden_diff": worst_h, "within_1e-3": worst < 1e-3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--tok", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--reference", default="", help="model folder the twins are compared with (../models/demo-lm)")
    a = ap.parse_args()
    dev = torch.device(a.device)
    valid = torch.from_numpy(np.load(os.path.join(a.tok, "valid_ids.npy")).astype(np.int64))
    gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
    reference = None
    listing = {}
    for rdir in sorted(glob.glob(os.path.join(a.runs, "*", ""))):
        name = os.path.basename(os.path.dirname(rdir))
        info = json.load(open(os.path.join(rdir, "run.json")))
        if info.get("dropped"):
            listing[name] = {"dropped": True, "ms_per_step": info.get("ms_per_step"), "fit": info.get("fit")}
            continue
        ckpts = {int(re.search(r"ckpt_(\d+)\.pt$", p).group(1)): p for p in glob.glob(os.path.join(rdir, "ckpt_*.pt"))}
        if not ckpts:
            listing[name] = {"no_checkpoint": True}
            continue
        o = os.path.join(a.out, name)
        os.makedirs(o, exist_ok=True)
        for f in ("run.json", "evals.jsonl", "train.log"):
            if os.path.exists(os.path.join(rdir, f)):
                shutil.copy(os.path.join(rdir, f), o)
        cfg = LMConfig(**info["config"])
        last = max(ckpts)
        sd16 = None
        if info["args"].get("save_steps"):
            os.makedirs(os.path.join(o, "checkpoints"), exist_ok=True)
        for step in sorted(ckpts):
            sd = torch.load(ckpts[step], map_location="cpu")
            s16 = {k: v.detach().to(torch.float16).contiguous() for k, v in sd.items()}
            if info["args"].get("save_steps"):
                st_io.save({k: v.numpy() for k, v in s16.items()}, os.path.join(o, "checkpoints", f"step_{step:05d}.safetensors"),
                           metadata={"step": str(step)})
            if step == last:
                sd16 = s16
        if not info["args"].get("save_steps"):
            st_io.save({k: v.numpy() for k, v in sd16.items()}, os.path.join(o, "model.safetensors"))
        # Checks on the shipped (fp16) weights.
        model = LlamaLM(cfg)
        model.load_state_dict({k: v.float() for k, v in sd16.items()})
        model = model.to(dev).float()
        bos = 0 if info["args"].get("bos", 1) else None
        win = eval_windows(valid, 128, 4, bos).to(dev)  # [4, 128]
        check = {"step": last, "training_path_vs_explicit": check_model(model, win, f"{name} step {last}", 2e-3, 1e-2, True)}
        if not cfg.attention_gate and not cfg.attention_sink_logit:
            check["hf_check"] = hf_check(cfg, sd16, win, dev)
        json.dump(check, open(os.path.join(o, "check.json"), "w"), indent=1)
        model.eval()
        vdev = valid.to(dev)
        if info["args"].get("save_steps"):
            win64 = eval_windows(vdev, 64, 256)
            rows = []
            for step in sorted(ckpts):
                mk = LlamaLM(cfg)
                mk.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in st_io.load(
                    os.path.join(o, "checkpoints", f"step_{step:05d}.safetensors")).items()})
                mk = mk.to(dev).float().eval()
                rows.append({"step": step, "val_loss_fp32": round(val_loss(mk, vdev, T=cfg.max_position_embeddings, n=256,
                                                                           autocast=False), 4),
                             "heldout_T64": sink_metrics(mk, win64)})
            meas = {"device": gpu, "checkpoints": rows}
        else:
            meas = measure(model, cfg, vdev, bos is not None, "", gpu)
            if a.reference:
                if reference is None:
                    from export_lm import reference_metrics
                    reference = reference_metrics(a.reference, vdev, dev)
                meas["reference"] = reference
        json.dump(meas, open(os.path.join(o, "measure.json"), "w"), indent=1)
        listing[name] = {"step": last, "checkpoints": sorted(ckpts), "check_ok": check["training_path_vs_explicit"]["ok"]}
        print(name, json.dumps(check))
    json.dump(listing, open(os.path.join(a.out, "runs.json"), "w"), indent=1)
    print(json.dumps(listing))


if __name__ == "__main__":
    main()
