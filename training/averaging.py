#!/usr/bin/env python3
"""The minimal problem (docs/science.md, "The minimal problem: averaging after [SEP]"):
average of the vectors since the most recent [SEP]. Trains many seeds of the
'sinkscope_averaging' model, measures whether catch / tag / release formed, and
exports chosen seeds under models/averaging-<seed>/.

Model: e = x W_in^T; 2 layers of h += concat_h(softmax(QK^T/sqrt(dh) + causal) V) W_O^T;
+ P[t] (learned absolute positions, added to the paper's setting: without them a layer-0 head cannot
prefer the most recent [SEP] over older ones, see averaging_report.md); y = h W_out^T.
No norms, MLP or biases.
Runs on CPU (tiny); `--device cuda` works too.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402


def make_batch(B, T, d_in, p_sep, gen, task="multi", bos=False, const=False):
    """x [B, T, d_in+1(+1)] (vector: [v, 0(, 0)]; [SEP]: [0.., 1(, 0)]; BOS: [0.., 0, 1]),
    y [B, T, d_in] running mean since the segment start, sep [B, T] bool ([SEP] only),
    last [B, T] start of each position's segment (its [SEP], BOS, or 0), seg [B, T] segment index,
    vec [B, T] bool: the vector positions (the ones the loss counts).
    task "multi": position 0 is [SEP], then each position is [SEP] with probability p_sep (old runs).
    task "single": exactly one [SEP], uniform in [1, T-2]; "single01": the same with probability 1/2,
    else none. With bos, position 0 is a BOS marker (its own input column) instead of a vector.
    With const, every input gets a last column of 1: the model has no biases and no positions, so
    without it a vector query's scores v^T M x_j are odd in v and no query can prefer the [SEP]
    (call 3 of the report: no run of its 11 configurations attended to it)."""
    dev = gen.device
    idx = torch.arange(T, device=dev).expand(B, T)
    if task == "multi":
        sep = torch.rand(B, T, generator=gen, device=dev) < p_sep  # [B, T]
        sep[:, 0] = True
    else:
        lo = 2 if bos else 1  # the [SEP] never sits on BOS
        pos = torch.randint(lo, T - 1, (B, 1), generator=gen, device=dev)  # [B, 1]
        sep = idx == pos  # [B, T]
        if task == "single01":
            keep = torch.rand(B, 1, generator=gen, device=dev) < 0.5
            sep = sep & keep
    bosm = torch.zeros_like(sep)
    if bos and task != "multi":
        bosm[:, 0] = True
    mark = sep | bosm  # [B, T]: marker positions (no vector)
    vec = ~mark
    v = torch.randn(B, T, d_in, generator=gen, device=dev)  # [B, T, d_in]
    v[mark] = 0
    cols = [v, sep.float().unsqueeze(-1)] + ([bosm.float().unsqueeze(-1)] if bos else [])
    if const:
        cols.append(torch.ones(B, T, 1, device=dev))
    x = torch.cat(cols, -1)  # [B, T, d_in+1(+1)]
    start = mark.clone()
    start[:, 0] = True
    seg = start.long().cumsum(1)  # [B, T]: segment index of each position
    last = torch.where(start, idx, torch.zeros_like(idx)).cummax(1).values  # [B, T]: segment start
    # running sums restarted at every segment start; exclusive sums so a vector at position 0 counts
    cs = v.cumsum(1)  # [B, T, d_in]
    cn = vec.float().cumsum(1)  # [B, T]
    cs_ex = cs - v
    cn_ex = cn - vec.float()
    base_s = torch.gather(cs_ex, 1, last.unsqueeze(-1).expand(-1, -1, d_in))  # [B, T, d_in]
    base_n = torch.gather(cn_ex, 1, last)  # [B, T]
    n = (cn - base_n).clamp(min=1)
    y = (cs - base_s) / n.unsqueeze(-1)  # [B, T, d_in]
    y[mark] = 0
    return x, y, sep, last, seg, vec


class AvgModel(nn.Module):
    def __init__(self, d_in, d, H, L=2, max_pos=64, pos=True, init=1.0, pos_ramp=0.0, bos=False, const=False):
        super().__init__()
        self.d_in, self.d, self.H, self.dh, self.L = d_in, d, H, d // H, L
        self.bos = bos
        self.embed_in = nn.Linear(d_in + 1 + int(bos) + int(const), d, bias=False)  # [d, d_in+1(+bos)(+const)]
        # P [max_pos, d]; None reproduces the position-free spec of the first report
        self.pos_embed = nn.Embedding(max_pos, d) if pos else None
        self.q = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.k = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.v = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.o = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.readout = nn.Linear(d, d_in, bias=False)
        if self.pos_embed is not None:
            nn.init.normal_(self.pos_embed.weight, std=1.0 / math.sqrt(d))  # as large as a token's embedding
            if pos_ramp:  # plus a linear ramp along one random direction: a recency feature to start from
                u = torch.randn(d)
                with torch.no_grad():
                    self.pos_embed.weight += pos_ramp * torch.linspace(-1, 1, max_pos)[:, None] * (u / u.norm())
        if init != 1.0:  # smaller init keeps the softmaxes flat at the start (lazy regime)
            with torch.no_grad():
                for p in self.parameters():
                    p.mul_(init)

    def forward(self, x, taps=False):
        B, T, _ = x.shape
        h = self.embed_in(x)  # [B, T, d]
        if self.pos_embed is not None:
            h = h + self.pos_embed.weight[:T]  # [T, d] broadcast over B
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        out = {}
        for l in range(self.L):
            q = self.q[l](h).view(B, T, self.H, self.dh).transpose(1, 2)  # [B, H, T, dh]
            k = self.k[l](h).view(B, T, self.H, self.dh).transpose(1, 2)
            v = self.v[l](h).view(B, T, self.H, self.dh).transpose(1, 2)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.dh)  # [B, H, T, T]
            a = s.masked_fill(~mask, float("-inf")).softmax(-1)
            z = a @ v  # [B, H, T, dh]
            if taps:
                Wo = self.o[l].weight.view(self.d, self.H, self.dh)  # [d, H, dh]
                out[f"blocks.{l}.attn_pattern"] = a
                out[f"blocks.{l}.v"] = v
                out[f"blocks.{l}.head_out"] = torch.einsum("bhtk,dhk->bhtd", z, Wo)  # [B, H, T, d]
                out[f"blocks.{l}.resid_pre"] = h
            h = h + self.o[l](z.transpose(1, 2).reshape(B, T, self.d))
        y = self.readout(h)  # [B, T, d_in]
        return (y, out) if taps else y


def loss_fn(y, t, vec):
    m = vec.float().unsqueeze(-1)
    return ((y - t) ** 2 * m).sum() / (m.sum() * y.shape[-1])


@torch.no_grad()
def mechanism(model, x, sep, last, seg, vec=None):
    """Per head of layer 0 (catch + tag) and layer 1 (release), on eval sequences.
    catch_rate: share of segments (>= 2 vector tokens) whose [SEP] s has catch_span(s) equal
      to the segment: every vector token i of it has A[i, s] >= 0.5 and no later token does.
    tag_alignment: mean cosine between head_out[i] and tag(s) = v_s W_O^h over caught tokens.
    release: per layer-1 head, mean attention mass of vector queries on their current
      segment (its [SEP] and tokens), i.e. the tokens carrying the current tag.
    Only queries after a [SEP] count in release and the [SEP]-attention diagnostics (tokens
    before the single [SEP] of the "single" task have nothing to separate)."""
    _, taps = model(x, taps=True)
    B, T = sep.shape
    Wo = model.o[0].weight.view(model.d, model.H, model.dh)  # [d, H, dh]
    a0 = taps["blocks.0.attn_pattern"]  # [B, H, T, T]
    ho = taps["blocks.0.head_out"]  # [B, H, T, d]
    v0 = taps["blocks.0.v"]  # [B, H, T, dh]
    res = {"catch_rate": [], "tag_alignment": [], "release": []}
    # Vectorised over sequences, queries and [SEP]s (same definitions as the loop in
    # mechanism_loop, which the smoke test compares against).
    idx = torch.arange(T, device=x.device)
    if vec is None:
        vec = ~sep  # [B, T]
    own = (last[:, :, None] == idx[None, None, :]) & vec[:, :, None]  # [B, T(q), T(s)]: i is a vector of s's segment
    later = last[:, :, None] > idx[None, None, :]  # [B, T(q), T(s)]: i lies in a later segment than s
    nvec = own.sum(1)  # [B, T(s)]
    counted = sep & (nvec >= 2)  # [B, T(s)]: segments with >= 2 vectors
    tot = counted.sum()
    tags = torch.einsum("dhk,bhsk->bhsd", Wo, v0)  # [B, H, T(s), d]: tag(s) = v_s W_O^h
    for h in range(model.H):
        ge = a0[:, h] >= 0.5  # [B, T(q), T(s)]
        inside = ~((~ge) & own).any(1)  # [B, T(s)]
        after = ~(ge & later).any(1)  # [B, T(s)]
        ok = (inside & after & counted).sum()
        res["catch_rate"].append(round(float(ok) / max(1, int(tot)), 4))
        # caught vector tokens of counted segments, each against its own [SEP]'s tag
        tag_i = torch.gather(tags[:, h], 1, last[:, :, None].expand(-1, -1, model.d))  # [B, T, d]
        cos = torch.nn.functional.cosine_similarity(ho[:, h], tag_i, dim=-1)  # [B, T]
        a_own = torch.gather(a0[:, h], 2, last[:, :, None])[..., 0]  # [B, T]: A[i, last(i)]
        seg_counted = torch.gather(counted, 1, last)  # [B, T]
        m = vec & seg_counted & (a_own >= 0.5)  # [B, T]
        res["tag_alignment"].append(round(float(cos[m].mean()), 4) if m.any() else 0.0)
    # diagnostics: how a layer-0 head spreads a vector query's attention over the [SEP]s
    after = vec & torch.gather(sep, 1, last)  # [B, T]: vectors whose segment starts at a [SEP]
    qm = after.float()  # [B, T]
    lastw = torch.gather(a0, 3, last[:, None, :, None].expand(-1, model.H, -1, 1))[..., 0]  # [B, H, T]
    sepw = (a0 * sep[:, None, None, :].float()).sum(-1)  # [B, H, T]
    res["latest_sep_attn"] = [round(float((lastw[:, h] * qm).sum() / qm.sum().clamp(min=1)), 4) for h in range(model.H)]
    res["all_sep_attn"] = [round(float((sepw[:, h] * qm).sum() / qm.sum().clamp(min=1)), 4) for h in range(model.H)]
    a1 = taps["blocks.1.attn_pattern"]  # [B, H, T, T]
    same = seg.unsqueeze(2) == seg.unsqueeze(1)  # [B, T(q), T(k)]
    qmask = qm  # [B, T]: vector queries after a [SEP]
    for h in range(model.H):
        mass = (a1[:, h] * same.float()).sum(-1)  # [B, T]
        res["release"].append(round(float((mass * qmask).sum() / qmask.sum().clamp(min=1)), 4))
    best = max(range(model.H), key=lambda h: res["catch_rate"][h] + res["tag_alignment"][h])
    res["catch_head"] = best
    res["formed"] = bool(res["catch_rate"][best] >= 0.9 and res["tag_alignment"][best] >= 0.9 and max(res["release"]) >= 0.8)
    return res


@torch.no_grad()
def mechanism_loop(model, x, sep):
    """The per-segment loop of the first report (reference for the vectorised mechanism)."""
    _, taps = model(x, taps=True)
    B, T = sep.shape
    a0, ho, v0 = taps["blocks.0.attn_pattern"], taps["blocks.0.head_out"], taps["blocks.0.v"]
    Wo = model.o[0].weight.view(model.d, model.H, model.dh)  # [d, H, dh]
    res = {"catch_rate": [], "tag_alignment": []}
    for h in range(model.H):
        ok, tot, cos_sum, cos_n = 0, 0, 0.0, 0
        for b in range(B):
            seps = torch.nonzero(sep[b]).flatten().tolist() + [T]
            for s, e in zip(seps[:-1], seps[1:]):
                if e - s - 1 < 2:
                    continue
                tot += 1
                col = a0[b, h, :, s]  # [T]
                inside = bool((col[s + 1: e] >= 0.5).all())
                after = bool((col[e:] < 0.5).all()) if e < T else True
                ok += int(inside and after)
                tag = Wo[:, h, :] @ v0[b, h, s]  # [d]
                for i in range(s + 1, e):
                    if col[i] >= 0.5:
                        cos_sum += torch.nn.functional.cosine_similarity(ho[b, h, i], tag, dim=0).item()
                        cos_n += 1
        res["catch_rate"].append(round(ok / max(1, tot), 4))
        res["tag_alignment"].append(round(cos_sum / cos_n, 4) if cos_n else 0.0)
    return res


class Stacked(nn.Module):
    """S independent AvgModels trained at once: every weight gets a leading seed axis, each
    seed sees its own data, and the loss is the sum of the per-seed losses, so gradients
    (and Adam's elementwise updates) never mix seeds. One process then trains 16 seeds in
    the time of one; a tiny model is launch-bound on a GPU."""

    def __init__(self, models):
        super().__init__()
        m0 = models[0]
        self.d, self.H, self.dh, self.L = m0.d, m0.H, m0.dh, m0.L
        st = lambda f: nn.Parameter(torch.stack([f(m).detach().clone() for m in models]))
        self.win = st(lambda m: m.embed_in.weight)  # [S, d, d_in+1]
        self.pos = st(lambda m: m.pos_embed.weight) if m0.pos_embed is not None else None  # [S, P, d]
        self.wq = st(lambda m: torch.stack([w.weight for w in m.q]))  # [S, L, d, d]
        self.wk = st(lambda m: torch.stack([w.weight for w in m.k]))  # [S, L, d, d]
        self.wv = st(lambda m: torch.stack([w.weight for w in m.v]))  # [S, L, d, d]
        self.wo = st(lambda m: torch.stack([w.weight for w in m.o]))  # [S, L, d, d]
        self.wout = st(lambda m: m.readout.weight)  # [S, d_in, d]

    def forward(self, x):  # x [S, B, T, d_in+1] -> y [S, B, T, d_in]
        S, B, T, _ = x.shape
        h = torch.einsum("sbti,sdi->sbtd", x, self.win)  # [S, B, T, d]
        if self.pos is not None:
            h = h + self.pos[:, None, :T]
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        for l in range(self.L):
            def heads(w):  # [S, B, T, d] -> [S, B, H, T, dh]
                return torch.einsum("sbtd,sed->sbte", h, w[:, l]).view(S, B, T, self.H, self.dh).transpose(2, 3)
            q, k, v = heads(self.wq), heads(self.wk), heads(self.wv)
            a = ((q @ k.transpose(-1, -2)) / math.sqrt(self.dh)).masked_fill(~mask, float("-inf")).softmax(-1)
            z = (a @ v).transpose(2, 3).reshape(S, B, T, self.d)  # [S, B, T, H*dh]
            h = h + torch.einsum("sbte,sde->sbtd", z, self.wo[:, l])
        return torch.einsum("sbtd,sid->sbti", h, self.wout)

    def unstack(self, i, model):
        """Copy seed i's weights into an AvgModel (same shapes)."""
        with torch.no_grad():
            model.embed_in.weight.copy_(self.win[i])
            if self.pos is not None:
                model.pos_embed.weight.copy_(self.pos[i])
            for l in range(self.L):
                model.q[l].weight.copy_(self.wq[i, l])
                model.k[l].weight.copy_(self.wk[i, l])
                model.v[l].weight.copy_(self.wv[i, l])
                model.o[l].weight.copy_(self.wo[i, l])
            model.readout.weight.copy_(self.wout[i])
        return model


def new_model(seed, a, init=None):
    torch.manual_seed(seed)  # the init depends on the seed (and the init scale) alone
    return AvgModel(a.d_input, a.d, a.heads, max_pos=a.max_pos, pos=bool(a.pos), init=a.init if init is None else init,
                    pos_ramp=getattr(a, "pos_ramp", 0.0), bos=bool(getattr(a, "bos", 0)),
                    const=bool(getattr(a, "const", 0)))


def task_of(a):
    return getattr(a, "task", "multi")


def train_group(runs, a):
    """runs: [(seed, p_sep, init)], trained together (Stacked); returns [(model, record)].
    Run r's data stream is its own slice of a batch drawn from one generator seeded by the
    first seed, with its own [SEP] rate, so a run is reproduced by re-running its group."""
    dev = torch.device(a.device)
    S = len(runs)
    net = Stacked([new_model(s, a, init) for s, _, init in runs]).to(dev)
    gen = torch.Generator(device=dev).manual_seed(1_000_003 * runs[0][0] + 17)
    p_sep = torch.tensor([p for _, p, _ in runs], device=dev).repeat_interleave(a.batch)[:, None]  # [S*B, 1]
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.wd)
    total = a.steps

    def lr_at(step):  # one cycle: 5% linear warm-up, cosine down to lr/1000
        w = max(1, int(0.05 * total))
        if step < w:
            return a.lr * (0.04 + 0.96 * step / w)
        return a.lr * (1e-3 + (1 - 1e-3) * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - w) / max(1, total - w)))))
    hist = [[] for _ in runs]
    t0 = time.time()
    step = 0
    while step < total:
        if a.time_budget > 0 and step == 50:  # cut the run once so it ends inside the device call
            if dev.type == "cuda":
                torch.cuda.synchronize()
            rate = (time.time() - t0) / 50
            total = max(100, min(total, int(a.time_budget / rate)))
            print(f"{rate * 1000:.1f} ms/step -> {total} steps", flush=True)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y, _, _, _, vec = make_batch(S * a.batch, a.T, a.d_input, p_sep, gen, task_of(a), bool(a.bos), bool(a.const))
        x = x.view(S, a.batch, a.T, -1)  # [S, B, T, d_in+1(+1)]
        y = y.view(S, a.batch, a.T, -1)  # [S, B, T, d_in]
        m = vec.float().view(S, a.batch, a.T, 1)  # [S, B, T, 1]
        per = ((net(x) - y) ** 2 * m).sum((1, 2, 3)) / (m.sum((1, 2, 3)) * a.d_input)  # [S]
        opt.zero_grad(set_to_none=True)
        per.sum().backward()
        opt.step()
        if step % 500 == 0 or step == total - 1:
            for i, v in enumerate(per.tolist()):
                hist[i].append((step, round(v, 5)))
        step += 1
    # evaluation: 256 fixed sequences per [SEP] rate (mechanism on the first 64), on the
    # training device; the records are what the report and metrics.json quote
    evals = {}
    for p in sorted({p for _, p, _ in runs}):
        eg = torch.Generator().manual_seed(10_000)
        b = [t.to(dev) for t in make_batch(256, a.T, a.d_input, p, eg, task_of(a), bool(a.bos), bool(a.const))]
        evals[p] = (b, loss_fn(torch.zeros_like(b[1]), b[1], b[5]).item())  # predicting 0 everywhere
    out = []
    for i, (seed, p, init) in enumerate(runs):
        model = net.unstack(i, new_model(seed, a, init).to(dev)).eval()
        (x, y, sep, last, seg, vec), zero = evals[p]
        with torch.no_grad():
            final = loss_fn(model(x), y, vec).item()
        mech = mechanism(model, x[:64], sep[:64], last[:64], seg[:64], vec[:64])
        out.append((model.cpu(), {"seed": seed, "p_sep": p, "init": init, "steps": total, "final_loss": round(final, 6),
                                  "zero_pred_loss": round(zero, 5), "loss_history": hist[i], **mech}))
    return out


