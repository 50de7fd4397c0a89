#!/usr/bin/env python3
"""Picks the best demo-LM checkpoint over all sweep runs, exports it in Hugging
Face llama format (fp16), checks that transformers loads it with the same
logits, writes golden outputs for five prompts, metrics.json and the data
MODEL.md is written from (make_model_card.py).

Selection: among all evaluated checkpoints, those meeting every acceptance line
(lm_metrics.shortfall == 0) by lowest validation loss; if none does, the
smallest shortfall, then validation loss.

The sink-free twins (training/device_twins.sh, pack_runs.py) are exported
from one run's last checkpoint, no selection, with the demo LM's golden prompts, and get a
generated MODEL.md whose tables compare them with the demo LM (same code, same windows):
  export_lm.py --weights PACK/demo-lm-gated/model.safetensors --tok TOK \
      --prompts models/demo-lm/golden/prompts.json --reference models/demo-lm \
      --out models/demo-lm-gated --device cpu --card
(TOK: a folder with tokenizer.json and valid_ids.npy; run.json, evals.jsonl and check.json
are read beside the weights.) A BOS-free run's held-out windows, validation windows and
golden prompts carry no BOS. --timeline PACK/demo-lm-timeline writes the timeline folder.
"""
import argparse
import glob
import json
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F

import st_io
from lm_metrics import eval_windows, find_catches, shortfall, sink_metrics, tag_variance_top_heads, val_loss
from lm_model import LMConfig, LlamaLM

# The first prompt that shows a prompt-dependent sink (catch span >= 5) becomes the
# DEFAULT PROMPT the UI shows; they are tried in this order.
DEFAULT_CANDIDATES = [
    "The ship left the harbour at dawn. The sea was calm, and the men were glad.\n"
    "By noon the wind rose; the sails filled, and the land fell away behind them.\n",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.\nHowever little known the feelings or views of such a man may be,",
    "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void; "
    "and darkness was upon the face of the deep.\n",
    "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, "
    "I thought I would sail about a little.\n",
    "Mr. Speaker, the state of our Union is strong. Our economy is growing, our people are working, "
    "and our children are learning.\nWe have much to do.\n",
]
OTHER_PROMPTS = [
    "Call me Ishmael. Some years ago I thought I would sail about a little.",
    "And God said, Let there be light: and there was light.\n",
    "Fellow-citizens, the state of the Union is strong.",
    "Elizabeth smiled; she was not sorry to see him go.\n",
]
MAX_DEFAULT_TOKENS = 48
MAX_OTHER_TOKENS = 26
GOLDEN_LIMIT = 6_000_000


class Tok:
    """tokenizers.Tokenizer, or a byte-level stand-in for smoke tests without it
    (mini_bpe=True: find_default_prompt.MiniBPE, the byte-level BPE checked against the
    demo LM's golden ids, for a CPU export of a real model)."""

    def __init__(self, path, mini_bpe=False):
        self.mini = None
        try:
            from tokenizers import Tokenizer
            self.t = Tokenizer.from_file(path)
        except ImportError:
            self.t = None
            if mini_bpe:
                from find_default_prompt import MiniBPE
                self.mini = MiniBPE(path)

    def encode(self, text):  # with BOS
        if self.mini is not None:
            return self.mini.encode(text)
        if self.t is None:
            return [0] + [b + 1 for b in text.encode()]
        return self.t.encode(text).ids

    def decode(self, ids):
        if self.mini is not None:
            return self.mini.decode(ids)
        if self.t is None:
            return bytes(max(0, i - 1) for i in ids if i > 0).decode(errors="replace")
        return self.t.decode(ids, skip_special_tokens=True)


def pick(runs_dir):
    cands = []
    for ev in glob.glob(os.path.join(runs_dir, "*", "evals.jsonl")):
        run = os.path.basename(os.path.dirname(ev))
        for line in open(ev):
            r = json.loads(line)
            if os.path.exists(os.path.join(os.path.dirname(ev), f"ckpt_{r['step']}.pt")):
                cands.append((shortfall(r), r["val_loss"], run, r))
    cands.sort(key=lambda c: (c[0] > 0, c[0] if c[0] > 0 else 0, c[1]))
    return cands


def cfg_from_hf(j):
    """LMConfig from a config.json that LMConfig.hf_config() wrote."""
    return LMConfig(vocab_size=j["vocab_size"], hidden_size=j["hidden_size"], intermediate_size=j["intermediate_size"],
                    num_hidden_layers=j["num_hidden_layers"], num_attention_heads=j["num_attention_heads"],
                    max_position_embeddings=j["max_position_embeddings"], rms_norm_eps=j["rms_norm_eps"],
                    rope_theta=j["rope_theta"], bos_token_id=j["bos_token_id"],
                    attention_gate=j.get("attention_gate", ""), attention_sink_logit=bool(j.get("attention_sink_logit", False)))


def load_folder(model_dir, dev):
    """An exported model folder (config.json + fp16 model.safetensors) as an fp32 LlamaLM."""
    cfg = cfg_from_hf(json.load(open(os.path.join(model_dir, "config.json"))))
    model = LlamaLM(cfg)
    model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in st_io.load(os.path.join(model_dir, "model.safetensors")).items()})
    return model.to(dev).float().eval()


