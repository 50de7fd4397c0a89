#!/usr/bin/env python3
"""Picks the best demo-LM checkpoint over all sweep runs, exports it in Hugging
Face llama format (fp16), checks that transformers loads it with the same
logits, writes golden outputs for five prompts, metrics.json and the data
MODEL.md is written from (make_model_card.py).

Selection: among all evaluated checkpoints, those meeting every acceptance line
(lm_metrics.shortfall == 0) by lowest validation loss; if none does, the
smallest shortfall, then validation loss.
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
from lm_metrics import eval_windows, find_catches, shortfall, sink_metrics, val_loss
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
    """tokenizers.Tokenizer, or a byte-level stand-in for smoke tests without it."""

    def __init__(self, path):
        try:
            from tokenizers import Tokenizer
            self.t = Tokenizer.from_file(path)
        except ImportError:
            self.t = None

    def encode(self, text):  # with BOS
        if self.t is None:
            return [0] + [b + 1 for b in text.encode()]
        return self.t.encode(text).ids

    def decode(self, ids):
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--tok", required=True, help="folder with tokenizer.json and valid_ids.npy")
    ap.add_argument("--out", required=True, help="models/demo-lm")
    ap.add_argument("--run", default="", help="force this run (with --step)")
    ap.add_argument("--step", type=int, default=0)
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    dev = torch.device(a.device)
    os.makedirs(os.path.join(a.out, "golden"), exist_ok=True)

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

    st_io.save({k: v.cpu().numpy() for k, v in sd16.items()}, os.path.join(a.out, "model.safetensors"))
    json.dump(cfg.hf_config(), open(os.path.join(a.out, "config.json"), "w"), indent=2)
    shutil.copy(os.path.join(a.tok, "tokenizer.json"), os.path.join(a.out, "tokenizer.json"))
    tok = Tok(os.path.join(a.out, "tokenizer.json"))

    # Held-out metrics at T = 64 (fp32), on windows shipped beside the golden files.
    valid = torch.from_numpy(np.load(os.path.join(a.tok, "valid_ids.npy")).astype(np.int64)).to(dev)
    win = eval_windows(valid, 64, 256)  # [256, 64]
    st_io.save({"ids": win.cpu().numpy().astype(np.int32)}, os.path.join(a.out, "golden", "eval_windows.safetensors"),
               metadata={"what": "held-out windows: BOS + 63 tokens, non-overlapping from the start of valid"})
    m = sink_metrics(model, win)
    vl = val_loss(model, valid, T=cfg.max_position_embeddings, n=256, autocast=False)

    # Default prompt: the first candidate with a prompt-dependent sink catching >= 5 tokens.
    def taps_of(ids):
        x = torch.tensor([ids], device=dev)
        logits, taps = model.forward_taps(x)
        return logits, taps

    default, catches, tried = None, [], []
    for text in DEFAULT_CANDIDATES:
        ids = tok.encode(text)[:MAX_DEFAULT_TOKENS]
        _, taps = taps_of(ids)
        attn = {l: taps[f"blocks.{l}.attn_pattern"][0].cpu() for l in range(cfg.num_hidden_layers)}
        c = find_catches(attn)
        tried.append({"text": text, "n_tokens": len(ids), "best": c[0] if c else None})
        if c and default is None:
            default, catches = text, c
    if default is None:
        default = DEFAULT_CANDIDATES[0]
    prompts = [default] + OTHER_PROMPTS

    golden, pj = {}, []
    for i, text in enumerate(prompts):
        lim = MAX_DEFAULT_TOKENS if i == 0 else MAX_OTHER_TOKENS
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
    json.dump({"prompts": pj}, open(os.path.join(a.out, "golden", "prompts.json"), "w"), indent=1, ensure_ascii=False)

    # Hugging Face check: transformers loads the export and gives the same logits.
    hf = {"checked": False}
    try:
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
        hf = {"checked": False, "why": str(e)}

    # Sample generations (temperature 0.8, top-k 40, fixed seed) for the model card.
    samples = []
    gen = torch.Generator(device=dev).manual_seed(1234)
    for text in ["The ship", "It is a truth universally acknowledged", "And it came to pass", "Fellow-citizens of the Senate"]:
        ids = tok.encode(text)
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
    json.dump(metrics, open(os.path.join(a.out, "metrics.json"), "w"), indent=1, ensure_ascii=False)
    print(json.dumps({k: metrics[k] for k in ("chosen", "val_loss", "hf_check", "golden_bytes", "model_bytes")}, indent=1))
    print("metrics", json.dumps(m))
    print("catches", json.dumps(catches[:3]))


if __name__ == "__main__":
    main()