def export(model, rec, a, out):
    os.makedirs(out, exist_ok=True)
    H, dh, L = model.H, model.dh, model.L
    cfg = {"model_type": "sinkscope_averaging", "d_input": a.d_input, "hidden_size": a.d, "num_hidden_layers": L,
           "num_attention_heads": H, "head_dim": dh, "max_position_embeddings": a.max_pos, "sep_index": a.d_input,
           "input_encoding": "x_t in R^(d_input+1): a vector v is [v, 0]; [SEP] is [0,...,0, 1] (index sep_index)",
           "target": "mean of the vectors since the most recent [SEP]; [SEP] positions excluded from the loss"}
    cfg["task"] = task_of(a)
    if task_of(a) != "multi":
        cfg["target"] = ("mean of the vectors since the segment start: position 0 (or BOS) before the [SEP], "
                         "the [SEP] after it; marker positions excluded from the loss")
        cfg["sep_position"] = ("one [SEP] per sequence, uniform in [%d, T-2]" % (2 if getattr(a, "bos", 0) else 1)) + (
            ", present with probability 1/2" if task_of(a) == "single01" else "")
        cfg["train_T"] = a.T
    bos, cst = bool(getattr(a, "bos", 0)), bool(getattr(a, "const", 0))
    if bos:
        cfg["bos_index"] = a.d_input + 1
    if cst:
        cfg["const_index"] = a.d_input + 1 + int(bos)
    if bos or cst:
        cols = ["v (d_input entries)", "[SEP] flag (sep_index)"] + (["BOS flag (bos_index)"] if bos else []) + (
            ["constant 1 (const_index)"] if cst else [])
        cfg["input_encoding"] = (f"x_t in R^{a.d_input + 1 + bos + cst}, columns: " + ", ".join(cols) +
                                 ". A vector is [v, 0" + (", 0" if bos else "") + (", 1" if cst else "") +
                                 "]; [SEP] is [0.., 1" + (", 0" if bos else "") + (", 1" if cst else "") + "]" +
                                 ("; BOS (position 0) is [0.., 0, 1" + (", 1" if cst else "") + "]" if bos else "") +
                                 (". The constant column stands in for biases (the model has none, and no positions)" if cst else ""))
    if model.pos_embed is not None:
        cfg["position_embedding"] = "learned"
        cfg["embedding"] = "e_t = embed_in.weight @ x_t + pos_embed.weight[t]"
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
    t = {"embed_in.weight": model.embed_in.weight, "readout.weight": model.readout.weight}
    if model.pos_embed is not None:
        t["pos_embed.weight"] = model.pos_embed.weight  # [max_pos, d]
    for l in range(L):
        t[f"layers.{l}.self_attn.q_proj.weight"] = model.q[l].weight
        t[f"layers.{l}.self_attn.k_proj.weight"] = model.k[l].weight
        t[f"layers.{l}.self_attn.v_proj.weight"] = model.v[l].weight
        t[f"layers.{l}.self_attn.o_proj.weight"] = model.o[l].weight
    st_io.save({k: v.detach().float().numpy() for k, v in t.items()}, os.path.join(out, "model.safetensors"))
    # golden: 3 fixed sequences
    g = torch.Generator().manual_seed(777)
    x, y, sep, _, _, _ = make_batch(3, a.T, a.d_input, a.p_sep, g, task_of(a), bool(getattr(a, "bos", 0)),
                                 bool(getattr(a, "const", 0)))
    with torch.no_grad():
        pred, taps = model(x, taps=True)
    gold = {}
    for i in range(3):
        gold[f"s{i}.inputs"] = x[i].numpy()  # [T, d_input+1]
        gold[f"s{i}.targets"] = y[i].numpy()  # [T, d_input]
        gold[f"s{i}.logits"] = pred[i].numpy()  # [T, d_input]: the predictions
        for l in range(L):
            gold[f"s{i}.blocks.{l}.attn_pattern"] = taps[f"blocks.{l}.attn_pattern"][i].numpy()  # [H, T, T]
            gold[f"s{i}.blocks.{l}.head_out"] = taps[f"blocks.{l}.head_out"][i].numpy()  # [H, T, d]: z_h W_O^h
            gold[f"s{i}.blocks.{l}.resid_pre"] = taps[f"blocks.{l}.resid_pre"][i].numpy()  # [T, d]
    st_io.save(gold, os.path.join(out, "golden.safetensors"), metadata={"what": "3 fixed sequences (seed 777): inputs, targets, predictions (logits), attention patterns, head outputs, residuals before each layer"})
    json.dump(rec, open(os.path.join(out, "metrics.json"), "w"), indent=1)


