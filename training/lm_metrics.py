"""The acceptance metrics of the demo LM, in Python, named as in docs/metrics.md and
src/analysis: sink_score(k), share of heads with sink_score(0) > eps per layer,
the BOS outlier ratio (max |resid| at BOS / median |resid|), catch spans."""
import contextlib
import math

import torch
import torch.nn.functional as F


def amp(dev, enabled=True):
    """bf16 autocast on CUDA, nothing elsewhere (old CPU torch rejects a disabled CUDA autocast)."""
    if enabled and dev.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def sink_score(a, k):
    """a: [..., T, T] causal pattern (rows = queries). Mean over queries i >= k of a[i, k]."""
    return a[..., k:, k].mean(-1)


def catch_span(col, s, tau=0.5):
    """col: attention to key s from every query [T]. Longest contiguous run of queries
    i >= s with col[i] >= tau; returns (start, length)."""
    best, best_start, run, start = 0, -1, 0, -1
    for i in range(s, col.shape[0]):
        if col[i] >= tau:
            if run == 0:
                start = i
            run += 1
            if run > best:
                best, best_start = run, start
        else:
            run = 0
    return best_start, best


@torch.no_grad()
def sink_metrics(model, windows, eps=0.3, batch=64):
    """windows: [N, T] ids, each starting with BOS. Returns per-layer lists:
    share (share of (window, head) pairs with sink_score(0) > eps), mean sink_score(0),
    bos_ratio (mean over windows of max_d |resid_post[0, d]| / median |resid_post|),
    bos_max_abs, top dim at BOS."""
    L = model.config.num_hidden_layers
    share = torch.zeros(L, dtype=torch.float64)
    score = torch.zeros(L, dtype=torch.float64)
    ratio = torch.zeros(L, dtype=torch.float64)
    bos_abs = torch.zeros(L, dtype=torch.float64)
    dims = [dict() for _ in range(L)]
    n = 0
    for i in range(0, windows.shape[0], batch):
        w = windows[i : i + batch]
        _, taps = model.forward_taps(w)
        for l in range(L):
            a = taps[f"blocks.{l}.attn_pattern"]  # [B, H, T, T]
            s0 = sink_score(a, 0)  # [B, H]
            share[l] += (s0 > eps).double().mean(-1).sum().item()
            score[l] += s0.double().mean(-1).sum().item()
            r = taps[f"blocks.{l}.resid_post"].float().abs()  # [B, T, d]
            med = r.flatten(1).median(-1).values  # [B]
            mx, arg = r[:, 0, :].max(-1)  # [B]
            ratio[l] += (mx / med).double().sum().item()
            bos_abs[l] += mx.double().sum().item()
            for d in arg.tolist():
                dims[l][d] = dims[l].get(d, 0) + 1
        n += w.shape[0]
    L1 = list(range(1, L))
    out = {
        "windows": n,
        "T": int(windows.shape[1]),
        "sink_eps": eps,
        "share_sink0_per_layer": [round(x / n, 4) for x in share.tolist()],
        "mean_sink_score0_per_layer": [round(x / n, 4) for x in score.tolist()],
        "bos_ratio_per_layer": [round(x / n, 2) for x in ratio.tolist()],
        "bos_max_abs_per_layer": [round(x / n, 3) for x in bos_abs.tolist()],
        "bos_top_dim_per_layer": [max(d, key=d.get) for d in dims],
    }
    sh = out["share_sink0_per_layer"]
    out["max_layer_share"] = max(sh)
    out["avg_share_layers_1_to_L-1"] = round(sum(sh[l] for l in L1) / len(L1), 4)
    out["max_bos_ratio"] = max(out["bos_ratio_per_layer"])
    out["accept"] = {
        "max_layer_share>=0.8": out["max_layer_share"] >= 0.8,
        "avg_share_1..L-1>=0.3": out["avg_share_layers_1_to_L-1"] >= 0.3,
        "bos_ratio>=100": out["max_bos_ratio"] >= 100,
    }
    return out


def shortfall(m):
    """0 when every acceptance line holds; otherwise the summed relative shortfall."""
    return (max(0.0, 0.8 - m["max_layer_share"]) / 0.8 + max(0.0, 0.3 - m["avg_share_layers_1_to_L-1"]) / 0.3
            + max(0.0, 100 - m["max_bos_ratio"]) / 100)


@torch.no_grad()
def val_loss(model, stream, T=512, n=128, batch=32, bos=0, autocast=True):
    """Mean next-token loss over n fixed, non-overlapping windows of BOS + (T-1) held-out tokens."""
    dev = next(model.parameters()).device
    w = eval_windows(stream, T, n, bos).to(dev)
    tot, cnt = 0.0, 0
    for i in range(0, w.shape[0], batch):
        x = w[i : i + batch]
        with amp(dev, autocast):
            logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum")
        tot += loss.item()
        cnt += x[:, 1:].numel()
    return tot / cnt


def eval_windows(stream, T, n, bos=0):
    """n non-overlapping windows of BOS + (T-1) consecutive tokens from the start of `stream`
    (a 1-D int tensor); fewer if the stream is short."""
    step = T - 1
    n = min(n, (stream.shape[0] - 1) // step)
    body = stream[: n * step].view(n, step).long()
    return torch.cat([torch.full((n, 1), bos, dtype=torch.long, device=body.device), body], 1)


def find_catches(attn, min_span=5, tau=0.5, skip_first=True):
    """attn: {layer: [H, T, T]} for one prompt. All (layer, head, s, start, span) with a
    prompt-dependent sink s > 0 whose catch_span >= min_span, longest first."""
    out = []
    for l, a in attn.items():
        H, T, _ = a.shape
        for h in range(H):
            for s in range(1 if skip_first else 0, T):
                st, n = catch_span(a[h, :, s], s, tau)
                if n >= min_span:
                    out.append({"layer": l, "head": h, "sink": s, "start": st, "span": n,
                                "sink_score": round(float(sink_score(a[h], s)), 4)})
    out.sort(key=lambda r: -r["span"])
    return out
