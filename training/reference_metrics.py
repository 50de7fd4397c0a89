#!/usr/bin/env python3
"""Reference implementation of sinkscope's metrics (names as in docs/metrics.md).

The same definitions as src/analysis (see analysis.h for each one), written
independently in numpy (float64), so the C++ code can be checked against it
(tests/unit/analysis/parity.cpp, within 1e-4).

    reference_metrics.py MODEL_DIR OUT.json [--text T | --ids 1,2,3 ...] [--seeds 3]
    reference_metrics.py --write-construction DIR   # the hand-built averaging model

Model families: "sinkscope_averaging" (numpy forward, needs numpy only) and
Hugging Face Llama (transformers + torch; taps captured by hooks, attention
from output_attentions with eager attention).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# ---------------------------------------------------------------- settings
SETTINGS = dict(sink_eps=0.2, catch_tau=0.5, massive_abs=100.0, massive_rel=1000.0, top_k=10)


# ---------------------------------------------------------------- safetensors (numpy only)
def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b : base + e]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            a = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name}: dtype {dt} not supported")
        out[name] = a.reshape(info["shape"]).astype(np.float64)
    return out


def save_safetensors_f32(path, tensors):
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = dict(dtype="F32", shape=list(a.shape), data_offsets=[off, off + len(b)])
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---------------------------------------------------------------- the metrics
def sink_scores(A):
    """A [T, T] (rows = queries): mean attention key k gets from queries i >= k."""
    T = A.shape[0]
    return np.tril(A).sum(axis=0) / (T - np.arange(T))


def caught_queries(A, s, tau):
    return [i for i in range(s, A.shape[0]) if A[i, s] >= tau]


def longest_run(p):
    best, a = (0, 0), 0
    for b in range(len(p)):
        if b > 0 and p[b] != p[b - 1] + 1:
            a = b
        if p[b] - p[a] + 1 > best[1] - best[0]:
            best = (p[a], p[b] + 1)
    return best


def cosine(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def head_pca(X):
    """X [T, d]: variance shares of the top 1 and 2 principal directions, and pc1."""
    Xc = X - X.mean(axis=0)
    total = (Xc**2).sum() / X.shape[0]
    if not total > 0:
        return None
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    lam = S**2 / X.shape[0]
    pc1 = Vt[0]
    if pc1[np.argmax(np.abs(pc1))] < 0:
        pc1 = -pc1
    return dict(var_top1=float(lam[0] / total), var_top2=float(lam[:2].sum() / total), pc1=pc1)


def rope(x, pos, rot, theta):
    """HF rotate_half RoPE on the first `rot` dims of x [..., dh] at position pos."""
    half = rot // 2
    inv = 1.0 / (theta ** (np.arange(0, rot, 2, dtype=np.float64) / rot))
    ang = pos * inv
    c, s = np.cos(ang), np.sin(ang)
    y = x.copy()
    a, b = x[..., :half], x[..., half:rot]
    y[..., :half] = a * c - b * s
    y[..., half:rot] = b * c + a * s
    return y


def release(cfg, W, taps, sink, tag):
    """Lift and tag_score_share of every head of every later layer (analysis.h, struct Release)."""
    L, H, dh, d = cfg["L"], cfg["H"], cfg["dh"], cfg["d"]
    C = sink["caught"]
    n = len(C)
    tn = np.linalg.norm(tag)
    unit = tag / tn if tn > 0 else np.zeros(d)
    out = []
    for lp in range(sink["layer"] + 1, L):
        A = taps["attn_pattern"][lp]  # [H, T, T]
        q, k, x = taps["q"][lp], taps["k"][lp], taps["resid_pre"][lp]  # [T,H,dh], [T,Hkv,dh], [T,d]
        hkv = k.shape[1]
        ln_w = W["ln1"][lp]
        ktag = {}
        if n > 0 and tn > 0:
            xs = x[C]
            a = xs @ unit
            if ln_w is None:
                inv_norm = np.ones(n)
                u = unit.copy()
            else:  # RMSNorm (Llama)
                inv_norm = 1.0 / np.sqrt((xs**2).mean(axis=1) + cfg["norm_eps"])
                u = unit * ln_w
            for g in range(hkv):
                kappa = W["wk"][lp][g * dh : (g + 1) * dh] @ u
                rows = []
                for r, i in enumerate(C):
                    kk = rope(kappa, i, cfg["rot"], cfg["theta"]) if cfg["rope"] else kappa
                    rows.append(kk * a[r] * inv_norm[r])
                ktag[g] = np.array(rows)
        for h in range(H):
            Ah = A[h]
            mass = uni = 0.0
            for ja, j in enumerate(C):
                mass += sum(Ah[j, C[ib]] for ib in range(ja + 1))
                uni += (ja + 1) / (j + 1)
            r = dict(layer=lp, head=h, mass_caught=mass / n if n else 0.0, uniform_caught=uni / n if n else 0.0)
            r["lift"] = mass / uni if uni > 0 else 0.0
            share = 0.0
            if ktag:
                g = h // (H // hkv)
                Q = q[C, h]  # [n, dh]
                S = Q @ k[C, g].T
                St = Q @ ktag[g].T
                mask = np.tril(np.ones((n, n)))
                att = Ah[np.ix_(C, C)] * mask
                den = (att * np.abs(S)).sum()
                share = float((att * St).sum() / den) if den > 0 else 0.0
            r["tag_score_share"] = share
            out.append(r)
    return out


def massive(resid, layer, st):
    mag = np.abs(resid).ravel()
    med = float(np.median(mag))
    d = resid.shape[1]
    ratio = lambda m: float(m / med) if med > 0 else float("inf")
    order = np.argsort(-mag, kind="stable")
    entry = lambda i: dict(layer=layer, token=int(i // d), dim=int(i % d), value=float(resid.ravel()[i]), ratio_to_median=ratio(mag[i]))
    over = [entry(i) for i in order if mag[i] > st["massive_abs"] and mag[i] > st["massive_rel"] * med]
    return dict(median_abs=med, max_abs=float(mag.max()), top=[entry(i) for i in order[: st["top_k"]]], over_threshold=over)


def analyze(cfg, W, taps, st=SETTINGS):
    L, H = cfg["L"], cfg["H"]
    T = taps["attn_pattern"][0].shape[1]
    res = dict(T=T, sink_score=[], sink_share_per_layer=[], sinks=[], massive=[])
    n0 = 0
    for l in range(L):
        A = taps["attn_pattern"][l]
        row, c0 = [], 0
        for h in range(H):
            sc = sink_scores(A[h])
            row.append(sc.tolist())
            c0 += int(sc[0] > st["sink_eps"])
            for key in np.nonzero(sc > st["sink_eps"])[0]:
                key = int(key)
                s = dict(layer=l, head=h, key=key, score=float(sc[key]), kind="bos" if key == 0 else "other")
                s["caught"] = caught_queries(A[h], key, st["catch_tau"])
                s["catch_span"] = list(longest_run(s["caught"]))
                g = h // (H // taps["v"][l].shape[1])
                dh = cfg["dh"]
                tag = taps["v"][l][key, g] @ W["wo"][l][:, h * dh : (h + 1) * dh].T  # [d]
                s["tag"] = tag.tolist()
                s["tag_norm"] = float(np.linalg.norm(tag))
                ho = taps["head_out"][l][h]  # [T, d]
                s["tag_alignment"] = [cosine(ho[i], tag) for i in range(T)]
                p = head_pca(ho)
                if p is not None:
                    s.update(var_top1=p["var_top1"], var_top2=p["var_top2"], cos_top_pc_tag=abs(cosine(p["pc1"], tag)))
                proj, proj_o = [], []
                unit = tag / s["tag_norm"] if s["tag_norm"] > 0 else None
                for l2 in range(l, L):
                    if unit is None:
                        break
                    pr = taps["resid_post"][l2] @ unit
                    mask = np.zeros(T, bool)
                    mask[s["caught"]] = True
                    proj.append(float(pr[mask].mean()) if mask.any() else 0.0)
                    proj_o.append(float(pr[~mask].mean()) if (~mask).any() else 0.0)
                s["tag_projection"], s["tag_projection_others"] = proj, proj_o
                s["release"] = release(cfg, W, taps, s, tag)
                res["sinks"].append(s)
        res["sink_score"].append(row)
        res["sink_share_per_layer"].append(c0 / H)
        n0 += c0
    res["sink1_share"] = n0 / (L * H)
    for l in range(L):
        res["massive"].append(massive(taps["resid_post"][l], l, st))
    return res


# ---------------------------------------------------------------- averaging family (numpy forward)
def load_averaging(model_dir):
    cfg_j = json.load(open(os.path.join(model_dir, "config.json")))
    t = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    L, H, dh, d = cfg_j["num_hidden_layers"], cfg_j["num_attention_heads"], cfg_j["head_dim"], cfg_j["hidden_size"]
    cfg = dict(L=L, H=H, dh=dh, d=d, rope=False, rot=dh, theta=10000.0, norm_eps=0.0, d_input=cfg_j["d_input"])
    W = dict(embed=t["embed_in.weight"], readout=t["readout.weight"], ln1=[None] * L, wq=[], wk=[], wv=[], wo=[])
    for l in range(L):
        for m in "qkvo":
            W["w" + m].append(t[f"layers.{l}.self_attn.{m}_proj.weight"])
    return cfg, W


def forward_averaging(cfg, W, x):
    """x [T, input columns] -> taps (float64), the spec's attention-only model."""
    L, H, dh = cfg["L"], cfg["H"], cfg["dh"]
    T = x.shape[0]
    h = x @ W["embed"].T
    taps = {k: [] for k in ["resid_pre", "q", "k", "v", "attn_pattern", "head_out", "resid_post"]}
    mask = np.tril(np.ones((T, T), bool))
    for l in range(L):
        taps["resid_pre"].append(h.copy())
        q = (h @ W["wq"][l].T).reshape(T, H, dh)
        k = (h @ W["wk"][l].T).reshape(T, H, dh)
        v = (h @ W["wv"][l].T).reshape(T, H, dh)
        S = np.einsum("ihe,jhe->hij", q, k) / math.sqrt(dh)
        S = np.where(mask[None], S, -np.inf)
        S -= S.max(axis=2, keepdims=True)
        A = np.exp(S)
        A /= A.sum(axis=2, keepdims=True)
        z = np.einsum("hij,jhe->ihe", A, v)
        ho = np.stack([z[:, hh] @ W["wo"][l][:, hh * dh : (hh + 1) * dh].T for hh in range(H)])
        h = h + ho.sum(axis=0)
        for name, val in [("q", q), ("k", k), ("v", v), ("attn_pattern", A), ("head_out", ho), ("resid_post", h.copy())]:
            taps[name].append(val)
    taps["logits"] = h @ W["readout"].T
    return taps


