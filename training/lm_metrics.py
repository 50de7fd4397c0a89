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
    sink_col = model.config.attention_sink_logit  # rows of the pattern sum to < 1: the rest is the learned sink's
    gated = bool(model.config.attention_gate)
    null_mass = torch.zeros(L, dtype=torch.float64)
    gate_mean = torch.zeros(L, dtype=torch.float64)
    n = 0
    for i in range(0, windows.shape[0], batch):
        w = windows[i : i + batch]
        _, taps = model.forward_taps(w, heads=gated)
        for l in range(L):
            a = taps[f"blocks.{l}.attn_pattern"]  # [B, H, T, T]
            if sink_col:
                null_mass[l] += (1 - a.double().sum(-1)).mean((1, 2)).sum().item()
            if gated:
                gate_mean[l] += taps[f"blocks.{l}.gate"].double().mean((1, 2, 3)).sum().item()
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
    if sink_col:  # mean over (window, head, query) of the attention the learned sink logit took
        out["mean_sink_logit_mass_per_layer"] = [round(x / n, 4) for x in null_mass.tolist()]
    if gated:  # mean gate value sigmoid(x_norm W_g) over (window, head, query, dim)
        out["mean_gate_per_layer"] = [round(x / n, 4) for x in gate_mean.tolist()]
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
    (a 1-D int tensor); fewer if the stream is short. bos=None: windows of T consecutive
    tokens, no BOS (the BOS-free twin's windows)."""
    if bos is None:
        n = min(n, stream.shape[0] // T)
        return stream[: n * T].view(n, T).long()
    step = T - 1
    n = min(n, (stream.shape[0] - 1) // step)
    body = stream[: n * step].view(n, step).long()
    return torch.cat([torch.full((n, 1), bos, dtype=torch.long, device=body.device), body], 1)


@torch.no_grad()
def tag_variance_top_heads(model, windows, k=3, batch=64, key=0):
    """tag_variance (docs/metrics.md) of the k heads with the highest mean sink_score(key) over
    `windows` [N, T]: per window, X = head_out[h] = z_h W_O^h ([T, d], z gated where the model
    gates), centred over tokens; var_top1 / var_top2 = share of the variance on the top 1 / 2
    principal directions; cos_top_pc_tag = |cos(pc1, tag)| with tag = W_O^h v_key (the sink
    key's value through W_O, without the gate). Means over windows, strongest head first."""
    L, H = model.config.num_hidden_layers, model.config.num_attention_heads
    dh = model.config.head_dim
    score = torch.zeros(L, H, dtype=torch.float64)
    acc = torch.zeros(L, H, 3, dtype=torch.float64)  # var_top1, var_top2, cos
    n = 0
    for i in range(0, windows.shape[0], batch):
        w = windows[i : i + batch]
        _, taps = model.forward_taps(w, heads=True)
        for l in range(L):
            score[l] += sink_score(taps[f"blocks.{l}.attn_pattern"], key).double().sum(0).cpu()
            Wo = model.model.layers[l].self_attn.o_proj.weight.float()  # [d, H*dh]
            for h in range(H):
                Wh = Wo[:, h * dh : (h + 1) * dh]  # [d, dh]
                X = taps[f"blocks.{l}.z"][:, h].float() @ Wh.T  # [B, T, d]
                tag = taps[f"blocks.{l}.v"][:, h, key].float() @ Wh.T  # [B, d]
                X = (X - X.mean(1, keepdim=True)).double()
                # The covariance X^T X / T ([d, d]) has the nonzero eigenvalues of the Gram matrix
                # X X^T / T ([T, T], smaller here), and pc1 = X^T u1 normalised.
                G = X @ X.transpose(1, 2) / X.shape[1]  # [B, T, T]
                ev, u = torch.linalg.eigh(G)  # ascending
                tot = ev.sum(-1).clamp_min(1e-30)
                pc1 = (X.transpose(1, 2) @ u[..., -1:])[..., 0]  # [B, d]
                pc1 = pc1 / pc1.norm(dim=-1, keepdim=True).clamp_min(1e-30)
                cos = (pc1 * tag.double()).sum(-1).abs() / (tag.double().norm(dim=-1).clamp_min(1e-30))
                acc[l, h, 0] += (ev[..., -1] / tot).sum().item()
                acc[l, h, 1] += ((ev[..., -1] + ev[..., -2]) / tot).sum().item()
                acc[l, h, 2] += cos.sum().item()
        n += w.shape[0]
    score /= n
    acc /= n
    order = sorted(((score[l, h].item(), l, h) for l in range(L) for h in range(H)), reverse=True)[:k]
    return [{"layer": l, "head": h, "mean_sink_score": round(s, 4), "var_top1": round(acc[l, h, 0].item(), 4),
             "var_top2": round(acc[l, h, 1].item(), 4), "cos_top_pc_tag": round(acc[l, h, 2].item(), 4)}
            for s, l, h in order]


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
