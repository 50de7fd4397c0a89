#!/usr/bin/env python3
"""The minimal problem (paper.md): average of the vectors since the most recent
[SEP]. Trains many seeds of the 'sinkscope_averaging' model, measures whether
catch / tag / release formed, and exports chosen seeds under models/averaging-<seed>/.

Model: e = x W_in^T; 2 layers of h += concat_h(softmax(QK^T/sqrt(dh) + causal) V) W_O^T;
y = h W_out^T. No norms, MLP, positions or biases.
Runs on CPU (tiny); `--device cuda` works too.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402


def make_batch(B, T, d_in, p_sep, gen):
    """x [B, T, d_in+1] (vector: [v, 0]; [SEP]: [0.., 1]), y [B, T, d_in] running mean since
    the last [SEP], sep [B, T] bool. Position 0 is always [SEP]."""
    sep = torch.rand(B, T, generator=gen) < p_sep  # [B, T]
    sep[:, 0] = True
    v = torch.randn(B, T, d_in, generator=gen)  # [B, T, d_in]
    v[sep] = 0
    x = torch.cat([v, sep.float().unsqueeze(-1)], -1)  # [B, T, d_in+1]
    seg = sep.long().cumsum(1)  # [B, T]: segment index of each position
    # running sums restarted at every [SEP]
    cs = v.cumsum(1)  # [B, T, d_in]
    cn = (~sep).float().cumsum(1)  # [B, T]
    last = torch.zeros(B, T, dtype=torch.long)
    idx = torch.arange(T).expand(B, T)
    last = torch.where(sep, idx, torch.zeros_like(idx)).cummax(1).values  # [B, T]: most recent [SEP]
    base_s = torch.gather(cs, 1, last.unsqueeze(-1).expand(-1, -1, d_in))  # [B, T, d_in]
    base_n = torch.gather(cn, 1, last)  # [B, T]
    n = (cn - base_n).clamp(min=1)
    y = (cs - base_s) / n.unsqueeze(-1)  # [B, T, d_in]
    y[sep] = 0
    return x, y, sep, last, seg


class AvgModel(nn.Module):
    def __init__(self, d_in, d, H, L=2):
        super().__init__()
        self.d_in, self.d, self.H, self.dh, self.L = d_in, d, H, d // H, L
        self.embed_in = nn.Linear(d_in + 1, d, bias=False)
        self.q = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.k = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.v = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.o = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(L)])
        self.readout = nn.Linear(d, d_in, bias=False)

    def forward(self, x, taps=False):
        B, T, _ = x.shape
        h = self.embed_in(x)  # [B, T, d]
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


def loss_fn(y, t, sep):
    m = (~sep).float().unsqueeze(-1)
    return ((y - t) ** 2 * m).sum() / (m.sum() * y.shape[-1])


@torch.no_grad()
def mechanism(model, x, sep, last, seg):
    """Per head of layer 0 (catch + tag) and layer 1 (release), on eval sequences.
    catch_rate: share of segments (>= 2 vector tokens) whose [SEP] s has catch_span(s) equal
      to the segment: every vector token i of it has A[i, s] >= 0.5 and no later token does.
    tag_alignment: mean cosine between head_out[i] and tag(s) = v_s W_O^h over caught tokens.
    release: per layer-1 head, mean attention mass of vector queries on their current
      segment (its [SEP] and tokens), i.e. the tokens carrying the current tag."""
    _, taps = model(x, taps=True)
    B, T = sep.shape
    a0 = taps["blocks.0.attn_pattern"]  # [B, H, T, T]
    ho = taps["blocks.0.head_out"]  # [B, H, T, d]
    v0 = taps["blocks.0.v"]  # [B, H, T, dh]
    Wo = model.o[0].weight.view(model.d, model.H, model.dh)  # [d, H, dh]
    res = {"catch_rate": [], "tag_alignment": [], "release": []}
    for h in range(model.H):
        ok, tot, cos_sum, cos_n = 0, 0, 0.0, 0
        for b in range(B):
            seps = torch.nonzero(sep[b]).flatten().tolist() + [T]
            for s, e in zip(seps[:-1], seps[1:]):
                if e - s - 1 < 2:
                    continue
                tot += 1
                col = a0[b, h, :, s]  # [T]
                inside = bool((col[s + 1 : e] >= 0.5).all())
                after = bool((col[e:] < 0.5).all()) if e < T else True
                ok += int(inside and after)
                tag = Wo[:, h, :] @ v0[b, h, s]  # [d]
                caught = [i for i in range(s + 1, e) if col[i] >= 0.5]
                for i in caught:
                    cos_sum += torch.nn.functional.cosine_similarity(ho[b, h, i], tag, dim=0).item()
                    cos_n += 1
        res["catch_rate"].append(round(ok / max(1, tot), 4))
        res["tag_alignment"].append(round(cos_sum / cos_n, 4) if cos_n else 0.0)
    a1 = taps["blocks.1.attn_pattern"]  # [B, H, T, T]
    same = seg.unsqueeze(2) == seg.unsqueeze(1)  # [B, T(q), T(k)]
    qmask = (~sep).float()  # [B, T]
    for h in range(model.H):
        mass = (a1[:, h] * same.float()).sum(-1)  # [B, T]
        res["release"].append(round(float((mass * qmask).sum() / qmask.sum()), 4))
    best = max(range(model.H), key=lambda h: res["catch_rate"][h] + res["tag_alignment"][h])
    res["catch_head"] = best
    res["formed"] = bool(res["catch_rate"][best] >= 0.9 and res["tag_alignment"][best] >= 0.9 and max(res["release"]) >= 0.8)
    return res


def train_seed(seed, a):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    dev = torch.device(a.device)
    model = AvgModel(a.d_input, a.d, a.heads).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.05)
    hist = []
    for step in range(a.steps):
        x, y, sep, _, _ = make_batch(a.batch, a.T, a.d_input, a.p_sep, gen)
        x, y, sep = x.to(dev), y.to(dev), sep.to(dev)
        loss = loss_fn(model(x), y, sep)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0 or step == a.steps - 1:
            hist.append((step, round(loss.item(), 5)))
    model = model.cpu()  # evaluation and export on the CPU
    eg = torch.Generator().manual_seed(10_000)
    x, y, sep, last, seg = make_batch(256, a.T, a.d_input, a.p_sep, eg)
    with torch.no_grad():
        final = loss_fn(model(x), y, sep).item()
    # baseline: predicting 0 everywhere (variance of the target)
    zero = loss_fn(torch.zeros_like(y), y, sep).item()
    m = mechanism(model, x[:64], sep[:64], last[:64], seg[:64])
    return model, {"seed": seed, "final_loss": round(final, 5), "zero_pred_loss": round(zero, 5),
                   "loss_history": hist, **m}


def export(model, rec, a, out):
    os.makedirs(out, exist_ok=True)
    H, dh, L = model.H, model.dh, model.L
    cfg = {"model_type": "sinkscope_averaging", "d_input": a.d_input, "hidden_size": a.d, "num_hidden_layers": L,
           "num_attention_heads": H, "head_dim": dh, "max_position_embeddings": 64, "sep_index": a.d_input,
           "input_encoding": "x_t in R^(d_input+1): a vector v is [v, 0]; [SEP] is [0,...,0, 1] (index sep_index)",
           "target": "mean of the vectors since the most recent [SEP]; [SEP] positions excluded from the loss"}
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
    t = {"embed_in.weight": model.embed_in.weight, "readout.weight": model.readout.weight}
    for l in range(L):
        t[f"layers.{l}.self_attn.q_proj.weight"] = model.q[l].weight
        t[f"layers.{l}.self_attn.k_proj.weight"] = model.k[l].weight
        t[f"layers.{l}.self_attn.v_proj.weight"] = model.v[l].weight
        t[f"layers.{l}.self_attn.o_proj.weight"] = model.o[l].weight
    st_io.save({k: v.detach().float().numpy() for k, v in t.items()}, os.path.join(out, "model.safetensors"))
    # golden: 3 fixed sequences
    g = torch.Generator().manual_seed(777)
    x, y, sep, _, _ = make_batch(3, a.T, a.d_input, a.p_sep, g)
    with torch.no_grad():
        pred, taps = model(x, taps=True)
    gold = {}
    for i in range(3):
        gold[f"s{i}.inputs"] = x[i].numpy()  # [T, d_input+1]
        gold[f"s{i}.targets"] = y[i].numpy()  # [T, d_input]
        gold[f"s{i}.logits"] = pred[i].numpy()  # [T, d_input]: the predictions
        for l in range(L):
            gold[f"s{i}.blocks.{l}.attn_pattern"] = taps[f"blocks.{l}.attn_pattern"][i].numpy()  # [H, T, T]
    st_io.save(gold, os.path.join(out, "golden.safetensors"), metadata={"what": "3 fixed sequences (seed 777): inputs, targets, predictions (logits), attention patterns"})
    json.dump(rec, open(os.path.join(out, "metrics.json"), "w"), indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--d-input", dest="d_input", type=int, default=8)
    ap.add_argument("--T", type=int, default=48)
    ap.add_argument("--p-sep", dest="p_sep", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--out", default="training/out/averaging")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--export-all", type=int, default=1, help="write models/averaging-<seed>-style folders for every seed under <out>/export")
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        model, rec = train_seed(seed, a)
        torch.save(model.state_dict(), os.path.join(a.out, f"seed{seed}.pt"))
        with open(os.path.join(a.out, "results.jsonl"), "a") as f:
            f.write(json.dumps({**rec, "args": vars(a)}) + "\n")
        if a.export_all:
            export(model, rec, a, os.path.join(a.out, "export", f"averaging-{seed}"))
        print(json.dumps({k: rec[k] for k in ("seed", "final_loss", "zero_pred_loss", "catch_rate", "tag_alignment", "release", "formed")}), flush=True)


if __name__ == "__main__":
    main()