def averaging_inputs(T, d_input, seed, p_sep=0.1, cfg_j=None):
    """One input sequence [T, input columns] of the model's task (config.json "task"):
    "single"/"single01": one [SEP] uniform in [1 (2 with BOS), T-2], BOS flag at position 0
    when the config has bos_index, the constant column when it has const_index;
    otherwise (old models) [SEP] at 0 and at rate p_sep."""
    cfg_j = cfg_j or {}
    rng = np.random.default_rng(seed)
    bos, cst = cfg_j.get("bos_index"), cfg_j.get("const_index")
    width = d_input + 1 + (bos is not None) + (cst is not None)
    x = np.zeros((T, width))
    if cfg_j.get("task", "multi") in ("single", "single01"):
        lo = 2 if bos is not None else 1
        sep = int(rng.integers(lo, T - 1))
        for t in range(T):
            if t == sep:
                x[t, d_input] = 1.0
            elif t == 0 and bos is not None:
                x[t, bos] = 1.0
            else:
                x[t, :d_input] = rng.standard_normal(d_input)
        if cst is not None:
            x[:, cst] = 1.0
        return x.astype(np.float32).astype(np.float64)
    for t in range(T):
        if t == 0 or rng.random() < p_sep:
            x[t, d_input] = 1.0
        else:
            x[t, :d_input] = rng.standard_normal(d_input)
    return x.astype(np.float32).astype(np.float64)  # what the C++ side reads back exactly