def reference_metrics(ref_dir, valid, dev):
    """The reference model's (demo-lm's) numbers for the comparison columns: its metrics.json's
    val loss and held-out metrics, recomputed here with the same code (the largest difference
    to the stored ones is kept as a check), and its tag variance, which metrics.json lacks."""
    ref = load_folder(ref_dir, dev)
    stored = json.load(open(os.path.join(ref_dir, "metrics.json")))
    win = eval_windows(valid, 64, 256)
    m = sink_metrics(ref, win)
    keys = ("share_sink0_per_layer", "mean_sink_score0_per_layer", "bos_ratio_per_layer", "bos_max_abs_per_layer")
    diff = max(abs(x - y) for k in keys for x, y in zip(m[k], stored["heldout_T64"][k]))
    return {"model": os.path.basename(os.path.normpath(ref_dir)), "val_loss": stored["val_loss"],
            "step": stored["chosen"]["step"], "params": stored["chosen"]["params"], "model_bytes": stored["model_bytes"],
            "heldout_T64": m, "max_abs_diff_to_stored_heldout_T64": round(diff, 4),
            "tag_variance_top_heads": tag_variance_top_heads(ref, win, k=3, key=0)}


def measure(model, cfg, valid, bos, reference="", device_name=""):
    """The expensive numbers of a twin's metrics.json (fp32; pack_runs.py runs this on the device and
    stores it as measure.json): val loss over 256 windows of 512, the held-out T = 64 metrics, the
    tag variance of the strongest sink heads; for a BOS-free model also the BOS-window numbers;
    with `reference`, that model folder's numbers (reference_metrics)."""
    dev = valid.device
    wbos = 0 if bos else None
    win = eval_windows(valid, 64, 256, wbos)
    out = {"device": device_name or str(dev), "heldout_T64": sink_metrics(model, win),
           "val_loss": val_loss(model, valid, T=cfg.max_position_embeddings, n=256, autocast=False, bos=wbos),
           "tag_variance_top_heads": tag_variance_top_heads(model, win, k=3, key=0)}
    if not bos:
        wb = eval_windows(valid, 64, 256)
        out["heldout_T64_with_bos"] = sink_metrics(model, wb)
        out["val_loss_with_bos"] = val_loss(model, valid, T=cfg.max_position_embeddings, n=256, autocast=False)
    if reference:
        out["reference"] = reference_metrics(reference, valid, dev)
    return out


VARIANT_TEXT = {
    "gated": ("G1 gating of \"Gated Attention for LLMs\" (Qiu et al. 2025): each head's attention output is multiplied "
              "elementwise by a head-specific sigmoid gate before W_O, `z_h <- z_h * sigmoid(x_norm W_g)[:, h*dh:(h+1)*dh]`, "
              "with `x_norm` the layer's normalised input (what q, k and v see) and `W_g` = "
              "`model.layers.N.self_attn.gate_proj.weight` ([n_heads*head_dim, d_model], no bias). config.json: "
              "`\"attention_gate\": \"sigmoid_headwise\"` (model_type stays llama)."),
    "sinklogit": ("a learned logit per head appended to every softmax row (gpt-oss style): softmax over "
                  "`[q.k/sqrt(d) for the visible keys, sink_h]`, the sink column dropped after the softmax, so the rows "
                  "of the attention pattern sum to < 1. Weight `model.layers.N.self_attn.sinks` [n_heads] (gpt-oss's name), "
                  "config.json `\"attention_sink_logit\": true`."),
    "nobos": ("no BOS token at the start of the training windows (each window is 512 consecutive tokens of the "
              "stream); everything else as the demo LM. Held-out windows, validation windows and golden prompts here "
              "carry no BOS either (the tokenizer still adds one: run the model without it)."),
}


def _f(x, n=3):
    return f"{x:.{n}f}"


