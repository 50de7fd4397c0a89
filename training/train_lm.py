#!/usr/bin/env python3
"""Trains one demo-LM config (Llama-style, BOS at position 0 of every window).

Every --eval-every steps (from --eval-from on) it measures validation loss and the
sink metrics on held-out T=64 windows, saves the checkpoint, and appends a line to
<out>/evals.jsonl; export_lm.py picks the best checkpoint over all runs.

Sink-free twins (training/device_twins.sh): --attention-gate sigmoid_headwise,
--sink-logit 1 (lm_model.py), --bos 0 (no BOS in training windows; held-out windows then
have none either). The timeline run uses --eval-steps / --save-steps (explicit lists).
--budget-check-step moves the --time-budget decision later (the probe starts 40 steps
before it), and --budget-mode drop makes a run that would not fit its --steps stop there
instead of shrinking; --deadline (seconds) ends a run early, with a final eval and checkpoint.
All of these are off by default: then a run is exactly the demo LM's.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from lm_model import LMConfig, LlamaLM
from lm_metrics import amp, eval_windows, sink_metrics, val_loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", required=True, help="folder with train_ids.npy / valid_ids.npy")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--d", type=int, default=384)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--ffn", type=int, default=832)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.5)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-from", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-budget", type=float, default=0, help="seconds; if >0, --steps shrinks to fit (decided once, at step 60)")
    ap.add_argument("--compile", type=int, default=1)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--attention-gate", default="", choices=["", "sigmoid_headwise"])
    ap.add_argument("--sink-logit", type=int, default=0)
    ap.add_argument("--bos", type=int, default=1, help="0: no BOS at the start of training/held-out windows")
    ap.add_argument("--eval-steps", default="", help="comma-separated steps to evaluate at (replaces --eval-from/--eval-every)")
    ap.add_argument("--save-steps", default="", help="comma-separated steps whose checkpoint is kept (default: every eval)")
    ap.add_argument("--budget-check-step", type=int, default=60)
    ap.add_argument("--budget-mode", default="cut", choices=["cut", "drop"])
    ap.add_argument("--deadline", type=float, default=0, help="seconds; if >0, stop at the first step past it")
    a = ap.parse_args()
    eval_steps = {int(x) for x in a.eval_steps.split(",") if x}
    save_steps = {int(x) for x in a.save_steps.split(",") if x}
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    torch.backends.cuda.matmul.allow_tf32 = True

    train = torch.from_numpy(np.load(os.path.join(a.tok, "train_ids.npy")).astype(np.int32)).to(dev)  # [N]
    valid = torch.from_numpy(np.load(os.path.join(a.tok, "valid_ids.npy")).astype(np.int32)).to(dev)  # [Nv]
    cfg = LMConfig(vocab_size=a.vocab, hidden_size=a.d, intermediate_size=a.ffn, num_hidden_layers=a.layers,
                   num_attention_heads=a.heads, max_position_embeddings=a.ctx,
                   attention_gate=a.attention_gate, attention_sink_logit=bool(a.sink_logit))
    model = LlamaLM(cfg).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8, **({"fused": True} if dev.type == "cuda" else {}))
    fwd = model
    if a.compile and dev.type == "cuda":
        fwd = torch.compile(model)
    vbos = 0 if a.bos else None  # held-out windows as the run trains: BOS first, or none
    sink_windows = eval_windows(valid, 64, 256, vbos)  # [256, 64], BOS first (a.bos)
    g = torch.Generator(device=dev)
    g.manual_seed(a.seed)
    log = open(os.path.join(a.out, "train.log"), "a")
    evals = open(os.path.join(a.out, "evals.jsonl"), "a")
    json.dump({"args": vars(a), "config": cfg.to_dict(), "params": n_params}, open(os.path.join(a.out, "run.json"), "w"))
    print(f"params {n_params}", file=log, flush=True)

    def lr_at(step, total):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        p = min(1.0, (step - a.warmup) / max(1, total - a.warmup))
        return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))

    total = a.steps
    t0 = time.time()
    t_probe = None
    bos = torch.zeros(a.batch, 1, dtype=torch.long, device=dev)
    step = 0
    truncated = False
    while step < total:
        if a.bos:
            off = torch.randint(0, train.shape[0] - a.ctx, (a.batch,), device=dev, generator=g)  # [B]
            idx = off[:, None] + torch.arange(a.ctx, device=dev)[None, :]  # [B, ctx]
            body = train[idx].long()  # [B, ctx]: tokens 1..ctx-1 are the window, last one the final target
            x = torch.cat([bos, body[:, :-1]], 1)  # [B, ctx], BOS at position 0
            y = body  # [B, ctx]: target at position t is the token after x[t]
        else:
            off = torch.randint(0, train.shape[0] - a.ctx - 1, (a.batch,), device=dev, generator=g)  # [B]
            idx = off[:, None] + torch.arange(a.ctx + 1, device=dev)[None, :]  # [B, ctx+1]
            body = train[idx].long()  # [B, ctx+1]
            x = body[:, :-1]  # [B, ctx]: ctx consecutive tokens, no BOS
            y = body[:, 1:]  # [B, ctx]
        for gr in opt.param_groups:
            gr["lr"] = lr_at(step, total)
        with amp(dev):
            logits = fwd(x)
        loss = F.cross_entropy(logits.float().view(-1, cfg.vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if a.deadline > 0 and step < total and time.time() - t0 > a.deadline:
            print(f"deadline {a.deadline:.0f}s passed: stop at step {step} of {total}", file=log, flush=True)
            total, truncated = step, True
            json.dump({"args": vars(a), "config": cfg.to_dict(), "params": n_params, "truncated_at": step},
                      open(os.path.join(a.out, "run.json"), "w"))
        if step == a.budget_check_step - 40:
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t_probe = time.time()
        if step == a.budget_check_step and a.time_budget > 0:
            if dev.type == "cuda":
                torch.cuda.synchronize()
            per = (time.time() - t_probe) / 40
            left = a.time_budget - (time.time() - t0)
            n_evals = max(1, (total - a.eval_from) // a.eval_every)
            fit = int(a.budget_check_step + left * 0.92 / per - n_evals * 2.0 / per)
            if fit < total and a.budget_mode == "drop":
                print(f"time budget: {per*1000:.1f} ms/step, {fit} steps fit, {total} wanted: dropped", file=log, flush=True)
                json.dump({"args": vars(a), "config": cfg.to_dict(), "params": n_params, "dropped": True,
                           "ms_per_step": round(per * 1000, 1), "fit": fit}, open(os.path.join(a.out, "run.json"), "w"))
                return
            if fit < total:
                # keep the schedule shape: eval points move proportionally
                scale = fit / total
                a.eval_from = int(a.eval_from * scale)
                a.eval_every = max(100, int(a.eval_every * scale))
                print(f"time budget: {per*1000:.1f} ms/step, steps {total} -> {fit}", file=log, flush=True)
                total = fit
                a.steps = fit
                json.dump({"args": vars(a), "config": cfg.to_dict(), "params": n_params}, open(os.path.join(a.out, "run.json"), "w"))
        if step % 100 == 0:
            print(f"step {step}/{total} loss {loss.item():.4f} lr {lr_at(step, total):.2e} t {time.time()-t0:.0f}s", file=log, flush=True)
        if eval_steps:
            due = step in eval_steps or step == total
        else:
            due = (step >= a.eval_from and (step - a.eval_from) % a.eval_every == 0) or step == total
        if due:
            model.eval()
            vl = val_loss(model, valid, T=a.ctx, n=256, **({} if a.bos else {"bos": None}))
            m = sink_metrics(model, sink_windows)
            model.train()
            rec = {"step": step, "val_loss": round(vl, 4), "train_loss": round(loss.item(), 4), "t": round(time.time() - t0, 1), **m}
            print(json.dumps(rec), file=evals, flush=True)
            if not save_steps or step in save_steps or step == total:
                torch.save(model.state_dict(), os.path.join(a.out, f"ckpt_{step}.pt"))
            print(f"eval step {step} val {vl:.4f} share {m['share_sink0_per_layer']} avg1 {m['avg_share_layers_1_to_L-1']} bos {m['max_bos_ratio']}", file=log, flush=True)
    print("done", file=log, flush=True)


if __name__ == "__main__":
    main()