def write_construction(dirname):
    """The hand-built averaging model of tests/unit/support/analysis_fixtures.h
    (averaging_construction), in the spec's file format."""
    din, d, dh, gamma = 8, 19, 8, 1.0
    sq = math.sqrt(dh)
    b1, b2 = np.float32(10 * sq), np.float32(40 * sq / (gamma * gamma))
    emb = np.zeros((d, din + 1)); emb[np.arange(din + 1), np.arange(din + 1)] = 1
    z = lambda *s: np.zeros(s)
    q0, k0, v0, o0 = z(dh, d), z(dh, d), z(dh, d), z(d, dh)
    q0[0, : din + 1] = b1; k0[0, 8] = 1; v0[0, 8] = 1; v0[1, :din] = np.float32(1.0 / din); o0[9, 0] = gamma; o0[18, 1] = 1
    q1, k1, v1, o1 = z(dh, d), z(dh, d), z(dh, d), z(d, dh)
    q1[0, 9] = b2; k1[0, 9] = 1; k1[0, 8] = -2 * gamma
    for j in range(din):
        v1[j, j] = 1; o1[10 + j, j] = 1
    ro = z(din, d); ro[np.arange(din), 10 + np.arange(din)] = 1
    t = {"embed_in.weight": emb, "readout.weight": ro}
    for l, (q, k, v, o) in enumerate([(q0, k0, v0, o0), (q1, k1, v1, o1)]):
        for m, a in zip("qkvo", (q, k, v, o)):
            t[f"layers.{l}.self_attn.{m}_proj.weight"] = a
    os.makedirs(dirname, exist_ok=True)
    cfg = dict(model_type="sinkscope_averaging", d_input=din, hidden_size=d, num_hidden_layers=2, num_attention_heads=1,
               head_dim=dh, max_position_embeddings=64, sep_index=din)
    json.dump(cfg, open(os.path.join(dirname, "config.json"), "w"), indent=1)
    save_safetensors_f32(os.path.join(dirname, "model.safetensors"), t)