def write_card(out, m, cfg):
    """MODEL.md of a twin, from its metrics.json (numbers only from there)."""
    v = m["variant"]
    kind = "gated" if v["attention_gate"] else "sinklogit" if v["attention_sink_logit"] else "nobos" if not v["bos"] else "plain"
    name = os.path.basename(os.path.normpath(out))
    r = m.get("reference") or {}
    h, rh = m["heldout_T64"], (r.get("heldout_T64") or {})
    args, L = m["chosen"]["args"], cfg.num_hidden_layers
    ch = m["chosen"]
    if ch["step"] == 3541:
        steps_note = "the demo LM's 3541"
    elif args.get("time_budget", 0) > 0 and args["steps"] == ch["step"]:
        steps_note = (f"NOT the demo LM's 3541: `--time-budget {args['time_budget']:g}` cut the schedule to {ch['step']} at step "
                      f"{args.get('budget_check_step', 60)}, from the speed it measured while sharing the GPU; the cosine "
                      f"schedule was fitted to {ch['step']} steps")
    else:
        steps_note = "NOT the demo LM's 3541: stopped by --deadline"
    lines = [f"# {name}: a \"sink-free twin\" of demo-lm", "",
             f"Generated by `training/export_lm.py --card` from `metrics.json`. demo-lm with one change: "
             f"{VARIANT_TEXT.get(kind, 'none')}", "",
             "Same corpus, tokenizer (`tokenizer.json` is demo-lm's, byte for byte) and recipe as demo-lm's chosen run "
             "`b384_lr3e-3_wd1.0` (training/README.md steps 2 and 6), its 3541 steps unless the training line below says "
             "otherwise; trained by `training/device_twins.sh`, exported "
             "from the run's last checkpoint (no selection). Every number below is computed in fp32 from the shipped fp16 "
             "weights; the demo-lm column is recomputed by the same code on the same held-out windows"
             + (f" (largest difference to demo-lm's own metrics.json: {r['max_abs_diff_to_stored_heldout_T64']})" if r else "")
             + ".", "",
             "## Architecture and training",
             f"{L} layers, d_model {cfg.hidden_size}, {cfg.num_attention_heads} heads x {cfg.head_dim}, SwiGLU "
             f"{cfg.intermediate_size}, RMSNorm, RoPE (theta {cfg.rope_theta:g}), untied embeddings, context "
             f"{cfg.max_position_embeddings}, {ch['params']:,} parameters, fp16 file {m['model_bytes'] / 1e6:.1f} MB. AdamW "
             f"(0.9/0.95), lr {args['lr']:g}, weight decay {args['wd']:g} on matrices only, {args['warmup']} warm-up steps, "
             f"cosine to {args['min_lr_frac']:g}, batch {args['batch']} x {args['ctx']} tokens"
             + (" with `<|bos|>` at position 0 of every window" if v["bos"] else ", no BOS") +
             f", bf16 autocast, grad clip 1.0, seed {args['seed']}, **{ch['step']} steps** ({steps_note}); "
             f"{ch['wall_s']:.0f} s of training on the device ({m.get('measured_on', 'GPU')}; "
             "training/logs/twins/ has the logs of both calls).", "",
             f"**Validation loss: {m['val_loss']:.4f}** ({m['val_loss_note']})"
             + (f"; demo-lm: {r['val_loss']:.4f}." if r else ".")]
    if "val_loss_with_bos" in m:
        lines.append(f"On the demo LM's windows (BOS + 511 tokens, a BOS this model never saw): {m['val_loss_with_bos']:.4f}.")
    lines += ["", "## Sink metrics (held-out text, T = 64)",
              f"256 non-overlapping held-out windows ({'BOS + 63 tokens' if v['bos'] else '64 tokens, no BOS: position 0 is an ordinary token'}), "
              "shipped as `golden/eval_windows.safetensors`. share = share of (window, head) pairs with sink_score(0) > 0.3; "
              "BOS ratio = max_d |resid_post[0, d]| / median |resid_post| of that window, averaged over windows"
              + ("" if v["bos"] else " (here position 0 is the window's first token, not a BOS)") + "."]
    extra, extra_key = "", None
    if "mean_sink_logit_mass_per_layer" in h:
        extra, extra_key = " mass on the sink logit |", "mean_sink_logit_mass_per_layer"
    elif "mean_gate_per_layer" in h:
        extra, extra_key = " mean gate |", "mean_gate_per_layer"
    hdr = "| layer | share sink_score(0) > 0.3 | mean sink_score(0) | BOS ratio | max abs at BOS | top dim |" + extra
    sep = "|---|---|---|---|---|---|" + ("---|" if extra else "")
    if rh:
        hdr += " demo-lm share | demo-lm mean sink_score(0) | demo-lm BOS ratio |"
        sep += "---|---|---|"
    lines += ["", hdr, sep]
    for l in range(L):
        row = (f"| {l} | {_f(h['share_sink0_per_layer'][l])} | {_f(h['mean_sink_score0_per_layer'][l])} | "
               f"{h['bos_ratio_per_layer'][l]:.1f} | {h['bos_max_abs_per_layer'][l]:.2f} | {h['bos_top_dim_per_layer'][l]} |")
        if extra_key:
            row += f" {_f(h[extra_key][l])} |"
        if rh:
            row += (f" {_f(rh['share_sink0_per_layer'][l])} | {_f(rh['mean_sink_score0_per_layer'][l])} | "
                    f"{rh['bos_ratio_per_layer'][l]:.1f} |")
        lines.append(row)
    sh = h["share_sink0_per_layer"]
    lines += ["",
              f"- max share over layers: **{_f(h['max_layer_share'])}**, mean share over layers: **{_f(sum(sh) / L)}**, "
              f"average over layers 1..{L - 1}: **{_f(h['avg_share_layers_1_to_L-1'])}**, largest BOS ratio "
              f"**{h['max_bos_ratio']:.1f}x**"
              + (f" (demo-lm: {_f(rh['max_layer_share'])}, {_f(sum(rh['share_sink0_per_layer']) / L)}, "
                 f"{_f(rh['avg_share_layers_1_to_L-1'])}, {rh['max_bos_ratio']:.1f}x)." if rh else ".")]
    if "heldout_T64_with_bos" in m:
        hb = m["heldout_T64_with_bos"]
        lines.append(f"- the demo-lm columns are on BOS windows, this model's on windows without one. On the demo LM's windows "
                     f"(BOS + 63 tokens; a BOS this model never saw in training) it has share per layer "
                     f"{', '.join(_f(x, 2) for x in hb['share_sink0_per_layer'])} (max {_f(hb['max_layer_share'])}, average "
                     f"1..{L - 1} {_f(hb['avg_share_layers_1_to_L-1'])}) and largest BOS ratio {hb['max_bos_ratio']:.1f}x.")
    acc = h["accept"]
    still = [k for k, ok in acc.items() if ok]
    lines.append(f"- demo-lm's acceptance lines (max share >= 0.8, average 1..{L - 1} >= 0.3, BOS ratio >= 100) that this "
                 f"model still meets: {', '.join(still) if still else 'none'}.")
    if extra_key == "mean_sink_logit_mass_per_layer":
        lines.append("- mass on the sink logit: mean over (window, head, query) of 1 - the row sum of the pattern, "
                     "the attention that went to the learned logit instead of a token.")
    if extra_key == "mean_gate_per_layer":
        lines.append("- mean gate: mean of sigmoid(x_norm W_g) over (window, head, query, dim).")
    lines += ["", "## Tag variance of the strongest sink heads",
              m["tag_variance_note"] + " (docs/metrics.md, `tag_variance`).", "",
              "| model | head | mean sink_score(0) | var_top1 | var_top2 | cos_top_pc_tag |", "|---|---|---|---|---|---|"]
    for who, rows in ((name, m["tag_variance_top_heads"]), ("demo-lm", r.get("tag_variance_top_heads") or [])):
        for t in rows:
            lines.append(f"| {who} | L{t['layer']}H{t['head']} | {_f(t['mean_sink_score'])} | {_f(t['var_top1'])} | "
                         f"{_f(t['var_top2'])} | {_f(t['cos_top_pc_tag'])} |")
    lines += ["", "## Training curve (evaluations during training: bf16 val loss, sink metrics on the held-out windows)", "",
              "| step | val loss | max layer share | avg share 1..7 | BOS ratio | t (s) |", "|---|---|---|---|---|---|"]
    for e in m["evals"]:
        lines.append(f"| {e['step']} | {e['val_loss']:.4f} | {_f(max(e['share']))} | {_f(e['avg1'])} | {e['bos_ratio']:.1f} | {e['t']:.0f} |")
    hf, tc = m["hf_check"], m.get("training_path_check") or {}
    lines += ["", "## Checks"]
    if hf.get("checked"):
        lines.append(f"- Hugging Face `LlamaForCausalLM` (fp32, eager) against `lm_model` on the shipped weights: max |logit diff| "
                     f"{hf['max_abs_logit_diff']:.1e}, attention {hf['max_abs_attn_diff']:.1e}, hidden states {hf['max_abs_hidden_diff']:.1e}.")
    else:
        lines.append(f"- Hugging Face check: not run ({hf.get('why', '')}).")
    if tc:
        lines.append(f"- Training path (fused SDPA{', sink_attention' if v['attention_sink_logit'] else ''}) against the explicit "
                     f"fp32 path the golden files come from, on the device with the shipped weights: max |logit diff| "
                     f"{tc['max_abs_logit_diff']:.1e}, largest relative gradient difference {tc['max_rel_grad_diff']:.1e} "
                     f"(`training/check_variants.py`).")
    lines += ["", "## Golden outputs",
              "`golden/golden.safetensors` (fp32, from the fp16 weights, `lm_model.forward_taps`): demo-lm's five golden prompts "
              "(`golden/prompts.json`" + (", ids with BOS" if v["bos"] else ", ids WITHOUT the BOS") + "), `p{i}.ids`, "
              "`p{i}.logits` [T, 4096], `p{i}.blocks.0.resid_pre` [T, 384], `p{i}.blocks.{l}.attn_pattern` [6, T, T]"
              + (" (rows sum to < 1: the sink column is dropped)" if v["attention_sink_logit"] else "")
              + ", `p{i}.blocks.{l}.resid_post` [T, 384]: the layout of models/demo-lm/golden. "
              f"{m['golden_bytes'] / 1e6:.1f} MB.", "",
              "## Sample generations (temperature 0.8, top-k 40, seed 1234)", ""]
    for smp in m["samples"]:
        lines += [f"- prompt `{smp['prompt']}`:", "", "  > " + smp["text"].replace("\n", " "), ""]
    lines += ["## Known limits",
              "- sinkscope's C++ engine, its ONNX export (`training/export_onnx.py`) and Hugging Face's Llama do not know "
              "this variant yet" if (v["attention_gate"] or v["attention_sink_logit"]) else
              "- a plain Llama: every runtime loads it, but they add the tokenizer's BOS unless told not to",
              "- one seed, one run: differences to demo-lm of a few hundredths in loss or share are within what another "
              "seed could give (not measured)."]
    open(os.path.join(out, "MODEL.md"), "w").write("\n".join(lines) + "\n")