MODEL_MD = """# {name}: averaging after [SEP] ({kind})

The minimal problem of docs/science.md ("The minimal problem: averaging after [SEP]"), trained by `training/averaging.py`
(run `{run}`{why}). Report: `training/averaging_report.md`.

- Task: {task_desc} Target at t: the mean of the vectors since the segment start; MSE over the vector positions.
- Input encoding (config.json `input_encoding`): {enc}
- Model (`model_type` "sinkscope_averaging"{pos_desc}): e_t = embed_in.weight x_t{pos_term};
  {L} attention-only layers h += concat_h(softmax(Q K^T / sqrt({dh}) + causal) V) W_O^T with {H} head(s) of {dh} dims,
  d = {d}; y_t = readout.weight h_t. No norms, MLP or biases. F32 safetensors: embed_in.weight [{d}, {d_in1}],
  {pos_shape}layers.l.self_attn.{{q,k,v}}_proj.weight [{hd}, {d}], o_proj.weight [{d}, {hd}],
  readout.weight [{d_input}, {d}].
- Training: AdamW lr {lr} (5% warm-up, cosine), weight decay {wd}, batch {batch}, {steps} steps, init scale {init}, seed {seed}.

## Metrics (256 fixed evaluation sequences, seed 10000; mechanism on the first 64)
| | |
|---|---|
| final loss | {final_loss} (predicting 0 everywhere: {zero_pred_loss}) |
| catch_rate per layer-0 head (share of sequences whose [SEP] catches every vector after it) | {catch_rate} |
| tag_alignment per layer-0 head (mean cos(head_out, v_sep W_O) over caught tokens) | {tag_alignment} |
| attention of vector queries after the [SEP] on it, per layer-0 head | {latest_sep_attn} |
| release per layer-1 head (attention mass of those queries on the [SEP] and the tokens after it) | {release} |
| formed (catch_rate >= 0.9, tag_alignment >= 0.9, release >= 0.8) | {formed} |

{note}

`golden.safetensors`: 3 fixed sequences (seed 777): s{{i}}.inputs [T, {d_in1}], s{{i}}.targets, s{{i}}.logits (the
predictions) [T, {d_input}], s{{i}}.blocks.{{l}}.attn_pattern [H, T, T], .head_out [H, T, d] (z_h W_O^h),
.resid_pre [T, d]. `metrics.json`: the training record.
"""


