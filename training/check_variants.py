#!/usr/bin/env python3
"""Checks lm_model's training path against its explicit one for the attention variants
(the sink-free twins): forward() (fused SDPA; sink_attention for the learned sink logit;
the sigmoid gate) against forward_taps() (explicit fp32 softmax with the sink column,
the gate applied to z), logits and gradients, for the plain model, the gated one and the
sink-logit one.

  python3 training/check_variants.py --device cuda            (random small models; the
      device script runs it before training and stops if it fails)
  python3 training/check_variants.py --device cuda --weights DIR/model.safetensors --config DIR/run.json
      (a trained model: forward() against forward_taps() on held-out-like random ids)
  /usr/bin/python3 training/check_variants.py --device cpu    (torch < 2 has no fused SDPA:
      the check then swaps in an explicit SDPA, which still tests sink_attention's construction)

Writes one JSON line per check; exit status 1 when a check is over its limit (--tol; the bf16
autocast difference is reported, not checked). A wrong construction (mask, sink column, gate
slice) shows as differences of order 1; fused kernels in fp32 agree to ~1e-5 (TF32 to ~1e-2).
"""
import argparse
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

import lm_model
from lm_model import LMConfig, LlamaLM


def explicit_sdpa(q, k, v, is_causal=True, scale=None, attn_mask=None):
    """F.scaled_dot_product_attention's math, in the inputs' dtype (causal, square or top-left)."""
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = (q @ k.transpose(-1, -2)) * scale
    if is_causal:
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool, device=q.device).tril(), float("-inf"))
    return torch.softmax(s, -1) @ v


def grads(model, ids):
    model.zero_grad(set_to_none=True)
    logits = model(ids[:, :-1])
    F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)).backward()
    return logits.detach(), {k: p.grad.detach().clone() for k, p in model.named_parameters() if p.grad is not None}


def check_model(model, ids, name, tol_logits, tol_grad, bf16):
    """forward() (with the real SDPA where torch has one, else explicit_sdpa) against forward_taps()."""
    out = {"check": name}
    have = hasattr(F, "scaled_dot_product_attention")
    if not have:
        F.scaled_dot_product_attention = explicit_sdpa  # torch < 2: test the construction only
    try:
        with torch.no_grad():
            ref_logits, _ = model.forward_taps(ids[:, :-1])
        fused_logits, g_fused = grads(model, ids)
        out["sdpa"] = "torch" if have else "explicit stand-in"
        out["max_abs_logit_diff"] = (fused_logits.float() - ref_logits.float()).abs().max().item()
        saved = F.scaled_dot_product_attention
        del F.scaled_dot_product_attention  # forward() then takes Attention.forward_taps (with grads)
        try:
            _, g_ref = grads(model, ids)
        finally:
            F.scaled_dot_product_attention = saved
        rel = 0.0
        for k in g_ref:
            rel = max(rel, ((g_fused[k] - g_ref[k]).norm() / g_ref[k].norm().clamp_min(1e-12)).item())
        out["max_rel_grad_diff"] = rel
        for k in ("self_attn.sinks", "self_attn.gate_proj"):
            hits = [n for n in g_fused if k in n]
            if hits:
                out[f"grad_norm_{k}"] = sum(g_fused[n].norm().item() for n in hits)
        if bf16 and ids.device.type == "cuda":
            with torch.autocast("cuda", dtype=torch.bfloat16), torch.no_grad():
                lb = model(ids[:, :-1])
            out["bf16_max_abs_logit_diff"] = (lb.float() - ref_logits.float()).abs().max().item()
    finally:
        if not have:
            del F.scaled_dot_product_attention
    out["ok"] = out["max_abs_logit_diff"] <= tol_logits and out["max_rel_grad_diff"] <= tol_grad \
        and all(out.get(f"grad_norm_{k}", 1.0) > 0 for k in ("self_attn.sinks", "self_attn.gate_proj"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--weights", default="", help="model.safetensors (fp16 or fp32) of a trained model")
    ap.add_argument("--config", default="", help="its run.json (train_lm.py)")
    ap.add_argument("--T", type=int, default=128)
    ap.add_argument("--tol", type=float, default=2e-3, help="largest |logit diff| and relative gradient difference")
    a = ap.parse_args()
    dev = torch.device(a.device)
    torch.manual_seed(0)
    results = []
    if a.weights:
        import st_io
        cfg = LMConfig(**json.load(open(a.config))["config"])
        model = LlamaLM(cfg)
        model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in st_io.load(a.weights).items()})
        model = model.to(dev).float()
        ids = torch.randint(1, cfg.vocab_size, (4, a.T + 1), device=dev)
        ids[:, 0] = cfg.bos_token_id
        results.append(check_model(model, ids, a.weights, a.tol, a.tol, True))
    else:
        for name, kw in (("plain", {}), ("gated", {"attention_gate": "sigmoid_headwise"}),
                         ("sink_logit", {"attention_sink_logit": True})):
            cfg = LMConfig(vocab_size=64, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                           num_attention_heads=4, max_position_embeddings=a.T, **kw)
            model = LlamaLM(cfg).to(dev).float()
            with torch.no_grad():  # untrained sinks are 0: give them values that matter
                for blk in model.model.layers:
                    if cfg.attention_sink_logit:
                        blk.self_attn.sinks.copy_(torch.tensor([-2.0, 0.0, 1.5, 4.0]))
                    for p in blk.self_attn.parameters():
                        if p.dim() == 2:
                            p.mul_(10)  # peaked patterns
            ids = torch.randint(0, cfg.vocab_size, (3, a.T + 1), device=dev)
            results.append(check_model(model, ids, name, a.tol, a.tol, True))
    for r in results:
        print(json.dumps(r))
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