def export_timeline(a):
    """models/demo-lm-timeline from a packed timeline run: checkpoints/, config.json, tokenizer.json,
    timeline.json (every evaluation, and fp32 metrics of each shipped fp16 checkpoint), MODEL.md."""
    dev = torch.device(a.device)
    src = a.timeline
    info = json.load(open(os.path.join(src, "run.json")))
    cfg = LMConfig(**info["config"])
    evals = [json.loads(l) for l in open(os.path.join(src, "evals.jsonl"))]
    os.makedirs(os.path.join(a.out, "checkpoints"), exist_ok=True)
    json.dump(cfg.hf_config(), open(os.path.join(a.out, "config.json"), "w"), indent=2)
    shutil.copy(os.path.join(a.tok, "tokenizer.json"), os.path.join(a.out, "tokenizer.json"))
    valid = torch.from_numpy(np.load(os.path.join(a.tok, "valid_ids.npy")).astype(np.int64)).to(dev)
    win = eval_windows(valid, 64, 256)
    ckpts = []
    mpath = os.path.join(src, "measure.json")  # pack_runs.py's fp32 numbers of each checkpoint, from the device
    measured = {c["step"]: c for c in json.load(open(mpath))["checkpoints"]} if os.path.exists(mpath) else {}
    for f in sorted(glob.glob(os.path.join(src, "checkpoints", "step_*.safetensors"))):
        step = int(os.path.basename(f)[5:10])
        shutil.copy(f, os.path.join(a.out, "checkpoints", os.path.basename(f)))
        if step in measured:
            ckpts.append({"step": step, "file": "checkpoints/" + os.path.basename(f), "bytes": os.path.getsize(f),
                          **{k: measured[step][k] for k in ("val_loss_fp32", "heldout_T64")}})
            continue
        model = LlamaLM(cfg)
        model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in st_io.load(f).items()})
        model = model.to(dev).float().eval()
        ckpts.append({"step": step, "file": "checkpoints/" + os.path.basename(f), "bytes": os.path.getsize(f),
                      "val_loss_fp32": round(val_loss(model, valid, T=cfg.max_position_embeddings, n=256, autocast=False), 4),
                      "heldout_T64": sink_metrics(model, win)})
        print("checkpoint", step, ckpts[-1]["val_loss_fp32"], ckpts[-1]["heldout_T64"]["share_sink0_per_layer"])
    keys = ("step", "t", "val_loss", "train_loss", "share_sink0_per_layer", "mean_sink_score0_per_layer",
            "bos_ratio_per_layer", "bos_max_abs_per_layer", "bos_top_dim_per_layer", "max_layer_share",
            "avg_share_layers_1_to_L-1", "max_bos_ratio")
    tl = {"what": "demo-lm-timeline: a small model of the demo LM's recipe, evaluated during training",
          "config": cfg.to_dict(), "params": info["params"], "args": info["args"],
          "eval_note": ("evals: every evaluation during training (val loss: bf16 autocast, 256 held-out windows of BOS + 511 "
                        "tokens; sink metrics: fp32, 256 held-out windows of BOS + 63 tokens, the windows of "
                        "models/demo-lm/golden/eval_windows.safetensors; share = share of (window, head) pairs with "
                        "sink_score(0) > 0.3, BOS ratio = max_d |resid_post[0, d]| / median |resid_post|, mean over windows)"),
          "checkpoints_note": "checkpoints: the shipped fp16 files, re-measured here in fp32 (val loss and sink metrics as above)",
          "evals": [{k: e[k] for k in keys} for e in evals], "checkpoints": ckpts}
    json.dump(tl, open(os.path.join(a.out, "timeline.json"), "w"), indent=1)
    write_timeline_card(a.out, tl, cfg)