def ship(pt, rec, out, note=""):
    """models/<name>/ from a state dict saved by main() and its results.jsonl record."""
    a = argparse.Namespace(**rec["args"])
    a.p_sep, a.init = rec["p_sep"], rec["init"]
    model = new_model(rec["seed"], a, rec["init"])
    model.load_state_dict(torch.load(pt, map_location="cpu"))
    model.eval()
    export(model, rec, a, out)
    name = os.path.basename(out.rstrip("/"))
    kind = "the mechanism formed" if rec["formed"] else "solved without the catch/tag/release mechanism"
    cfg = json.load(open(os.path.join(out, "config.json")))
    task = task_of(a)
    bos = bool(getattr(a, "bos", 0))
    if task == "multi":
        task_desc = (f"T = {a.T} inputs; each is a vector v in R^{a.d_input} (entries N(0, 1)) or a [SEP] (position 0 "
                     f"always, then each position with probability {a.p_sep}).")
    else:
        task_desc = (f"T = {a.T} inputs: {'a BOS marker at position 0, then ' if bos else ''}vectors v in R^{a.d_input} "
                     f"(entries N(0, 1)) and exactly one [SEP], at a position uniform in [{2 if bos else 1}, T-2]"
                     f"{' (present in half of the sequences)' if task == 'single01' else ''}. Before the [SEP] the target "
                     f"averages every vector since the start, after it every vector since the [SEP].")
    pos = model.pos_embed is not None
    open(os.path.join(out, "MODEL.md"), "w").write(MODEL_MD.format(
        name=name, kind=kind, run=rec["name"], why=(": " + rec["why"]) if rec.get("why") else "", task_desc=task_desc,
        enc=cfg["input_encoding"], pos_desc=', `position_embedding` "learned"' if pos else ", no positions",
        pos_term=" + pos_embed.weight[t]" if pos else "", pos_shape=f"pos_embed.weight [{a.max_pos}, {model.d}], " if pos else "",
        d_input=a.d_input, d_in1=model.embed_in.weight.shape[1], wd=a.wd,
        L=model.L, H=model.H, dh=model.dh, d=model.d, hd=model.H * model.dh, lr=a.lr,
        batch=a.batch, steps=rec.get("steps", a.steps), init=a.init, seed=rec["seed"], note=note,
        **{k: rec[k] for k in ("final_loss", "zero_pred_loss", "catch_rate", "tag_alignment", "latest_sep_attn",
                               "release", "formed")}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=12, help="seeds per (p_sep, init) pair")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--d-input", dest="d_input", type=int, default=8)
    ap.add_argument("--T", type=int, default=48)
    ap.add_argument("--p-sep", dest="p_sep", default="0.1", help="comma list: [SEP] rates, one group of seeds each")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--wd", type=float, default=0.0)
    ap.add_argument("--pos", type=int, default=1, help="1: learned absolute positions (spec amendment); 0: none")
    ap.add_argument("--max-pos", dest="max_pos", type=int, default=64)
    ap.add_argument("--pos-ramp", dest="pos_ramp", type=float, default=0.0, help="init: add a linear ramp of this size to P")
    ap.add_argument("--task", default="multi", choices=["multi", "single", "single01"],
                    help="multi: [SEP] at 0 then at rate p_sep; single: one [SEP] uniform in [1, T-2]; single01: 0 or 1 [SEP]")
    ap.add_argument("--const", type=int, default=0, help="1: a constant-1 input column (last) on every token")
    ap.add_argument("--bos", type=int, default=0, help="1: a BOS marker (own input column d_input+1) at position 0 (single tasks)")
    ap.add_argument("--init", default="1.0", help="comma list: scales of every initial weight")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--time-budget", dest="time_budget", type=float, default=0, help="seconds of training; cuts --steps once, at step 50")
    ap.add_argument("--out", default="training/out/averaging")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--export-all", type=int, default=1, help="write models/averaging-<seed>-style folders for every run under <out>/export")
    ap.add_argument("--tag", default="", help="name of this configuration in results.jsonl")
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    ps = [float(v) for v in str(a.p_sep).split(",")]
    inits = [float(v) for v in str(a.init).split(",")]
    runs = [(s, p, i) for p in ps for i in inits for s in range(a.first_seed, a.first_seed + a.seeds)]
    a.init = inits[0]
    for model, rec in train_group(runs, a):
        name = f"{a.tag}_p{rec['p_sep']}_i{rec['init']}_seed{rec['seed']}"
        torch.save(model.state_dict(), os.path.join(a.out, name + ".pt"))
        with open(os.path.join(a.out, "results.jsonl"), "a") as f:
            f.write(json.dumps({**rec, "name": name, "tag": a.tag, "args": vars(a)}) + "\n")
        if a.export_all:
            a1 = argparse.Namespace(**{**vars(a), "p_sep": rec["p_sep"], "init": rec["init"]})
            export(model, rec, a1, os.path.join(a.out, "export", name))
        print(json.dumps({k: rec[k] for k in ("seed", "p_sep", "init", "final_loss", "catch_rate", "tag_alignment",
                                               "latest_sep_attn", "all_sep_attn", "release", "formed")}), flush=True)


if __name__ == "__main__":
    main()