# ---------------------------------------------------------------- Hugging Face Llama (torch)
DEFAULT_TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife. However little known the feelings or views of such a man may be "
    "on his first entering a neighbourhood, this truth is so well fixed in the minds of the "
    "surrounding families.\nIn the beginning God created the heaven and the earth. And the earth "
    "was without form, and void; and darkness was upon the face of the deep."
)


def llama_taps(model_dir, ids_list):
    import torch
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    c = m.config
    H, d = c.num_attention_heads, c.hidden_size
    dh = getattr(c, "head_dim", None) or d // H
    theta = getattr(c, "rope_theta", None) or (getattr(c, "rope_parameters", None) or {}).get("rope_theta", 10000.0)
    cfg = dict(L=c.num_hidden_layers, H=H, dh=dh, d=d, rope=True, rot=dh, theta=float(theta), norm_eps=c.rms_norm_eps)
    layers = m.model.layers
    W = dict(ln1=[], wk=[], wo=[])
    for lay in layers:
        W["ln1"].append(lay.input_layernorm.weight.detach().double().numpy())
        W["wk"].append(lay.self_attn.k_proj.weight.detach().double().numpy())
        W["wo"].append(lay.self_attn.o_proj.weight.detach().double().numpy())
    cases = []
    for ids in ids_list:
        cap = {}
        hooks = []
        for l, lay in enumerate(layers):
            hooks.append(lay.register_forward_pre_hook(lambda mod, args, kw, l=l: cap.__setitem__(("pre", l), (args[0] if args else kw["hidden_states"]).detach()), with_kwargs=True))
            hooks.append(lay.register_forward_hook(lambda mod, a, out, l=l: cap.__setitem__(("post", l), (out[0] if isinstance(out, tuple) else out).detach())))
            for nm in ("q_proj", "k_proj", "v_proj"):
                hooks.append(getattr(lay.self_attn, nm).register_forward_hook(lambda mod, a, out, l=l, nm=nm: cap.__setitem__((nm, l), out.detach())))
        with torch.no_grad():
            out = m(torch.tensor([ids]), output_attentions=True)
        for hk in hooks:
            hk.remove()
        T = len(ids)
        taps = {k: [] for k in ["resid_pre", "q", "k", "v", "attn_pattern", "head_out", "resid_post"]}
        for l in range(cfg["L"]):
            q = cap[("q_proj", l)][0].double().numpy().reshape(T, H, dh)
            k = cap[("k_proj", l)][0].double().numpy().reshape(T, -1, dh)
            v = cap[("v_proj", l)][0].double().numpy().reshape(T, -1, dh)
            q = np.stack([rope(q[i], i, dh, cfg["theta"]) for i in range(T)])
            k = np.stack([rope(k[i], i, dh, cfg["theta"]) for i in range(T)])
            A = out.attentions[l][0].double().numpy()  # [H, T, T]
            g = H // k.shape[1]
            z = np.einsum("hij,jhe->ihe", A, np.repeat(v, g, axis=1))
            ho = np.stack([z[:, h] @ W["wo"][l][:, h * dh : (h + 1) * dh].T for h in range(H)])
            for name, val in [("resid_pre", cap[("pre", l)][0].double().numpy()), ("q", q), ("k", k), ("v", v),
                              ("attn_pattern", A), ("head_out", ho), ("resid_post", cap[("post", l)][0].double().numpy())]:
                taps[name].append(val)
        cases.append(taps)
    return cfg, W, cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--ids", action="append", help="comma-separated ids, used exactly as given (repeatable)")
    ap.add_argument("--text", help="text to tokenize (BOS prepended when the model has one)")
    ap.add_argument("--ctx", type=int, default=64, help="tokens per window of --text")
    ap.add_argument("--seeds", type=int, default=3, help="averaging models: number of random input sequences")
    ap.add_argument("--T", type=int, default=32, help="averaging models: sequence length")
    ap.add_argument("--write-construction", metavar="DIR")
    a = ap.parse_args()
    if a.write_construction:
        write_construction(a.write_construction)
        return
    if not a.model_dir or not a.out:
        ap.error("MODEL_DIR and OUT are required")
    cfg_j = json.load(open(os.path.join(a.model_dir, "config.json")))
    result = dict(model=os.path.basename(os.path.normpath(a.model_dir)), settings=SETTINGS, cases=[])
    if cfg_j.get("model_type") == "sinkscope_averaging":
        cfg, W = load_averaging(a.model_dir)
        T = cfg_j.get("train_T", a.T)  # the models of the single-[SEP] task say their training length
        for seed in range(a.seeds):
            x = averaging_inputs(T, cfg["d_input"], seed, cfg_j=cfg_j)
            taps = forward_averaging(cfg, W, x)
            result["cases"].append(dict(inputs=x.tolist(), metrics=analyze(cfg, W, taps)))
    else:
        ids_list = [[int(t) for t in s.split(",")] for s in (a.ids or [])]
        if not ids_list:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
            ids = tok.encode(a.text or DEFAULT_TEXT, add_special_tokens=False).ids
            bos = cfg_j.get("bos_token_id")
            step = a.ctx - (1 if bos is not None else 0)
            for b in range(0, max(1, len(ids) - step + 1), step):
                w = ids[b : b + step]
                ids_list.append(([bos] if bos is not None else []) + w)
            ids_list = ids_list[:3]
        cfg, W, cases = llama_taps(a.model_dir, ids_list)
        for ids, taps in zip(ids_list, cases):
            result["cases"].append(dict(ids=ids, metrics=analyze(cfg, W, taps)))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f)
    print(f"wrote {a.out}: {len(result['cases'])} cases, {sum(len(c['metrics']['sinks']) for c in result['cases'])} sinks")


if __name__ == "__main__":
    main()