def write_timeline_card(out, tl, cfg):
    L, args = cfg.num_hidden_layers, tl["args"]
    tot = sum(c["bytes"] for c in tl["checkpoints"])
    lines = ["# demo-lm-timeline: sinks forming during training", "",
             "Generated by `training/export_lm.py --timeline` from `timeline.json`. A small model trained "
             "with demo-lm's corpus, tokenizer and recipe (AdamW 0.9/0.95, lr "
             f"{args['lr']:g}, weight decay {args['wd']:g} on matrices, {args['warmup']} warm-up steps, cosine to "
             f"{args['min_lr_frac']:g}, batch {args['batch']} x {args['ctx']} with `<|bos|>` at position 0, bf16 autocast, "
             f"{tl['evals'][-1]['step']} steps, seed {args['seed']}) by `training/device_twins.sh`, next to the twins.", "",
             f"Llama: {L} layers, d_model {cfg.hidden_size}, {cfg.num_attention_heads} heads x {cfg.head_dim}, SwiGLU "
             f"{cfg.intermediate_size}, context {cfg.max_position_embeddings}, {tl['params']:,} parameters. "
             f"{len(tl['checkpoints'])} fp16 checkpoints at log-spaced steps in `checkpoints/step_NNNNN.safetensors` "
             f"({tot / 1e6:.1f} MB together; the same tensor names as a model.safetensors, `config.json` fits all of them); "
             f"`timeline.json` holds every evaluation ({len(tl['evals'])}) and the checkpoints' fp32 re-measurement.", "",
             tl["eval_note"] + ".", "",
             "## Checkpoints (fp32 from the shipped fp16 weights)", "",
             "| step | val loss | share sink_score(0) > 0.3 per layer | max share | avg share 1..%d | max BOS ratio |" % (L - 1),
             "|---|---|---|---|---|---|"]
    for c in tl["checkpoints"]:
        h = c["heldout_T64"]
        lines.append(f"| {c['step']} | {c['val_loss_fp32']:.4f} | {', '.join(_f(x, 2) for x in h['share_sink0_per_layer'])} | "
                     f"{_f(h['max_layer_share'])} | {_f(h['avg_share_layers_1_to_L-1'])} | {h['max_bos_ratio']:.1f} |")
    lines += ["", "## Every evaluation", "",
              "| step | val loss (bf16) | max share | avg share 1..%d | max BOS ratio |" % (L - 1), "|---|---|---|---|---|"]
    for e in tl["evals"]:
        lines.append(f"| {e['step']} | {e['val_loss']:.4f} | {_f(e['max_layer_share'])} | "
                     f"{_f(e['avg_share_layers_1_to_L-1'])} | {e['max_bos_ratio']:.1f} |")
    lines += ["", "## Known limits",
              "- no golden files and no model.safetensors at the top: the app's model list skips this folder; a "
              "checkpoint becomes a model folder with `config.json` + `tokenizer.json` + the checkpoint renamed "
              "`model.safetensors`.",
              "- one seed; a model this small is not demo-lm: its sinks (or their absence) need not match demo-lm's."]
    open(os.path.join(out, "MODEL.md"), "w").write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="", help="the sweep's runs folder (not with --weights / --timeline)")
    ap.add_argument("--tok", required=True, help="folder with tokenizer.json and valid_ids.npy")
    ap.add_argument("--out", required=True, help="models/demo-lm")
    ap.add_argument("--run", default="", help="force this run (with --step)")
    ap.add_argument("--step", type=int, default=0)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--weights", default="", help="twins: a packed run's model.safetensors (run.json etc. beside it)")
    ap.add_argument("--prompts", default="", help="twins: golden prompts from this prompts.json (no default-prompt search)")
    ap.add_argument("--reference", default="", help="twins: the model folder to compare with (models/demo-lm)")
    ap.add_argument("--card", action="store_true", help="twins: write MODEL.md from metrics.json")
    ap.add_argument("--timeline", default="", help="a packed timeline run folder: write the timeline model folder")
    ap.add_argument("--card-only", action="store_true", help="twins: rewrite --out's MODEL.md from its metrics.json")
    a = ap.parse_args()
    if a.card_only:
        cfg = cfg_from_hf(json.load(open(os.path.join(a.out, "config.json"))))
        return write_card(a.out, json.load(open(os.path.join(a.out, "metrics.json"))), cfg)
    if a.timeline:
        return export_timeline(a)
    dev = torch.device(a.device)
    os.makedirs(os.path.join(a.out, "golden"), exist_ok=True)

    if a.weights:  # one packed run, its last checkpoint (fp16 already)
        rdir = os.path.dirname(os.path.abspath(a.weights))
        run_info = json.load(open(os.path.join(rdir, "run.json")))
        evals = [json.loads(l) for l in open(os.path.join(rdir, "evals.jsonl"))]
        run, step = os.path.basename(rdir), evals[-1]["step"]
        table = [{"step": r["step"], "val_loss": r["val_loss"], "train_loss": r["train_loss"], "t": r["t"],
                  "share": r["share_sink0_per_layer"], "avg1": r["avg_share_layers_1_to_L-1"],
                  "bos_ratio": r["max_bos_ratio"]} for r in evals]
        cfg = LMConfig(**run_info["config"])
        model = LlamaLM(cfg)
        sd16 = {k: torch.from_numpy(v.copy()) for k, v in st_io.load(a.weights).items()}
        assert all(v.dtype == torch.float16 for v in sd16.values())
    else:
        cands = pick(a.runs)
        table = [{"run": c[2], "step": c[3]["step"], "val_loss": c[1], "shortfall": round(c[0], 4),
                  "share": c[3]["share_sink0_per_layer"], "avg1": c[3]["avg_share_layers_1_to_L-1"],
                  "bos_ratio": c[3]["max_bos_ratio"]} for c in cands]
        if a.run:
            chosen = next(c for c in cands if c[2] == a.run and c[3]["step"] == a.step)
        else:
            chosen = cands[0]
        run, step = chosen[2], chosen[3]["step"]
        run_info = json.load(open(os.path.join(a.runs, run, "run.json")))
        cfg = LMConfig(**run_info["config"])
        model = LlamaLM(cfg)
        model.load_state_dict(torch.load(os.path.join(a.runs, run, f"ckpt_{step}.pt"), map_location="cpu"))
        # Ship fp16; every number below is computed in fp32 from those fp16 weights.
        sd16 = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.float() for k, v in sd16.items()})
    model = model.to(dev).float().eval()
    bos = run_info["args"].get("bos", 1) == 1  # False: the BOS-free twin
    wbos = 0 if bos else None

    st_io.save({k: v.cpu().numpy() for k, v in sd16.items()}, os.path.join(a.out, "model.safetensors"))
    json.dump(cfg.hf_config(), open(os.path.join(a.out, "config.json"), "w"), indent=2)
    shutil.copy(os.path.join(a.tok, "tokenizer.json"), os.path.join(a.out, "tokenizer.json"))
    tok = Tok(os.path.join(a.out, "tokenizer.json"), mini_bpe=bool(a.weights))

    # Held-out metrics at T = 64 (fp32), on windows shipped beside the golden files.
    valid = torch.from_numpy(np.load(os.path.join(a.tok, "valid_ids.npy")).astype(np.int64)).to(dev)
    win = eval_windows(valid, 64, 256, wbos)  # [256, 64]
    st_io.save({"ids": win.cpu().numpy().astype(np.int32)}, os.path.join(a.out, "golden", "eval_windows.safetensors"),
               metadata={"what": "held-out windows: BOS + 63 tokens, non-overlapping from the start of valid" if bos else
                         "held-out windows: 64 tokens, no BOS, non-overlapping from the start of valid"})
    if a.weights:  # measured on the device by pack_runs.py (measure.json beside the weights), else here
        mpath = os.path.join(os.path.dirname(os.path.abspath(a.weights)), "measure.json")
        meas = json.load(open(mpath)) if os.path.exists(mpath) else measure(model, cfg, valid, bos, a.reference)
        m, vl = meas["heldout_T64"], meas["val_loss"]
    else:
        m = sink_metrics(model, win)
        vl = val_loss(model, valid, T=cfg.max_position_embeddings, n=256, autocast=False, bos=wbos)

    # Default prompt: the first candidate with a prompt-dependent sink catching >= 5 tokens.
    def taps_of(ids):
        x = torch.tensor([ids], device=dev)
        logits, taps = model.forward_taps(x)
        return logits, taps

    default, catches, tried = None, [], []
    given = json.load(open(a.prompts))["prompts"] if a.prompts else None
    for text in ([] if given else DEFAULT_CANDIDATES):
        ids = tok.encode(text)[:MAX_DEFAULT_TOKENS]
        _, taps = taps_of(ids)
        attn = {l: taps[f"blocks.{l}.attn_pattern"][0].cpu() for l in range(cfg.num_hidden_layers)}
        c = find_catches(attn)
        tried.append({"text": text, "n_tokens": len(ids), "best": c[0] if c else None})
        if c and default is None:
            default, catches = text, c
    if given:  # the reference model's golden prompts, same ids (without the BOS for a BOS-free model)
        default = given[0]["text"]
        ids0 = given[0]["ids"] if bos else given[0]["ids"][1:]
        _, taps = taps_of(ids0)
        catches = find_catches({l: taps[f"blocks.{l}.attn_pattern"][0].cpu() for l in range(cfg.num_hidden_layers)})
    if default is None:
        default = DEFAULT_CANDIDATES[0]
    prompts = [p["text"] for p in given] if given else [default] + OTHER_PROMPTS

    golden, pj = {}, []
    for i, text in enumerate(prompts):
        lim = MAX_DEFAULT_TOKENS if i == 0 else MAX_OTHER_TOKENS
        if given:
            ids = list(given[i]["ids"]) if bos else list(given[i]["ids"][1:])
        else:
            ids = tok.encode(text)
        while len(ids) > lim:  # keep text and ids in step: cut the text by words
            text = text.rsplit(" ", 1)[0]
            ids = tok.encode(text)
        logits, taps = taps_of(ids)
        golden[f"p{i}.ids"] = np.asarray(ids, dtype=np.int32)
        golden[f"p{i}.logits"] = logits[0].float().cpu().numpy()  # [T, V]
        golden[f"p{i}.blocks.0.resid_pre"] = taps["blocks.0.resid_pre"][0].float().cpu().numpy()  # [T, d]
        for l in range(cfg.num_hidden_layers):
            golden[f"p{i}.blocks.{l}.attn_pattern"] = taps[f"blocks.{l}.attn_pattern"][0].float().cpu().numpy()  # [H, T, T]
            golden[f"p{i}.blocks.{l}.resid_post"] = taps[f"blocks.{l}.resid_post"][0].float().cpu().numpy()  # [T, d]
        pj.append({"name": f"p{i}", "text": text, "ids": ids, "default": i == 0})
    size = sum(v.nbytes for v in golden.values())
    assert size <= GOLDEN_LIMIT, f"golden too large: {size}"
    st_io.save(golden, os.path.join(a.out, "golden", "golden.safetensors"),
               metadata={"dtype": "fp32 from the fp16 weights", "taps": "logits, blocks.0.resid_pre, blocks.{l}.attn_pattern [H,T,T], blocks.{l}.resid_post [T,d]"})
    pjson = {"prompts": pj}
    if not bos:
        pjson["bos"] = False  # the ids have no BOS: the model never saw one in training
    json.dump(pjson, open(os.path.join(a.out, "golden", "prompts.json"), "w"), indent=1, ensure_ascii=False)

    # Hugging Face check: transformers loads the export and gives the same logits.
    hf = {"checked": False}
    device_check = {}
    if a.weights and os.path.exists(os.path.join(os.path.dirname(os.path.abspath(a.weights)), "check.json")):
        device_check = json.load(open(os.path.join(os.path.dirname(os.path.abspath(a.weights)), "check.json")))
    try:
        if cfg.attention_gate or cfg.attention_sink_logit:
            raise ImportError("not a Hugging Face Llama: transformers' LlamaForCausalLM has no attention gate or sink logit")
        from transformers import LlamaForCausalLM
        try:
            ref = LlamaForCausalLM.from_pretrained(a.out, dtype=torch.float32, attn_implementation="eager")
        except TypeError:
            ref = LlamaForCausalLM.from_pretrained(a.out, torch_dtype=torch.float32, attn_implementation="eager")
        ref = ref.to(dev).eval()
        worst, worst_attn, worst_h = 0.0, 0.0, 0.0
        for i in range(len(prompts)):
            x = torch.from_numpy(golden[f"p{i}.ids"].astype(np.int64))[None].to(dev)
            with torch.no_grad():
                o = ref(x, output_attentions=True, output_hidden_states=True)
            worst = max(worst, (o.logits[0].float().cpu() - torch.from_numpy(golden[f"p{i}.logits"])).abs().max().item())
            for l in range(cfg.num_hidden_layers):
                worst_attn = max(worst_attn, (o.attentions[l][0].float().cpu() - torch.from_numpy(golden[f"p{i}.blocks.{l}.attn_pattern"])).abs().max().item())
                if l < cfg.num_hidden_layers - 1:  # HF's last hidden state is after the final norm
                    worst_h = max(worst_h, (o.hidden_states[l + 1][0].float().cpu() - torch.from_numpy(golden[f"p{i}.blocks.{l}.resid_post"])).abs().max().item())
        hf = {"checked": True, "max_abs_logit_diff": worst, "max_abs_attn_diff": worst_attn,
              "max_abs_hidden_diff": worst_h, "within_1e-3": worst < 1e-3}
    except ImportError as e:
        hf = device_check.get("hf_check") or {"checked": False, "why": str(e)}

    # Sample generations (temperature 0.8, top-k 40, fixed seed) for the model card.
    samples = []
    gen = torch.Generator(device=dev).manual_seed(1234)
    for text in ["The ship", "It is a truth universally acknowledged", "And it came to pass", "Fellow-citizens of the Senate"]:
        ids = tok.encode(text) if bos else tok.encode(text)[1:]
        for _ in range(60):
            with torch.no_grad():
                lg = model(torch.tensor([ids[-cfg.max_position_embeddings:]], device=dev))[0, -1].float() / 0.8
            v, ix = lg.topk(40)
            nxt = ix[torch.multinomial(F.softmax(v, -1), 1, generator=gen)].item()
            if nxt == cfg.bos_token_id:
                break
            ids.append(nxt)
        samples.append({"prompt": text, "text": tok.decode(ids)})

    metrics = {
        "chosen": {"run": run, "step": step, "args": run_info["args"], "params": run_info["params"]},
        "val_loss": round(vl, 4),
        "val_loss_note": "mean next-token cross-entropy (nats) over 256 held-out windows of BOS + 511 tokens, fp32",
        "heldout_T64": m,
        "heldout_windows_file": "golden/eval_windows.safetensors",
        "default_prompt": default,
        "default_prompt_catches": catches[:10],
        "default_candidates_tried": tried,
        "hf_check": hf,
        "golden_bytes": size,
        "model_bytes": os.path.getsize(os.path.join(a.out, "model.safetensors")),
        "samples": samples,
        "sweep": table,
    }
    if a.weights:
        metrics["variant"] = {"attention_gate": cfg.attention_gate, "attention_sink_logit": cfg.attention_sink_logit,
                              "bos": bos, "final_step_of_run": True}
        metrics["chosen"]["wall_s"] = table[-1]["t"]
        metrics["evals"] = metrics.pop("sweep")
        metrics["training_path_check"] = device_check.get("training_path_vs_explicit")
        metrics["measured_on"] = meas.get("device", a.device)
        metrics["tag_variance_top_heads"] = meas["tag_variance_top_heads"]
        metrics["tag_variance_note"] = ("the 3 heads with the highest mean sink_score(0) on the held-out windows; per window "
                                        "PCA of head_out = z_h W_O^h over its 64 tokens, means over windows; tag = W_O^h v_0")
        if not bos:  # the same metrics on the demo LM's windows, whose BOS this model never saw
            metrics["heldout_T64_with_bos"] = meas["heldout_T64_with_bos"]
            metrics["val_loss_with_bos"] = round(meas["val_loss_with_bos"], 4)
            metrics["val_loss_note"] = ("mean next-token cross-entropy (nats) over 256 held-out windows of 512 tokens "
                                        "without BOS (511 predictions each), fp32")
        if meas.get("reference"):
            metrics["reference"] = meas["reference"]
    json.dump(metrics, open(os.path.join(a.out, "metrics.json"), "w"), indent=1, ensure_ascii=False)
    if a.card:
        write_card(a.out, metrics, cfg)
    print(json.dumps({k: metrics[k] for k in ("chosen", "val_loss", "hf_check", "golden_bytes", "model_bytes")}, indent=1))
    print("metrics", json.dumps(m))
    print("catches", json.dumps(catches[:3]))


if __name__ == "__main__":
    main()
