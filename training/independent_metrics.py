#!/usr/bin/env python3
"""Independent numpy reference of sinkscope's metrics (docs/metrics.md).

Written from docs/metrics.md alone: every metric is recomputed from the taps
and weights that `sinkscope-cli analyze --dump FILE` writes, in float64, and
compared with the CLI's JSON (next_token_loss: its `loss`) at the tolerances
of the page's last section. The Compression section's transforms (sparse,
lowrank, oats) are recomputed from the original matrices that
`sinkscope-cli compress` writes next to its compressed ones, and compared at
1e-4 of max(1, max|W|), the parameter counts exactly.

    python3 training/independent_metrics.py --cli build/native/sinkscope-cli [--work DIR] [--card [N]]
    python3 training/independent_metrics.py --self-test

Prints one table for the analysis cases and one for the compression cases,
then `independent reference: N passed, M failed`; exits 1 on any failure.
Temporary files go to a fresh tempfile.mkdtemp() folder that is deleted
(unless --work names a folder to keep them in). --card (opt-in, minutes) also
recomputes the demo model card's held-out figures from the CLI's dumps.

Python 3 standard library + numpy only.
"""

import argparse
import json
import math
import os
import re
import shutil
import string
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402  (the repository's minimal safetensors writer)

TOL = 1e-4
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --------------------------------------------------------------------------
# safetensors (read and, for the self-test, write)
# --------------------------------------------------------------------------

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8",
           "U8": "u1", "I8": "i1"}


def read_safetensors(path):
    """Returns (tensors: name -> float64/int ndarray, metadata: name -> str)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt == "BF16":
            b0, b1 = info["data_offsets"]
            u16 = np.frombuffer(raw[base + b0:base + b1], dtype="<u2")
            arr = (u16.astype(np.uint32) << 16).view(np.float32)
        else:
            b0, b1 = info["data_offsets"]
            arr = np.frombuffer(raw[base + b0:base + b1], dtype=_DTYPES[dt])
        arr = arr.reshape(info["shape"])
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float64)
        tensors[name] = arr
    return tensors, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes every tensor as F32 (the self-test's synthetic dumps), through training/st_io.py."""
    st_io.save({name: np.asarray(arr, dtype=np.float32) for name, arr in tensors.items()}, path,
               {k: str(v) for k, v in (metadata or {}).items()})


class Dump:
    """The taps, weights and metadata of one analysed pass."""

    def __init__(self, tensors, meta):
        self.t = tensors
        self.meta = {}
        for k, v in meta.items():
            try:
                self.meta[k] = json.loads(v)
            except (TypeError, ValueError):
                self.meta[k] = v
        cfg = self.meta["config"]
        self.cfg = cfg
        self.settings = self.meta["settings"]
        self.L = int(cfg["n_layers"])
        self.H = int(cfg["n_heads"])
        self.Hkv = int(cfg.get("n_kv_heads") or self.H)
        self.d = int(cfg["d_model"])
        self.dh = int(cfg["d_head"])
        self.T = int(self.t["blocks.0.attn_pattern"].shape[-1])
        ids = self.meta.get("ids")
        self.ids = list(ids) if isinstance(ids, list) else None
        tok = self.meta.get("tokens")
        self.tokens = list(tok) if isinstance(tok, list) else None

    @classmethod
    def load(cls, path):
        return cls(*read_safetensors(path))

    def tap(self, l, name):
        return self.t["blocks.%d.%s" % (l, name)]

    def weight(self, l, name):
        return self.t.get("weights.%d.%s" % (l, name))


# --------------------------------------------------------------------------
# Catch
# --------------------------------------------------------------------------

def sink_scores(A):
    """A [..., T, T] (rows are queries) -> sink_score [..., T]:
    mean over the T-k queries i >= k of A[i, k]."""
    T = A.shape[-1]
    lower = np.tril(np.ones((T, T), dtype=bool))          # i >= k
    sums = np.where(lower, A, 0.0).sum(axis=-2)
    return sums / (T - np.arange(T))


def uniform_scores(T):
    """uniform_score(k) = (1/(T-k)) sum_{i=k}^{T-1} 1/(i+1)."""
    inv = 1.0 / np.arange(1, T + 1, dtype=np.float64)
    tail = np.cumsum(inv[::-1])[::-1]                    # sum_{i>=k} 1/(i+1)
    return tail / (T - np.arange(T))


def sink_mask(score, uniform, eps, min_queries, factor):
    """The significance rule, elementwise over the trailing key axis."""
    T = score.shape[-1]
    enough = (T - np.arange(T)) >= min_queries
    return enough & (score > eps) & (score >= factor * uniform)


def sink_clear(score, uniform, eps, factor):
    """A key is clear of every threshold when its score is more than TOL from
    eps and from factor * uniform_score (condition 1 is exact)."""
    return (np.abs(score - eps) > TOL) & (np.abs(score - factor * uniform) > TOL)


_ASCII_PUNCT = frozenset(string.punctuation)
_ASCII_PUNCT_BYTES = frozenset(string.punctuation.encode("ascii"))


def _bytes_to_unicode():
    """The byte-level BPE alphabet (GPT-2): byte -> the character that spells it."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_DECODER = {c: b for b, c in _bytes_to_unicode().items()}     # 'Ġ' -> 0x20, 'Ċ' -> 0x0A


def token_bytes(text, byte_level):
    """The bytes a vocabulary entry spells: byte-level BPE forms ('Ġthe', 'Ċ')
    mapped back to their bytes; otherwise the UTF-8 text with the SentencePiece
    marker '▁' as a space and byte-fallback pieces '<0xNN>' as their byte."""
    if byte_level and all(c in BYTE_DECODER for c in text):
        return bytes(BYTE_DECODER[c] for c in text)
    m = re.fullmatch(r"<0x([0-9A-Fa-f]{2})>", text)
    if m:
        return bytes([int(m.group(1), 16)])
    return text.replace("\u2581", " ").encode("utf-8")


def sink_kind(key, tokens):
    """bos / newline / punctuation / other. tokens[key] is the token's bytes
    (from the vocabulary) or its text (str, e.g. the dump's decoded tokens)."""
    if key == 0:
        return "bos"
    if tokens is None or key >= len(tokens) or tokens[key] is None:
        return "other"
    tok = tokens[key]
    if isinstance(tok, (bytes, bytearray)):
        if b"\n" in tok:
            return "newline"
        core = [b for b in tok if b not in (0x20, 0x09)]             # spaces, tabs
        if core and all(b in _ASCII_PUNCT_BYTES for b in core):
            return "punctuation"
        return "other"
    if "\n" in tok or "\u010a" in tok:                             # 'Ċ'
        return "newline"
    core = [c for c in tok if c not in (" ", "\t", "\u0120", "\u2581")]   # ' ', tab, 'Ġ', '▁'
    if core and all(c in _ASCII_PUNCT for c in core):
        return "punctuation"
    return "other"


def caught_queries(col, s, tau):
    """col = A[:, s] -> ascending queries i >= s with A[i, s] >= tau."""
    idx = np.arange(s, col.shape[0])
    return idx[col[s:] >= tau]


def longest_run(positions):
    """Longest run of consecutive integers in an ascending list, earliest on a
    tie, as a half-open [b, e); [0, 0) when empty."""
    p = np.asarray(positions, dtype=np.int64)
    if p.size == 0:
        return (0, 0)
    breaks = np.flatnonzero(np.diff(p) != 1) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [p.size]))
    r = int(np.argmax(ends - starts))                    # argmax: first maximum
    return (int(p[starts[r]]), int(p[ends[r] - 1]) + 1)


# --------------------------------------------------------------------------
# Tag
# --------------------------------------------------------------------------

def cosine_rows(X, y):
    """cos of each row of X with y, 0 when either vector is 0."""
    nx = np.sqrt((X * X).sum(axis=-1))
    ny = math.sqrt(float(y @ y))
    dots = X @ y
    out = np.zeros(X.shape[0])
    ok = (nx > 0) & (ny > 0)
    out[ok] = dots[ok] / (nx[ok] * ny)
    return out


def pca_head(X):
    """X [T, d] -> (var_top1, var_top2, pc1, pc2, coords, gap) with gap =
    (lambda_1 - lambda_2) / total (0 when the total variance is 0). All are 0
    when the total variance is 0."""
    T, d = X.shape
    Xc = X - X.mean(axis=0, keepdims=True)
    C = Xc.T @ Xc / T
    total = float(np.trace(C))
    if not total > 0:
        z = np.zeros(d)
        return 0.0, 0.0, z, z.copy(), np.zeros((T, 2)), 0.0
    lam, vec = np.linalg.eigh(C)
    order = np.argsort(-lam, kind="stable")
    lam, vec = lam[order], vec[:, order]
    pcs = []
    for c in range(min(2, vec.shape[1])):
        v = vec[:, c]
        if v[int(np.argmax(np.abs(v)))] < 0:
            v = -v
        pcs.append(v)
    while len(pcs) < 2:
        pcs.append(np.zeros(d))
    l1 = float(lam[0]) if lam.size > 0 else 0.0
    l2 = float(lam[1]) if lam.size > 1 else 0.0
    coords = np.stack([Xc @ pcs[0], Xc @ pcs[1]], axis=1)
    return l1 / total, (l1 + l2) / total, pcs[0], pcs[1], coords, (l1 - l2) / total


# --------------------------------------------------------------------------
# Release
# --------------------------------------------------------------------------

def rope_rotate(x, positions, inv_freq, rotary_dim):
    """Rotate-half RoPE of x [n, ..., dh] at positions [n] on the first
    rotary_dim dims: pairs (x[c], x[c + half]), half = rotary_dim / 2."""
    x = np.array(x, dtype=np.float64, copy=True)
    half = rotary_dim // 2
    if half == 0:
        return x
    ang = np.asarray(positions, dtype=np.float64)[:, None] * np.asarray(inv_freq[:half], dtype=np.float64)[None, :]
    shape = (ang.shape[0],) + (1,) * (x.ndim - 2) + (half,)
    cos, sin = np.cos(ang).reshape(shape), np.sin(ang).reshape(shape)
    a = x[..., :half].copy()
    b = x[..., half:2 * half].copy()
    x[..., :half] = a * cos - b * sin
    x[..., half:2 * half] = b * cos + a * sin
    return x


def norm_as_linear(U, Xin, norm, w, eps):
    """The layer's input norm as a linear map of U [n, d] with the statistics
    of Xin [n, d] (each row its own token). No bias."""
    if norm == "none" or w is None:
        return U
    if norm == "rmsnorm":
        rms = np.sqrt((Xin * Xin).mean(axis=1) + eps)
        return w[None, :] * U / rms[:, None]
    if norm == "layernorm":
        var = Xin.var(axis=1)                            # population variance
        return w[None, :] * (U - U.mean(axis=1, keepdims=True)) / np.sqrt(var + eps)[:, None]
    raise ValueError("unknown norm %r" % (norm,))


def release_lift(Ap, s, C):
    """Ap [H', T, T] of a later layer; caught set C (ascending, contiguous or not).
    Returns mass_caught, uniform_caught, lift, each [H']."""
    Hp, T = Ap.shape[0], Ap.shape[-1]
    C = np.asarray(C, dtype=np.int64)
    if C.size == 0:
        z = np.zeros(Hp)
        return z, z.copy(), z.copy()
    js = np.arange(int(C.min()), T)
    seen = C[None, :] <= js[:, None]                     # [nj, nC]: i in C, i <= j
    rows = Ap[:, js, :]                                  # [H', nj, T]
    mass = (rows[:, :, C] * seen[None]).sum(axis=-1)     # [H', nj]
    base = (1.0 - rows[:, :, s]) * seen.sum(axis=1)[None, :] / js[None, :]
    mass_c = mass.mean(axis=1)
    uni_c = base.mean(axis=1)
    lift = np.zeros(Hp)
    nz = uni_c != 0
    lift[nz] = mass_c[nz] / uni_c[nz]
    return mass_c, uni_c, lift


def tag_score_share(dump, lp, C, tag):
    """For every head h' of layer lp: the share of the score between tagged
    tokens that comes from the tag direction. Returns [H]."""
    H, Hkv, dh = dump.H, dump.Hkv, dump.dh
    C = np.asarray(C, dtype=np.int64)
    out = np.zeros(H)
    tn = math.sqrt(float(tag @ tag))
    if C.size == 0 or tn == 0:
        return out
    t = tag / tn
    Xin = dump.tap(lp, "resid_pre")[C]                   # [nC, d]
    a = Xin @ t
    U = a[:, None] * t[None, :]
    cfg = dump.cfg
    normed = norm_as_linear(U, Xin, cfg.get("norm", "none"), dump.weight(lp, "ln1_w"),
                            float(cfg.get("norm_eps", 0.0)))
    Wk = dump.weight(lp, "wk")                           # [Hkv*dh, d]
    ktag = (normed @ Wk.T).reshape(C.size, Hkv, dh)
    if cfg.get("rope"):
        ktag = rope_rotate(ktag, C, dump.t["rope_inv_freq"], int(cfg["rotary_dim"]))
    q = dump.tap(lp, "q")[C]                             # [nC, H, dh]
    k = dump.tap(lp, "k")[C]                             # [nC, Hkv, dh]
    g = np.arange(H) // (H // Hkv)
    S = np.einsum("jhe,ihe->hji", q, k[:, g])            # q_j . k_i
    Stag = np.einsum("jhe,ihe->hji", q, ktag[:, g])      # q_j . k_i^tag
    Ap = dump.tap(lp, "attn_pattern")[:, C][:, :, C]     # [H, j, i]
    pairs = C[None, :] <= C[:, None]                     # i <= j
    P = Ap * pairs[None]
    num = (P * Stag).sum(axis=(1, 2))
    den = (P * np.abs(S)).sum(axis=(1, 2))
    nz = den != 0
    out[nz] = num[nz] / den[nz]
    return out


# --------------------------------------------------------------------------
# Outliers, loss
# --------------------------------------------------------------------------

def massive_layer(Hl, massive_abs, massive_rel, top_k):
    a = np.abs(Hl).ravel()
    med = float(np.median(a))
    mx = float(a.max()) if a.size else 0.0
    order = np.lexsort((np.arange(a.size), -a))          # |h| desc, flat index asc
    over = (a > massive_abs) & (a > massive_rel * med)
    over_idx = [int(i) for i in order if over[i]]
    top_idx = [int(i) for i in order[:top_k]]
    return med, mx, top_idx, over_idx, a


def next_token_loss(logits, ids):
    z = np.asarray(logits, dtype=np.float64)
    T = z.shape[0]
    if T < 2:
        return None
    m = z.max(axis=1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))[:T - 1]
    tgt = z[np.arange(T - 1), np.asarray(ids[1:T], dtype=np.int64)]
    return float((lse - tgt).mean())


# --------------------------------------------------------------------------
# compute(): every metric of one dump, in the CLI's JSON shape (plus extras)
# --------------------------------------------------------------------------

def compute(dump, tokens=None):
    """Every metric of one dump. tokens: the token texts for the sink kinds
    (default: the dump's own `tokens`)."""
    if tokens is None:
        tokens = dump.tokens
    st = dump.settings
    eps, minq = float(st["sink_eps"]), int(st["sink_min_queries"])
    factor, eps1 = float(st["sink_uniform_factor"]), float(st["sink1_eps"])
    tau = float(st["catch_tau"])
    L, H, Hkv, T, d = dump.L, dump.H, dump.Hkv, dump.T, dump.d

    A = np.stack([dump.tap(l, "attn_pattern") for l in range(L)])    # [L, H, T, T]
    score = sink_scores(A)                                           # [L, H, T]
    uni = uniform_scores(T)                                          # [T]
    is_sink = sink_mask(score, uni, eps, minq, factor)
    clear = sink_clear(score, uni, eps, factor)
    is_sink1 = sink_mask(score, uni, eps1, minq, factor)[..., 0]                 # key 0, [L, H]
    clear1 = sink_clear(score[..., 0], uni[0], eps1, factor) | (T < minq)

    out = {"T": T, "n_layers": L, "n_heads": H, "settings": dict(st),
           "sink_score": score.tolist(),
           "sink1_share": float(is_sink1.mean()),
           "sink1_share_per_layer": is_sink1.mean(axis=1).tolist(),
           "ids": dump.ids, "tokens": dump.tokens}

    # extras used by compare()
    out["_clear"] = clear
    out["_clear1"] = clear1
    out["_A"] = A
    out["_uniform"] = uni

    sinks, tags, release = [], [], []
    sink_map = np.zeros((L, H))
    sink_map_key = np.full((L, H), -1, dtype=np.int64)
    pca_cache = {}
    for l, h, s in np.argwhere(is_sink):
        l, h, s = int(l), int(h), int(s)
        col = A[l, h, :, s]
        caught = caught_queries(col, s, tau)
        span = longest_run(caught)
        sinks.append({"layer": l, "head": h, "key": s, "score": float(score[l, h, s]),
                      "uniform_score": float(uni[s]), "kind": sink_kind(s, tokens),
                      "catch_span": list(span), "caught_after": [max(span[0], s + 1), span[1]],
                      "caught": [int(i) for i in caught]})
        if score[l, h, s] > sink_map[l, h] or sink_map_key[l, h] < 0:
            sink_map[l, h], sink_map_key[l, h] = score[l, h, s], s

        # tag
        g = h // (H // Hkv)
        Wo = dump.weight(l, "wo")                                    # [d, H*dh]
        v = dump.tap(l, "v")[s, g]                                   # [dh]
        tag = Wo[:, h * dump.dh:(h + 1) * dump.dh] @ v
        tn = math.sqrt(float(tag @ tag))
        hout = dump.tap(l, "head_out")[h]                            # [T, d]
        align = cosine_rows(hout[s:], tag)
        in_c = np.zeros(T, dtype=bool)
        in_c[caught] = True
        proj, proj_o = [], []
        for l2 in range(l, L):
            if tn > 0:
                p = dump.tap(l2, "resid_post") @ (tag / tn)          # [T]
            else:
                p = np.zeros(T)
            proj.append(float(p[in_c].mean()) if in_c.any() else 0.0)
            proj_o.append(float(p[~in_c].mean()) if (~in_c).any() else 0.0)
        if (l, h) not in pca_cache:
            pca_cache[(l, h)] = pca_head(hout)
        v1, v2, pc1, _, _, gap = pca_cache[(l, h)]
        cos_pc = abs(float(pc1 @ tag)) / tn if (tn > 0 and v1 > 0) else 0.0
        tags.append({"layer": l, "head": h, "key": s, "tag_norm": tn, "tag": tag.tolist(),
                     "tag_alignment": align.tolist(), "tag_projection": proj,
                     "tag_projection_others": proj_o, "var_top1": v1, "var_top2": v2,
                     "cos_top_pc_tag": cos_pc, "_pc_gap": gap})

        # release: C = [b, e) without s
        b, e = span
        C = np.array([i for i in range(b, e) if i != s], dtype=np.int64)
        for lp in range(l + 1, L):
            mass, base, lift = release_lift(A[lp], s, C)
            share = tag_score_share(dump, lp, C, tag)
            for hp in range(H):
                release.append({"sink_layer": l, "sink_head": h, "sink_key": s,
                                "layer": lp, "head": hp, "mass_caught": float(mass[hp]),
                                "uniform_caught": float(base[hp]), "lift": float(lift[hp]),
                                "tag_score_share": float(share[hp])})
    out["sinks"] = sinks
    out["tags"] = tags
    out["release"] = release
    out["sink_map"] = sink_map.tolist()
    out["sink_map_key"] = sink_map_key.tolist()

    # massive activations
    massive, med_l, max_l, top_l, over_l, abs_l = [], [], [], [], [], []
    for l in range(L):
        Hl = dump.tap(l, "resid_post")
        med, mx, top_idx, over_idx, a = massive_layer(Hl, float(st["massive_abs"]),
                                                      float(st["massive_rel"]), int(st["top_k"]))
        med_l.append(med)
        max_l.append(mx)
        top_l.append(top_idx)
        over_l.append(set(over_idx))
        abs_l.append(a)
        flat = Hl.ravel()
        seen = set()
        for i in top_idx + over_idx:
            if i in seen:
                continue
            seen.add(i)
            massive.append({"layer": l, "dim": i % d, "token": i // d, "value": float(flat[i]),
                            "ratio_to_median": float(a[i] / med) if med > 0 else 0.0,
                            "over_threshold": i in over_l[-1]})
    out["massive"] = massive
    out["median_abs"] = med_l
    out["max_abs"] = max_l
    out["_massive_top"] = top_l
    out["_massive_over"] = over_l
    out["_massive_abs"] = abs_l

    # loss
    loss = None
    if "logits" in dump.t and dump.ids and len(dump.ids) == T:
        V = dump.t["logits"].shape[-1]
        if all(0 <= int(i) < V for i in dump.ids):
            loss = next_token_loss(dump.t["logits"], dump.ids)
    out["next_token_loss"] = loss
    return out


# --------------------------------------------------------------------------
# compare(): the reference against the CLI's JSON
# --------------------------------------------------------------------------

class _Acc:
    def __init__(self):
        self.rows = {}          # metric -> [n, maxdiff, ok]
        self.notes = []

    def _row(self, m):
        return self.rows.setdefault(m, [0, 0.0, True])

    def num(self, metric, ref, got, rel, where=""):
        r = self._row(metric)
        ref = np.asarray(ref, dtype=np.float64).ravel()
        try:
            got = np.asarray(got, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            got = None
        if got is None or got.shape != ref.shape:
            r[0] += 1
            r[1] = float("inf")
            r[2] = False
            self.notes.append("%s %s: shape/missing (ref %s, cli %s)" % (
                metric, where, ref.shape, None if got is None else got.shape))
            return
        if ref.size == 0:
            return
        diff = np.abs(ref - got)
        if rel:
            diff = diff / np.maximum(1.0, np.abs(ref))
        diff = np.where(np.isnan(diff), np.inf, diff)
        m = float(diff.max())
        r[0] += ref.size
        r[1] = max(r[1], m)
        if m > TOL:
            r[2] = False
            i = int(np.argmax(diff))
            self.notes.append("%s %s: ref %.7g cli %.7g (diff %.3g)" % (metric, where, ref[i], got[i], m))

    def exact(self, metric, ref, got, where=""):
        """A decision or a label: the row's 'diff' counts the mismatches."""
        r = self._row(metric)
        r[0] += 1
        if ref != got:
            r[1] += 1.0
            r[2] = False
            self.notes.append("%s %s: ref %r cli %r" % (metric, where, ref, got))

    def missing(self, metric, what):
        r = self._row(metric)
        r[0] += 1
        r[1] = float("inf")
        r[2] = False
        self.notes.append("%s: %s" % (metric, what))


def compare(ref, cli, notes=None):
    """-> list of rows (metric, n compared, max diff, ok). Differences of
    unbounded metrics are relative to max(1, |ref|)."""
    acc = _Acc()
    st = ref["settings"]
    eps, minq = float(st["sink_eps"]), int(st["sink_min_queries"])
    factor, eps1, tau = float(st["sink_uniform_factor"]), float(st["sink1_eps"]), float(st["catch_tau"])
    T, L, H = ref["T"], ref["n_layers"], ref["n_heads"]
    A, clear, clear1, uni = ref["_A"], ref["_clear"], ref["_clear1"], ref["_uniform"]

    # header
    for k in ("T", "n_layers", "n_heads"):
        acc.exact("header", ref[k], cli.get(k), k)
    for k in ("sink_eps", "sink_min_queries", "sink_uniform_factor", "sink1_eps", "catch_tau",
              "massive_abs", "massive_rel", "top_k"):
        acc.exact("settings", float(st[k]), float(cli.get("settings", {}).get(k, float("nan"))), k)
    if ref.get("ids") is not None and cli.get("ids") is not None:
        acc.exact("header", [int(i) for i in ref["ids"]], [int(i) for i in cli["ids"]], "ids")
    if ref.get("tokens") is not None and cli.get("tokens") is not None:
        acc.exact("header", list(ref["tokens"]), list(cli["tokens"]), "tokens")

    # scores
    acc.num("sink_score", ref["sink_score"], cli.get("sink_score"), False)

    # sink list on the keys clear of every threshold
    ref_s = {(s["layer"], s["head"], s["key"]): s for s in ref["sinks"]}
    cli_s = {(s["layer"], s["head"], s["key"]): s for s in cli.get("sinks", [])}
    acc._row("sink_list")
    for key in set(ref_s) | set(cli_s):
        l, h, k = key
        if not (0 <= l < L and 0 <= h < H and 0 <= k < T):
            acc.exact("sink_list", None, key, "out of range")
            continue
        if clear[l, h, k] or (T - k) < minq:
            acc.exact("sink_list", key in ref_s, key in cli_s, "sink %s" % (key,))
    # keys clear and not sinks on either side count as compared too
    n_clear = int(clear.sum())
    acc.rows["sink_list"][0] = max(acc.rows["sink_list"][0], n_clear)

    both = [key for key in ref_s if key in cli_s and clear[key]]
    acc._row("sinks_compared")[0] = len(both)
    acc._row("sinks_unclear")[0] = sum(1 for key in set(ref_s) | set(cli_s)
                                       if key[0] < L and key[1] < H and key[2] < T and not clear[key])
    tag_ref = {(t["layer"], t["head"], t["key"]): t for t in ref["tags"]}
    tag_cli = {(t["layer"], t["head"], t["key"]): t for t in cli.get("tags", [])}
    rel_ref = {(r["sink_layer"], r["sink_head"], r["sink_key"], r["layer"], r["head"]): r
               for r in ref["release"]}
    rel_cli = {(r["sink_layer"], r["sink_head"], r["sink_key"], r["layer"], r["head"]): r
               for r in cli.get("release", [])}
    for key in sorted(both):
        l, h, s = key
        r, c = ref_s[key], cli_s[key]
        w = "sink %s" % (key,)
        acc.num("score", r["score"], c.get("score"), False, w)
        acc.num("uniform_score", r["uniform_score"], c.get("uniform_score"), False, w)
        acc.exact("kind", r["kind"], c.get("kind"), w)
        # caught: each decision compared where A[i, s] is clear of tau
        col = A[l, h, :, s]
        decided = np.abs(col - tau) > TOL
        cset = set(int(i) for i in c.get("caught", []))
        rset = set(r["caught"])
        bad = [i for i in cset if i < s or i >= T]
        for i in range(s, T):
            if decided[i]:
                acc.exact("caught", i in rset, i in cset, "%s query %d" % (w, i))
        if bad:
            acc.exact("caught", [], bad, w + " out of range")
        caught_clear = bool(decided[s:].all())
        if caught_clear:
            acc.exact("catch_span", list(r["catch_span"]), [int(x) for x in c.get("catch_span", [])], w)
            # the queries it catches after the sink: [max(b, s + 1), e)
            b, e = r["catch_span"]
            ra = [max(b, s + 1), e]
            ca = c.get("caught_after")
            if ca is None:
                acc.missing("caught_after", "absent for %s" % w)
            elif ra[0] >= ra[1]:        # empty: any empty interval
                acc.exact("caught_after", "empty", "empty" if int(ca[1]) <= int(ca[0]) else list(ca), w)
            else:
                acc.exact("caught_after", ra, [int(x) for x in ca], w)
        # tag
        tr, tc = tag_ref.get(key), tag_cli.get(key)
        if tc is None:
            acc.missing("tag", "no tag entry for %s" % w)
        else:
            acc.num("tag", tr["tag"], tc.get("tag"), True, w)
            acc.num("tag_norm", tr["tag_norm"], tc.get("tag_norm"), True, w)
            acc.num("tag_alignment", tr["tag_alignment"], tc.get("tag_alignment"), False, w)
            if caught_clear:
                acc.num("tag_projection", tr["tag_projection"], tc.get("tag_projection"), True, w)
                acc.num("tag_projection_others", tr["tag_projection_others"],
                        tc.get("tag_projection_others"), True, w)
            for m in ("var_top1", "var_top2", "cos_top_pc_tag"):
                if m not in tc:
                    acc.missing(m, "absent for %s" % w)
                elif m == "cos_top_pc_tag" and tr["var_top1"] > 0 and tr["_pc_gap"] <= TOL:
                    # lambda_1 = lambda_2 (within 1e-4 of the total): pc1 is not
                    # unique and cos_top_pc_tag not meaningful; counted, not compared
                    acc._row("pc1_not_unique")[0] += 1
                else:
                    acc.num(m, tr[m], tc[m], False, w)
        # release
        for lp in range(l + 1, L):
            for hp in range(H):
                rk = (l, h, s, lp, hp)
                rr, rc = rel_ref[rk], rel_cli.get(rk)
                ww = "%s -> head (%d, %d)" % (w, lp, hp)
                if rc is None:
                    acc.missing("release_entries", "no release entry %s" % ww)
                    continue
                acc._row("release_entries")[0] += 1
                if not caught_clear:
                    continue
                acc.num("mass_caught", rr["mass_caught"], rc.get("mass_caught"), False, ww)
                acc.num("uniform_caught", rr["uniform_caught"], rc.get("uniform_caught"), False, ww)
                acc.num("lift", rr["lift"], rc.get("lift"), True, ww)
                acc.num("tag_score_share", rr["tag_score_share"], rc.get("tag_score_share"), True, ww)

    # sink map (derived from the CLI's sink list), on heads whose keys are all clear
    cli_map = np.zeros((L, H))
    cli_key = np.full((L, H), -1)
    for s in cli.get("sinks", []):
        l, h = s["layer"], s["head"]
        if 0 <= l < L and 0 <= h < H and (s["score"] > cli_map[l, h] or cli_key[l, h] < 0):
            cli_map[l, h], cli_key[l, h] = s["score"], s["key"]
    acc._row("sink_map")
    for l in range(L):
        for h in range(H):
            ok_keys = clear[l, h] | ((T - np.arange(T)) < minq)
            if ok_keys.all():
                acc.num("sink_map", ref["sink_map"][l][h], cli_map[l, h], False, "head (%d, %d)" % (l, h))
                acc.exact("sink_map_key", ref["sink_map_key"][l][h], int(cli_key[l, h]), "head (%d, %d)" % (l, h))

    # Sink_1 share
    acc._row("sink1_share_per_layer")
    cli_pl = cli.get("sink1_share_per_layer")
    for l in range(L):
        if clear1[l].all():
            acc.num("sink1_share_per_layer", ref["sink1_share_per_layer"][l],
                    None if cli_pl is None else cli_pl[l], False, "layer %d" % l)
    if clear1.all():
        acc.num("sink1_share", ref["sink1_share"], cli.get("sink1_share"), False)

    # massive activations
    acc.num("median_abs", ref["median_abs"], cli.get("median_abs"), True)
    acc.num("max_abs", ref["max_abs"], cli.get("max_abs"), True)
    ref_m = {(m["layer"], m["token"], m["dim"]): m for m in ref["massive"]}
    acc._row("massive_list")
    for m in cli.get("massive", []):
        key = (m["layer"], m["token"], m["dim"])
        l = m["layer"]
        a = ref["_massive_abs"][l]
        dd = a.size // T
        if not (0 <= l < L and 0 <= m["token"] < T and 0 <= m["dim"] < dd):
            acc.exact("massive_list", None, key, "out of range")
            continue
        flat = m["token"] * dd + m["dim"]
        val = a[flat]
        top = ref["_massive_top"][l]
        kth = a[top[-1]] if top else 0.0
        over = val > float(st["massive_abs"]) and val > float(st["massive_rel"]) * ref["median_abs"][l]
        near = abs(val - kth) <= TOL * max(1.0, kth)
        acc.exact("massive_list", True, flat in top or over or near, "cli entry %s" % (key,))
        rm = ref_m.get(key)
        if rm is None:
            continue
        acc.num("massive_value", rm["value"], m.get("value"), True, str(key))
        acc.num("ratio_to_median", rm["ratio_to_median"], m.get("ratio_to_median"), True, str(key))
        if abs(val - float(st["massive_abs"])) > TOL * max(1.0, val) and \
                abs(val - float(st["massive_rel"]) * ref["median_abs"][l]) > TOL * max(1.0, val):
            acc.exact("over_threshold", bool(rm["over_threshold"]), bool(m.get("over_threshold")), str(key))
    cli_keys = set((m["layer"], m["token"], m["dim"]) for m in cli.get("massive", []))
    for l in range(L):
        a = ref["_massive_abs"][l]
        dd = a.size // T
        top = ref["_massive_top"][l]
        order = np.lexsort((np.arange(a.size), -a))
        nxt = a[order[len(top)]] if len(top) < a.size else -np.inf
        for i in top:
            if a[i] - nxt > TOL * max(1.0, a[i]):        # surely in the top-k
                acc.exact("massive_list", True, (l, i // dd, i % dd) in cli_keys, "ref top %d" % i)
        for i in ref["_massive_over"][l]:
            if a[i] - max(float(st["massive_abs"]), float(st["massive_rel"]) * ref["median_abs"][l]) > TOL * max(1.0, a[i]):
                acc.exact("massive_list", True, (l, i // dd, i % dd) in cli_keys, "ref over %d" % i)

    # loss: next_token_loss, the CLI's JSON `loss` (language models only)
    acc._row("next_token_loss")
    rl, cl = ref.get("next_token_loss"), cli.get("loss")
    if rl is not None:
        if cl is None:
            acc.missing("next_token_loss", "no `loss` in the CLI's JSON")
        else:
            acc.num("next_token_loss", rl, cl, True)
    elif cl is not None:
        acc.exact("next_token_loss", None, cl, "loss for a pass with no next-token targets")

    if notes is not None:
        notes.extend(acc.notes)
    return [(m, r[0], r[1], r[2]) for m, r in acc.rows.items()]


# --------------------------------------------------------------------------
# Compression (docs/metrics.md, "Compression"): float64, from the original
# matrices
# --------------------------------------------------------------------------

def n_pruned(p, m, n):
    """round(p m n); halves rounded up (the page does not say which way; the
    driver reports a budget that lands on a half)."""
    return int(math.floor(p * m * n + 0.5))


def prune_order(W):
    """Flat indices of W from first pruned to last: |w| ascending, ties the
    lower flat index first."""
    a = np.abs(np.asarray(W, dtype=np.float64)).ravel()
    return np.lexsort((np.arange(a.size), a))


def keep_largest(X, k):
    """X with all but its k largest-magnitude entries set to 0 (ties as in
    sparse: the lower flat index is pruned first)."""
    out = np.array(X, dtype=np.float64, copy=True)
    flat = out.reshape(-1)
    drop = flat.size - int(k)
    if drop > 0:
        flat[prune_order(out)[:drop]] = 0.0
    return out


def sparse(W, p):
    m, n = W.shape
    return keep_largest(W, m * n - n_pruned(p, m, n))


def budget_rank(ratio, B, m, n):
    """floor(ratio * B / (m + n)) clamped to [0, min(m, n)]."""
    r = int(math.floor(ratio * B / (m + n)))
    return max(0, min(r, min(m, n)))


def lowrank(W, r, sv_out=None):
    """Best rank-r approximation (truncated SVD). sv_out (a list) receives
    the singular values."""
    if r <= 0 and sv_out is None:
        return np.zeros_like(W, dtype=np.float64)
    U, s, Vt = np.linalg.svd(np.asarray(W, dtype=np.float64), full_matrices=False)
    if sv_out is not None:
        sv_out[:] = [s]
    if r <= 0:
        return np.zeros_like(W, dtype=np.float64)
    return (U[:, :r] * s[:r]) @ Vt[:r]


def topk_gap(X, k):
    """|x|_(k) - |x|_(k+1) of X's magnitudes sorted descending (how far the
    k-th kept entry is from the first dropped one); inf when nothing is dropped."""
    a = np.abs(X).ravel()
    if k <= 0 or k >= a.size:
        return float("inf")
    part = -np.partition(-a, (k - 1, k))
    return float(part[k - 1] - part[k])


def oats(W, p, rank_ratio, iters, trace=None):
    """Sparse plus low rank: from S = 0, iters times L = lowrank(W - S, r),
    S = W - L kept at its k largest entries; returns S + L. trace (a list)
    receives [W - L of the last iteration, k, the top-k gap of each iteration],
    for the near-tie report."""
    m, n = W.shape
    B = m * n - n_pruned(p, m, n)
    r = budget_rank(rank_ratio, B, m, n)
    k = B - r * (m + n)
    W = np.asarray(W, dtype=np.float64)
    S = np.zeros_like(W)
    L = np.zeros_like(W)
    gaps = []
    for _ in range(int(iters)):
        L = lowrank(W - S, r)
        R = W - L
        S = keep_largest(R, k)
        if trace is not None:
            gaps.append(topk_gap(R, k))
            trace[:] = [R, k, gaps]
    return S + L


def compress_matrix(W, spec):
    """-> (compressed matrix, parameters kept, info) for one [m, n] matrix."""
    m, n = W.shape
    kind, p = spec["kind"], float(spec["sparsity"])
    B = m * n - n_pruned(p, m, n)
    info = {"B": B, "half": abs((p * m * n) % 1.0 - 0.5) < 1e-9}
    if kind == "sparse":
        info["pruned"] = n_pruned(p, m, n)
        info["gaps"] = [topk_gap(W, B)]
        return sparse(W, p), B, info
    if kind == "lowrank":
        r = budget_rank(float(spec["ratio"]), B, m, n)
        info["r"] = r
        sv = []
        out = lowrank(W, r, sv)
        info["sv"] = sv[0]
        return out, r * (m + n), info
    if kind == "oats":
        trace = []
        r = budget_rank(float(spec["rank_ratio"]), B, m, n)
        out = oats(W, p, float(spec["rank_ratio"]), int(spec["iters"]), trace)
        info["r"], info["k"] = r, B - r * (m + n)
        info["last"] = trace
        info["gaps"] = trace[2] if trace else []
        return out, B, info
    raise ValueError("unknown kind %r" % (kind,))


ATTN_MATS = ("wq", "wk", "wv", "wo")
MLP_MATS = ("w_gate", "w_up", "w_down")


def model_matrices(model):
    """name -> the model's own matrix for orig.{l}.{wq..w_down}, llama-style
    (q_proj ...) or GPT-2 style (fused c_attn) checkpoints; {} otherwise."""
    path = os.path.join(model, "model.safetensors")
    if not os.path.isfile(path):
        return {}
    t, _ = read_safetensors(path)
    out = {}
    for name, w in t.items():
        parts = name.split(".")
        if name.startswith("model.layers.") and name.endswith(".weight"):
            l = int(parts[2])
            short = {"q_proj": "wq", "k_proj": "wk", "v_proj": "wv", "o_proj": "wo",
                     "gate_proj": "w_gate", "up_proj": "w_up", "down_proj": "w_down"}.get(parts[-2])
            if short:
                out["%d.%s" % (l, short)] = w
        elif name.startswith("transformer.h.") and name.endswith(".weight"):
            l = int(parts[2])
            if parts[3:5] == ["attn", "c_attn"]:
                d = w.shape[0]
                for j, short in enumerate(("wq", "wk", "wv")):
                    out["%d.%s" % (l, short)] = w[:, j * d:(j + 1) * d]
            elif parts[3:5] == ["attn", "c_proj"]:
                out["%d.wo" % l] = w
            elif parts[3:5] == ["mlp", "c_fc"]:
                out["%d.w_up" % l] = w
            elif parts[3:5] == ["mlp", "c_proj"]:
                out["%d.w_down" % l] = w
    return out


def _same_up_to_transpose(a, b):
    return (a.shape == b.shape and np.array_equal(a, b)) or \
        (a.shape == b.shape[::-1] and np.array_equal(a, b.T))


def check_compressed(path, want, model):
    """Recomputes every comp.* of a `sinkscope-cli compress` output from its
    orig.*; want: the spec asked for. -> (rows {metric: (n, maxdiff, ok)}, notes)."""
    t, meta = read_safetensors(path)
    notes = []
    rows = {}

    def put(metric, n, dmax, ok):
        on, od, ook = rows.get(metric, (0, 0.0, True))
        rows[metric] = (on + n, max(od, dmax), ook and ok)

    # spec
    try:
        spec = json.loads(meta["spec"])
    except (KeyError, TypeError, ValueError):
        spec = None
    bad = []
    if not isinstance(spec, dict):
        bad.append("no __metadata__.spec")
        spec = dict(want)
    else:
        for k, v in want.items():
            got = spec.get(k)
            same = (abs(float(got) - float(v)) <= 1e-7 * max(1.0, abs(float(v)))) if isinstance(v, (int, float)) \
                and not isinstance(v, bool) and isinstance(got, (int, float)) else got == v
            if not same:
                bad.append("spec %s: asked %r, file %r" % (k, v, got))
        if isinstance(spec.get("rank"), (int, float)) and spec.get("rank") > 0:    # -1: not given
            bad.append("spec rank %r: an explicit rank is not defined by docs/metrics.md" % (spec.get("rank"),))
    put("spec", 1, float(len(bad)), not bad)
    notes.extend(bad)

    # which matrices
    layers = sorted(set(int(k.split(".")[1]) for k in t if k.startswith("orig.")))
    ref_mats = model_matrices(model)
    mats = []
    for l in layers:
        names = list(ATTN_MATS)
        if spec.get("mlp"):
            names += [m for m in MLP_MATS if ("%d.%s" % (l, m)) in ref_mats or ("orig.%d.%s" % (l, m)) in t]
        for m in names:
            mats.append((l, m))
    expected = set("orig.%d.%s" % lm for lm in mats) | set("comp.%d.%s" % lm for lm in mats)
    extra = sorted(set(t) - expected)
    missing = sorted(expected - set(t))
    if ref_mats:
        want_layers = sorted(set(int(k.split(".")[0]) for k in ref_mats))
        if layers != want_layers:
            missing.append("layers %s (model has %s)" % (layers, want_layers))
    put("matrices", len(expected), float(len(extra) + len(missing)), not extra and not missing)
    for x in extra[:5]:
        notes.append("unexpected tensor %s" % x)
    for x in missing[:5]:
        notes.append("missing tensor %s" % x)

    total = kept = 0
    worst = (0.0, None)
    all_gaps = []
    for l, m in mats:
        on, cn = "orig.%d.%s" % (l, m), "comp.%d.%s" % (l, m)
        if on not in t or cn not in t:
            continue
        W, Cc = t[on], t[cn]
        if W.ndim != 2 or Cc.shape != W.shape:
            put("comp", 1, float("inf"), False)
            notes.append("%s: shape %s vs orig %s" % (cn, Cc.shape, W.shape))
            continue
        mr = ref_mats.get("%d.%s" % (l, m))
        if ref_mats:
            ok = mr is not None and _same_up_to_transpose(W, mr)
            put("orig_is_model", 1, 0.0 if ok else 1.0, ok)
            if not ok:
                notes.append("%s is not the model's matrix" % on)
        ref, nk, info = compress_matrix(W, spec)
        total += W.size
        kept += nk
        scale = max(1.0, float(np.abs(W).max()))
        diff = np.abs(ref - Cc) / scale
        dmax = float(diff.max())
        put("comp", W.size, dmax, dmax <= TOL)
        if dmax > worst[0]:
            worst = (dmax, cn)
        if "gaps" in info:
            g = np.asarray(info["gaps"], dtype=np.float64) / scale
            put("topk_ties", int((g == 0).sum()), 0.0, True)
            put("topk_near_ties", int(((g > 0) & (g <= 1e-6)).sum()), 0.0, True)
            all_gaps.extend(g.tolist())
        if info.get("half"):
            notes.append("%s: p m n = %.1f lands on a half; round() up assumed" % (cn, float(spec["sparsity"]) * W.size))
        if spec["kind"] == "lowrank":
            r, sv = info["r"], info["sv"]
            if 0 < r < sv.size and sv[r - 1] - sv[r] <= TOL * max(1.0, sv[0]):
                notes.append("%s: near-tie sigma_r %.7g, sigma_r+1 %.7g (rank %d): the truncation is "
                             "sensitive there (compared all the same)" % (cn, sv[r - 1], sv[r], r))
        if dmax > TOL:
            bad_idx = np.flatnonzero(diff.ravel() > TOL)
            msg = "%s: %d entries differ (max %.3g relative to max(1, max|W|) = %.4g)" % (
                cn, bad_idx.size, dmax, scale)
            if spec["kind"] in ("sparse", "oats"):
                if spec["kind"] == "sparse":
                    X, k = W, W.size - info["pruned"]
                else:
                    X, k = info["last"][0], info["last"][1]
                a = np.abs(X).ravel()
                srt = np.sort(a)[::-1]
                thr = srt[k - 1] if k > 0 else np.inf
                nxt = srt[k] if k < a.size else 0.0
                msg += "; top-k boundary |x|_(k) = %.9g, |x|_(k+1) = %.9g" % (thr, nxt)
                for i in bad_idx[:8]:
                    msg += "; flat %d (%d, %d): orig %.7g cli %.7g ref %.7g |W-L| %.9g (%.2e from the boundary)" % (
                        i, i // W.shape[1], i % W.shape[1], W.ravel()[i], Cc.ravel()[i], ref.ravel()[i],
                        a[i], (a[i] - thr) / scale)
            else:
                for i in bad_idx[:4]:
                    msg += "; flat %d: cli %.7g ref %.7g" % (i, Cc.ravel()[i], ref.ravel()[i])
            notes.append(msg)
    # parameter counts, exactly
    for key, val in (("params_total", total), ("params_kept", kept)):
        got = meta.get(key)
        try:
            gi = int(str(got).strip())
            ok = gi == val and str(got).strip().isdigit()
        except (TypeError, ValueError):
            gi, ok = got, False
        put(key, 1, 0.0 if ok else 1.0, ok)
        if not ok:
            notes.append("%s: file %r, ref %d" % (key, got, val))
    if worst[1] is not None:
        notes.insert(0, "largest comp diff %.3g at %s" % worst)
    if all_gaps:
        g = np.asarray(all_gaps)
        notes.insert(1, "top-k selections: %d, exact ties at the boundary %d, gaps <= 1e-6 %d, smallest "
                        "nonzero gap %.3g (relative to max(1, max|W|))" % (
                            g.size, int((g == 0).sum()), int(((g > 0) & (g <= 1e-6)).sum()),
                            float(g[g > 0].min()) if (g > 0).any() else float("nan")))
    return rows, notes, (total, kept)


# --------------------------------------------------------------------------
# self-test: hand-computed answers, no CLI
# --------------------------------------------------------------------------

DEFAULT_SETTINGS = {"sink_eps": 0.2, "sink_min_queries": 4, "sink_uniform_factor": 2.0,
                    "sink1_eps": 0.3, "catch_tau": 0.5, "massive_abs": 100.0,
                    "massive_rel": 1000.0, "top_k": 10}


def _synthetic_dump(path, patterns, rng, d=4, dh=2, Hkv=None, norm="none", rope=False,
                    extra=None, V=7, tokens=None):
    """A dump with the given attention patterns [L][H, T, T] and random other taps."""
    L = len(patterns)
    H, T = patterns[0].shape[0], patterns[0].shape[-1]
    Hkv = Hkv or H
    t = {}
    for l in range(L):
        t["blocks.%d.attn_pattern" % l] = patterns[l]
        t["blocks.%d.q" % l] = rng.standard_normal((T, H, dh))
        t["blocks.%d.k" % l] = rng.standard_normal((T, Hkv, dh))
        t["blocks.%d.v" % l] = rng.standard_normal((T, Hkv, dh))
        t["blocks.%d.head_out" % l] = rng.standard_normal((H, T, d))
        t["blocks.%d.resid_pre" % l] = rng.standard_normal((T, d))
        t["blocks.%d.resid_post" % l] = rng.standard_normal((T, d))
        t["weights.%d.wo" % l] = rng.standard_normal((d, H * dh))
        t["weights.%d.wk" % l] = rng.standard_normal((Hkv * dh, d))
        if norm != "none":
            t["weights.%d.ln1_w" % l] = 1.0 + 0.1 * rng.standard_normal(d)
    t["logits"] = rng.standard_normal((T, V))
    if rope:
        t["rope_inv_freq"] = np.array([1.0, 0.1])[: dh // 2]
    if extra:
        t.update(extra)
    cfg = {"n_layers": L, "n_heads": H, "n_kv_heads": Hkv, "d_model": d, "d_head": dh,
           "norm": norm, "norm_eps": 1e-5, "rope": rope, "rotary_dim": dh if rope else 0}
    meta = {"config": json.dumps(cfg), "settings": json.dumps(DEFAULT_SETTINGS),
            "ids": json.dumps([int(i) % V for i in range(T)])}
    if tokens is not None:
        meta["tokens"] = json.dumps(tokens)
    write_safetensors(path, t, meta)
    return Dump.load(path)


def _uniform_pattern(T):
    A = np.tril(np.ones((T, T)))
    return A / A.sum(axis=1, keepdims=True)


def _public(ref):
    """The JSON a CLI would print for ref (drops the private fields)."""
    out = {k: v for k, v in ref.items() if not k.startswith("_") and k != "next_token_loss"}
    if ref.get("next_token_loss") is not None:
        out["loss"] = ref["next_token_loss"]
    return json.loads(json.dumps(out))


def self_test(verbose=True):
    tmp = tempfile.mkdtemp(prefix="sinkscope-selftest-")
    try:
        return _self_test(tmp, verbose)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _self_test(tmp, verbose):
    fails = []
    if verbose:
        print("self-test:")

    def check(name, cond):
        if verbose:
            print("  %-58s %s" % (name, "ok" if cond else "FAILED"))
        if not cond:
            fails.append(name)

    rng = np.random.RandomState(7)
    T = 8

    # uniform causal pattern: sink_score == uniform_score, no sink
    U = _uniform_pattern(T)
    dmp = _synthetic_dump(os.path.join(tmp, "u.safetensors"), [U[None], U[None]], rng)
    ref = compute(dmp)
    sc = np.array(ref["sink_score"])
    check("uniform pattern: sink_score == uniform_score", np.allclose(sc, uniform_scores(T)[None, None], atol=1e-7, rtol=0))
    check("uniform pattern: uniform_score(0) == H_T / T",
          abs(uniform_scores(16)[0] - sum(1.0 / i for i in range(1, 17)) / 16) < 1e-15 and
          abs(uniform_scores(16)[0] - 0.2114) < 1e-3)
    check("uniform pattern: no sink", ref["sinks"] == [] and ref["sink1_share"] == 0.0)

    # every query puts 0.9 on key 0 (query 0 puts 1)
    B = np.zeros((T, T))
    B[0, 0] = 1.0
    for i in range(1, T):
        B[i, 0] = 0.9
        B[i, 1:i + 1] = 0.1 / i
    dmp = _synthetic_dump(os.path.join(tmp, "b.safetensors"), [B[None], U[None]], rng,
                          tokens=["<s>", "a", ",", "\u0120.", "x\n", "\u010a", " ", "b"])
    ref = compute(dmp)
    want = (1.0 + 0.9 * (T - 1)) / T
    keys = [(s["layer"], s["head"], s["key"]) for s in ref["sinks"]]
    check("0.9 on key 0: the one sink is (0, 0, 0)", keys == [(0, 0, 0)])
    check("0.9 on key 0: score (1 + 0.9 (T-1)) / T", abs(ref["sinks"][0]["score"] - want) < 1e-7)
    check("0.9 on key 0: caught = all, span [0, T)",
          ref["sinks"][0]["caught"] == list(range(T)) and ref["sinks"][0]["catch_span"] == [0, T])
    check("0.9 on key 0: sink1 share per layer [1, 0], total 0.5",
          ref["sink1_share_per_layer"] == [1.0, 0.0] and ref["sink1_share"] == 0.5)
    check("0.9 on key 0: sink map (0, 0) = score at key 0",
          abs(ref["sink_map"][0][0] - want) < 1e-7 and ref["sink_map_key"][0][0] == 0 and ref["sink_map"][1][0] == 0.0)
    toks = ["<s>", "a", ",", "\u0120.", "x\n", "\u010a", " ", "b"]
    check("kinds: bos, other, punctuation, punctuation, newline, newline",
          [sink_kind(k, toks) for k in range(6)] == ["bos", "other", "punctuation", "punctuation", "newline", "newline"])

    vb = [b"<s>"] + [token_bytes(t, True) for t in ("a", "\u0109,", "\u0120", "\u00e2\u0122\u00a6", "\u010a", "\u0120.\u0109")] + \
        [token_bytes("<0x0A>", False), token_bytes("\u2581.", False)]
    check("token bytes: 'ĉ,' = tab comma, 'Ġ' = space, 'âĢ¦' = UTF-8 ellipsis, 'Ċ' = LF",
          vb[2] == b"\t," and vb[3] == b" " and vb[4] == "\u2026".encode("utf-8") and vb[5] == b"\n")
    check("kinds from bytes: other, punct (tab left out), other (space only), other (non-ASCII), "
          "newline, punct, newline (<0x0A>), punct (▁.)",
          [sink_kind(k, vb) for k in range(1, 9)] ==
          ["other", "punctuation", "other", "other", "newline", "punctuation", "newline", "punctuation"])

    # the last keys are never sinks: every query attends to itself only, so
    # sink_score(k) = 1 / (T - k); keys T-3..T-1 fail condition 1, key T-5 has
    # exactly 0.2 (not > sink_eps), key T-4 (0.25) is the one sink at T = 32
    D = np.eye(32)
    dmp = _synthetic_dump(os.path.join(tmp, "d.safetensors"), [D[None]], rng)
    ref = compute(dmp)
    check("diagonal pattern (T = 32): the only sink is key 28 (score 1/4)",
          [s["key"] for s in ref["sinks"]] == [28] and abs(ref["sinks"][0]["score"] - 0.25) < 1e-12)
    check("diagonal pattern: sink_score(T-1) = 1 yet no sink", ref["sink_score"][0][0][31] == 1.0)
    dmp = _synthetic_dump(os.path.join(tmp, "d8.safetensors"), [np.eye(T)[None]], rng)
    check("diagonal pattern (T = 8): no sink (key 4: 0.25 < 2 uniform_score)", compute(dmp)["sinks"] == [])
    D3 = np.eye(3)
    D3[:, 0] = 1.0
    D3 /= D3.sum(axis=1, keepdims=True)
    dmp = _synthetic_dump(os.path.join(tmp, "d3.safetensors"), [D3[None]], rng)
    check("T = 3 < sink_min_queries: no sink", compute(dmp)["sinks"] == [])

    # catch span: longest run, earliest on a tie
    check("catch_span of {1, 2, 4, 5} is [1, 3)", longest_run([1, 2, 4, 5]) == (1, 3))
    check("catch_span of {3, 5, 6, 7} is [5, 8)", longest_run([3, 5, 6, 7]) == (5, 8))
    check("catch_span of {} is [0, 0)", longest_run([]) == (0, 0))

    # handcrafted release (T = 16): sink 0 of layer 0 gets 0.8 from queries 1..3
    # and 0.4 (< catch_tau) from later ones, so caught = {0..3}, span [0, 4),
    # C = {1, 2, 3}; sink_score = (1 + 3 * 0.8 + 12 * 0.4) / 16 = 0.5125 >
    # 2 * H_16 / 16 = 0.4228. The later head puts 0.5 on the sink and 0.5
    # uniformly on C ∩ [1, j]: mass_j = 0.5, base_j = 0.5 * min(j, 3) / j.
    T = 16
    A0 = np.zeros((T, T))
    A0[0, 0] = 1.0
    for i in range(1, T):
        A0[i, 0] = 0.8 if i <= 3 else 0.4
        A0[i, 1:i + 1] = (1.0 - A0[i, 0]) / i
    A1 = np.zeros((T, T))
    A1[0, 0] = 1.0
    for j in range(1, T):
        A1[j, 0] = 0.5
        n = min(j, 3)
        A1[j, 1:n + 1] = 0.5 / n
    want_uni = (3 * 0.5 + 1.5 * sum(1.0 / j for j in range(4, 16))) / 15
    # taps for tag_score_share: tag = [3, 0], t = e0; resid_pre_1[i] = [1, 1];
    # W_K = I; k_i = [1, 1]; q_j = [1, 1]: q.k_tag = 1, |q.k| = 2 -> share 1/2
    extra = {"weights.0.wo": np.eye(2), "weights.1.wk": np.eye(2),
             "blocks.0.v": np.tile(np.array([3.0, 0.0]), (T, 1, 1)),
             "blocks.1.resid_pre": np.ones((T, 2)), "blocks.1.k": np.ones((T, 1, 2)),
             "blocks.1.q": np.ones((T, 1, 2))}
    dmp = _synthetic_dump(os.path.join(tmp, "r.safetensors"), [A0[None], A1[None]], rng,
                          d=2, dh=2, extra=extra)
    ref = compute(dmp)
    s0 = [s for s in ref["sinks"] if (s["layer"], s["key"]) == (0, 0)][0]
    rel = [r for r in ref["release"] if (r["sink_layer"], r["sink_key"], r["layer"]) == (0, 0, 1)][0]
    check("release: catch span [0, 4)", s0["catch_span"] == [0, 4])
    check("release: mass_caught 0.5", abs(rel["mass_caught"] - 0.5) < 1e-6)
    check("release: uniform_caught (hand)", abs(rel["uniform_caught"] - want_uni) < 1e-6)
    check("release: lift = 0.5 / uniform_caught = %.5f" % (0.5 / want_uni),
          abs(rel["lift"] - 0.5 / want_uni) < 1e-6)
    check("release: tag_score_share 1/2 (no norm, no RoPE)", abs(rel["tag_score_share"] - 0.5) < 1e-6)
    tg = [t for t in ref["tags"] if (t["layer"], t["key"]) == (0, 0)][0]
    check("tag = W_O v_s = [3, 0], tag_norm 3", np.allclose(tg["tag"], [3, 0]) and abs(tg["tag_norm"] - 3) < 1e-12)
    # tag_score_share through the norm and RoPE: resid_pre_1[i] = a_i t lies on
    # the tag direction, so k_i^tag must equal the forward pass's key, written
    # here loop by loop: k_i = RoPE_i(W_K norm(x_i)); the share is then
    # sum A q.k / sum A |q.k| over the pairs of C.
    for norm in ("rmsnorm", "layernorm"):
        d4, inv = 4, np.array([1.0, 0.1])
        v0 = np.array([1.0, -2.0, 0.5, 3.0])
        Wo = rng.standard_normal((d4, d4))
        tagv = Wo @ v0
        tdir = tagv / np.linalg.norm(tagv)
        avals = np.array([0.7, -1.3, 2.0, 1.1, -0.4, 0.9, 1.7, -2.2, 0.3, 1.0, -1.0, 0.5, 0.8, 1.2, -0.6, 2.5])
        Xp = avals[:, None] * tdir[None, :]
        Wk = rng.standard_normal((d4, d4))
        w = 1.0 + 0.2 * rng.standard_normal(d4)
        K = np.zeros((T, 1, d4))
        for i in range(T):
            x = Xp[i]
            if norm == "rmsnorm":
                y = [w[c] * x[c] / math.sqrt(sum(xx * xx for xx in x) / d4 + 1e-5) for c in range(d4)]
            else:
                mu = sum(x) / d4
                var = sum((xx - mu) ** 2 for xx in x) / d4
                y = [w[c] * (x[c] - mu) / math.sqrt(var + 1e-5) for c in range(d4)]
            kk = [sum(Wk[r, c] * y[c] for c in range(d4)) for r in range(d4)]
            for c in range(2):
                th = i * inv[c]
                K[i, 0, c] = kk[c] * math.cos(th) - kk[c + 2] * math.sin(th)
                K[i, 0, c + 2] = kk[c + 2] * math.cos(th) + kk[c] * math.sin(th)
        Q = rng.standard_normal((T, 1, d4))
        extra = {"weights.0.wo": Wo, "weights.1.wk": Wk, "weights.1.ln1_w": w,
                 "blocks.0.v": np.tile(v0, (T, 1, 1)), "blocks.1.resid_pre": Xp,
                 "blocks.1.k": K, "blocks.1.q": Q, "rope_inv_freq": inv}
        dmp = _synthetic_dump(os.path.join(tmp, "rr.safetensors"), [A0[None], A1[None]], rng,
                              d=d4, dh=d4, norm=norm, rope=True, extra=extra)
        # float32 storage: recompute the expectation from the stored taps
        Ks, Qs, As = dmp.tap(1, "k"), dmp.tap(1, "q"), dmp.tap(1, "attn_pattern")[0]
        num = den = 0.0
        for j in (1, 2, 3):
            for i in (1, 2, 3):
                if i <= j:
                    qk = float(Qs[j, 0] @ Ks[i, 0])
                    num += As[j, i] * qk
                    den += As[j, i] * abs(qk)
        rel = [r for r in compute(dmp)["release"] if (r["sink_key"], r["layer"]) == (0, 1)][0]
        check("tag_score_share, %s + RoPE, keys on the tag: %.4f" % (norm, num / den),
              abs(rel["tag_score_share"] - num / den) < 1e-5)

    # release with an empty caught set
    m, u, lf = release_lift(A1[None], 0, np.array([], dtype=np.int64))
    check("release: empty C gives lift 0", lf[0] == 0.0 and m[0] == 0.0)

    # RoPE rotate-half, norms as linear maps
    x = np.array([[[1.0, 0.0, 0.0, 0.0]]])
    r = rope_rotate(x, [2], np.array([1.0, 0.5]), 4)
    check("RoPE: x[0] = 1 at position 2 -> (cos 2, 0, sin 2, 0)",
          np.allclose(r[0, 0], [math.cos(2), 0.0, math.sin(2), 0.0]))
    r = rope_rotate(np.array([[[0.0, 1.0, 0.0, 0.0, 5.0, 6.0]]]), [3], np.array([1.0, 0.5]), 4)
    check("RoPE: x[1] = 1 at 3 -> x[1] = cos 1.5, x[3] = sin 1.5; dims >= rotary_dim kept",
          np.allclose(r[0, 0], [0.0, math.cos(1.5), 0.0, math.sin(1.5), 5.0, 6.0]))
    Xin = np.array([[1.0, 2.0, 3.0, 4.0]])
    Uu = np.array([[1.0, 1.0, 1.0, 1.0]])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    check("RMSNorm as a linear map: w u / rms(x)",
          np.allclose(norm_as_linear(Uu, Xin, "rmsnorm", w, 0.0), w / math.sqrt(7.5)))
    check("LayerNorm as a linear map: constant u -> 0",
          np.allclose(norm_as_linear(Uu, Xin, "layernorm", w, 1e-5), 0.0))
    check("LayerNorm as a linear map: u = x gives the norm without bias",
          np.allclose(norm_as_linear(Xin, Xin, "layernorm", w, 0.0), w * (Xin - 2.5) / math.sqrt(1.25)))

    # PCA of rank-1 data
    direction = np.array([1.0, -2.0, 2.0]) / 3.0
    X = np.outer(np.arange(6.0), direction) + np.array([5.0, 1.0, -1.0])
    v1, v2, pc1, pc2, coords, _ = pca_head(X)
    check("PCA rank 1: var_top1 = var_top2 = 1", abs(v1 - 1) < 1e-12 and abs(v2 - 1) < 1e-12)
    check("PCA rank 1: pc1 = +-direction, largest entry positive",
          np.allclose(np.abs(pc1 @ direction), 1.0) and pc1[np.argmax(np.abs(pc1))] > 0)
    X2 = np.diag([3.0, 2.0, 1.0, 0.0])
    X2 = np.vstack([X2, -X2])                             # centred, C = diag(9, 4, 1, 0) / 4
    v1, v2, _, _, _, _ = pca_head(X2)
    check("PCA: var_top1 = 9/14, var_top2 = 13/14", abs(v1 - 9 / 14) < 1e-12 and abs(v2 - 13 / 14) < 1e-12)

    # massive activations: median of an even count, ties by flat index
    Hl = np.array([[1.0, -8.0, 3.0, 4.0], [5.0, -6.0, 8.0, 2.0]])
    med, mx, top, over, a = massive_layer(Hl, 5.0, 1.5, 3)
    check("massive: median of 8 values |h| = 4.5, max 8", med == 4.5 and mx == 8.0)
    check("massive: top 3 = flat 1, 6 (tie, lower first), 5", top == [1, 6, 5])
    check("massive: over threshold = |h| > 5 and > 6.75", over == [1, 6])

    # loss
    z = np.zeros((5, 7))
    check("loss: uniform logits give log V", abs(next_token_loss(z, [0, 1, 2, 3, 4]) - math.log(7)) < 1e-12)
    z = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]))
    check("loss: mean of -log p(next)", abs(next_token_loss(np.vstack([z, z[:1]]), [0, 1, 2]) -
                                            (-math.log(0.25) - math.log(0.8)) / 2) < 1e-12)

    # compression
    check("sparse: round(p m n) pruned, ties the lower flat index first",
          np.array_equal(sparse(np.array([[1.0, -1.0], [2.0, 0.5]]), 0.5), np.array([[0.0, -1.0], [2.0, 0.0]])))
    check("sparse: p 0.9 of 32 x 32 prunes round(921.6) = 922", n_pruned(0.9, 32, 32) == 922 and
          int((sparse(rng.standard_normal((32, 32)), 0.9) != 0).sum()) == 102)
    check("budget: 384 x 384 at p 0.5: r = 96 (ratio 1), r = 24 and k = 55296 (rank ratio 0.25)",
          budget_rank(1.0, 73728, 384, 384) == 96 and budget_rank(0.25, 73728, 384, 384) == 24 and
          73728 - 24 * 768 == 55296)
    check("budget: r clamped to min(m, n)", budget_rank(1.0, 10 ** 6, 4, 6) == 4 and budget_rank(1.0, 3, 4, 6) == 0)
    check("lowrank: rank 1 of diag(3, 2, 1) is diag(3, 0, 0)",
          np.allclose(lowrank(np.diag([3.0, 2.0, 1.0]), 1), np.diag([3.0, 0.0, 0.0]), atol=1e-12))
    Wt = rng.standard_normal((6, 5))
    L1 = lowrank(Wt, 1)
    check("oats, one iteration: keep_largest(W - lowrank(W, r), k) + lowrank(W, r)",
          np.allclose(oats(Wt, 0.5, 1.0, 1), keep_largest(Wt - L1, 15 - 11) + L1, atol=1e-12))
    Wt = rng.standard_normal((6, 5))
    check("oats: budget rank 0 (rank ratio 0) is sparse", np.allclose(oats(Wt, 0.5, 0.0, 3), sparse(Wt, 0.5)))
    # check_compressed on a hand-written file, then with one entry and one count off
    W0, W1 = rng.standard_normal((8, 6)), rng.standard_normal((6, 8))
    spec = {"kind": "lowrank", "sparsity": 0.5, "ratio": 1.0, "rank_ratio": 0.25, "iters": 8, "mlp": False}
    mats = {}
    for l, W in enumerate((W0, W1)):
        for j, mname in enumerate(ATTN_MATS):
            Wm = W * (j + 1)
            mats["orig.%d.%s" % (l, mname)] = Wm
            mats["comp.%d.%s" % (l, mname)] = lowrank(Wm, 1)      # B = 24, r = floor(24 / 14) = 1
    meta = {"spec": json.dumps(dict(spec, rank=-1)), "params_total": str(8 * 48), "params_kept": str(8 * 14)}
    fp = os.path.join(tmp, "c.safetensors")
    write_safetensors(fp, mats, meta)
    crow, cnotes, _ = check_compressed(fp, spec, tmp)
    check("check_compressed: a correct lowrank file passes", all(v[2] for v in crow.values()) and crow["comp"][0] == 8 * 48)
    mats["comp.1.wv"] = mats["comp.1.wv"] + np.eye(6, 8) * 1e-3
    write_safetensors(fp, mats, dict(meta, params_kept=str(8 * 14 + 1)))
    crow, cnotes, _ = check_compressed(fp, spec, tmp)
    check("check_compressed: an entry off by 1e-3 and params_kept off by 1 fail",
          not crow["comp"][2] and not crow["params_kept"][2] and crow["params_total"][2])

    # compare() of the reference with its own JSON: all ok, everything compared
    pats = []
    for l in range(3):
        P = rng.uniform(0.0, 1.0, size=(2, 12, 12)) * np.tril(np.ones((12, 12)))
        P[:, :, 0] += 3.0 * (l + 1)
        pats.append(P / P.sum(axis=-1, keepdims=True))
    dmp = _synthetic_dump(os.path.join(tmp, "g.safetensors"), pats, rng, d=8, dh=4, Hkv=1,
                          norm="rmsnorm", rope=True)
    ref = compute(dmp)
    rows = compare(ref, _public(ref))
    check("compare(ref, ref JSON): every row ok", all(r[3] for r in rows))
    check("compare(ref, ref JSON): sinks compared",
          dict((r[0], r[1]) for r in rows).get("sinks_compared", 0) > 0)
    bad = _public(ref)
    bad["sinks"] = bad["sinks"][1:]
    rows = compare(ref, bad)
    check("compare: a clear sink missing on the CLI side fails",
          not dict((r[0], r[3]) for r in rows)["sink_list"])
    bad = _public(ref)
    bad["release"][0]["lift"] += 0.01
    rows = compare(ref, bad)
    check("compare: a lift off by 0.01 fails", not dict((r[0], r[3]) for r in rows)["lift"])
    dmp = _synthetic_dump(os.path.join(tmp, "n.safetensors"), pats, rng, d=8, dh=4,
                          norm="layernorm", rope=False)
    ref = compute(dmp)
    check("layernorm dump: computes and compares with itself",
          all(r[3] for r in compare(ref, _public(ref))))

    return fails


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------

def _lcg_ids(n, vocab, seed):
    x, out = seed, []
    for _ in range(n):
        x = (1103515245 * x + 12345) % (1 << 31)
        out.append((x >> 16) % vocab)
    return out


def _averaging_inputs(cfg, seed):
    d_in = int(cfg["d_input"])
    sep = int(cfg["sep_index"])
    bos = cfg.get("bos_index")
    const = cfg.get("const_index")
    width = 1 + max([d_in - 1, sep] + [int(c) for c in (bos, const) if c is not None])
    T = int(cfg.get("train_T") or 32)
    rng = np.random.RandomState(seed)
    X = np.zeros((T, width))
    X[:, :d_in] = rng.standard_normal((T, d_in))
    if const is not None:
        X[:, int(const)] = 1.0
    if bos is not None:
        X[0, :d_in] = 0.0
        X[0, int(bos)] = 1.0
    m = T // 2
    X[m, :d_in] = 0.0
    X[m, sep] = 1.0
    return X


def cases():
    out = []
    demo = os.path.join(REPO, "models", "demo-lm")
    with open(os.path.join(demo, "default_prompt.txt"), "r", encoding="utf-8", newline="") as f:
        prompt = f.read()
    out.append(("demo:prompt", demo, ["--prompt", prompt, "--bos"], False))
    with open(os.path.join(demo, "golden", "prompts.json"), encoding="utf-8") as f:
        prompts = json.load(f)["prompts"]
    for p in prompts[:2]:
        out.append(("demo:" + p["name"], demo, ["--ids", ",".join(str(int(i)) for i in p["ids"])], False))
    # every setting off its default (the massive thresholds low enough that
    # entries are over them)
    p = prompts[2]
    out.append(("demo:settings", demo, ["--ids", ",".join(str(int(i)) for i in p["ids"]), "--eps", "0.25",
                                        "--min-queries", "3", "--sink1-eps", "0.35", "--tau", "0.4",
                                        "--massive-abs", "5", "--massive-rel", "20", "--top-k", "4"], False))
    tiny = os.path.join(REPO, "tests", "data", "tiny")
    lengths = {"gpt2": 16, "llama": 20, "llama_tied_f16": 12, "neox": 17, "neox_seq": 14}
    for i, name in enumerate(sorted(os.listdir(tiny))):
        folder = os.path.join(tiny, name)
        cfgp = os.path.join(folder, "config.json")
        if not os.path.isfile(cfgp):
            continue
        with open(cfgp) as f:
            cfg = json.load(f)
        if "vocab_size" not in cfg:          # not a language model (the averaging model)
            continue
        n = lengths.get(name, 12 + (i * 3) % 9)
        ids = _lcg_ids(n, int(cfg["vocab_size"]), 1000 + i)
        out.append((name, folder, ["--ids", ",".join(map(str, ids))], False))
        if name == "llama":
            out.append(("llama:T3", folder, ["--ids", ",".join(map(str, _lcg_ids(3, int(cfg["vocab_size"]), 77)))], True))
    for j, name in enumerate(("averaging-bos-8", "averaging-bos-10", "averaging-d32-13")):
        folder = os.path.join(REPO, "models", name)
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        X = _averaging_inputs(cfg, 2024 + j)
        out.append((name.replace("averaging-", "avg-"), folder,
                    ["--inputs", ",".join("%.6f" % v for v in X.ravel())], False))
    return out


COMPRESS_DEFAULTS = {"sparsity": 0.5, "ratio": 1.0, "rank_ratio": 0.25, "iters": 8, "mlp": False}


def compress_cases():
    """(name, model, spec asked for): the CLI flags follow from the spec."""
    demo = os.path.join(REPO, "models", "demo-lm")
    tiny = os.path.join(REPO, "tests", "data", "tiny")
    out = []
    for name, model, kw in (
            ("demo:lowrank", demo, {"kind": "lowrank"}),
            ("demo:sparse", demo, {"kind": "sparse"}),
            ("demo:oats", demo, {"kind": "oats"}),
            ("llama:lowrank+mlp", os.path.join(tiny, "llama"), {"kind": "lowrank", "mlp": True}),
            ("llama:oats+mlp", os.path.join(tiny, "llama"), {"kind": "oats", "mlp": True}),
            ("gpt2:sparse0.9", os.path.join(tiny, "gpt2"), {"kind": "sparse", "sparsity": 0.9})):
        spec = dict(COMPRESS_DEFAULTS)
        spec.update(kw)
        out.append((name, model, spec))
    return out


def start_compress(cli, name, model, spec, work):
    """Starts `sinkscope-cli compress` for one case -> (process, output path)."""
    path = os.path.join(work, name.replace(":", "_").replace("+", "_") + ".safetensors")
    cmd = [cli, "compress", "--model", model, "--kind", spec["kind"], "--sparsity", repr(spec["sparsity"]),
           "--ratio", repr(spec["ratio"]), "--rank-ratio", repr(spec["rank_ratio"]),
           "--iters", str(spec["iters"]), "--out", path]
    if spec["mlp"]:
        cmd.append("--mlp")
    err = tempfile.TemporaryFile(dir=work)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO), err, path


def finish_compress(started, model, spec, keep=False):
    """Waits for the CLI, then recomputes and compares its output."""
    proc, err, path = started
    rc = proc.wait()
    err.seek(0)
    msg = err.read().decode("utf-8", "replace").strip()[-400:]
    err.close()
    try:
        if rc != 0:
            raise RuntimeError("CLI exit %d: %s" % (rc, msg))
        return check_compressed(path, spec, model)
    finally:
        if not keep and os.path.exists(path):
            os.remove(path)


COMPRESS_ROWS = ["case", "spec", "matrices", "orig_is_model", "params_total", "params_kept", "comp",
                 "topk_ties", "topk_near_ties"]
COMPRESS_COUNT = {"topk_ties", "topk_near_ties"}
# shown for information, not counted as passed or failed
INFO_ROWS = {"sinks_compared", "sinks_unclear", "pc1_not_unique", "topk_ties", "topk_near_ties"}
COMPRESS_EXACT = {"spec", "matrices", "orig_is_model", "params_total", "params_kept"}


ROW_ORDER = ["header", "settings", "settings_asked", "sink_score", "sink_list", "sinks_compared", "sinks_unclear", "sink_map",
             "sink_map_key", "sink1_share_per_layer", "sink1_share", "score", "uniform_score",
             "kind", "caught", "catch_span", "caught_after", "tag", "tag_norm", "tag_alignment", "tag_projection",
             "tag_projection_others", "var_top1", "var_top2", "cos_top_pc_tag", "pc1_not_unique", "release_entries",
             "mass_caught", "uniform_caught", "lift", "tag_score_share", "release_selection", "median_abs", "max_abs",
             "massive_list", "massive_value", "ratio_to_median", "over_threshold", "next_token_loss"]
COUNT_ROWS = {"sinks_compared", "sinks_unclear", "release_entries", "pc1_not_unique"}
EXACT_ROWS = {"header", "settings", "sink_list", "sink_map_key", "kind", "caught", "catch_span", "caught_after",
              "release_selection", "settings_asked",
              "massive_list", "over_threshold", "case"}


def _has_byte_level(node):
    if isinstance(node, dict):
        if node.get("type") == "ByteLevel":
            return True
        return any(_has_byte_level(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_byte_level(v) for v in node)
    return False


def vocab_tokens(model, ids):
    """The bytes each token spells, from the model's own tokenizer.json
    (byte-level BPE forms such as 'Ċ', 'Ġthe' mapped back to bytes; added
    tokens as their UTF-8 text), or None when it has none."""
    path = os.path.join(model, "tokenizer.json")
    if not ids or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        tk = json.load(f)
    byte_level = _has_byte_level(tk.get("pre_tokenizer")) or _has_byte_level(tk.get("decoder"))
    inv = {int(i): token_bytes(t, byte_level) for t, i in tk.get("model", {}).get("vocab", {}).items()}
    for a in tk.get("added_tokens", []) or []:
        inv[int(a["id"])] = a["content"].encode("utf-8")
    return [inv.get(int(i)) for i in ids]


def run_case(cli, name, model, args, work, keep=False, selection=False):
    dump = os.path.join(work, name.replace(":", "_") + ".safetensors")
    cmd = [cli, "analyze", "--model", model] + args + ["--release-all", "--format", "json", "--dump", dump]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    if p.returncode != 0:
        raise RuntimeError("CLI exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace").strip()[-400:]))
    cli_json = json.loads(p.stdout.decode("utf-8"))
    dmp = Dump.load(dump)
    if not keep:
        os.remove(dump)
    ref = compute(dmp, tokens=vocab_tokens(model, dmp.ids))
    notes = []
    rows = compare(ref, cli_json, notes)
    # the settings asked for on the command line, as the JSON repeats them
    asked = [(SETTING_FLAGS[f], float(v)) for f, v in zip(args, args[1:]) if f in SETTING_FLAGS]
    if asked:
        bad = 0
        for key, v in asked:
            got = cli_json.get("settings", {}).get(key)
            if got is None or abs(float(got) - v) > 1e-6 * max(1.0, abs(v)):
                bad += 1
                notes.append("settings_asked %s: asked %r, JSON %r" % (key, v, got))
        rows.append(("settings_asked", len(asked), float(bad), bad == 0))
    if selection:
        # without --release-all: release and tag_variance for the top
        # release_max_sinks sinks only
        cmd = [cli, "analyze", "--model", model] + args + ["--format", "json"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        if p.returncode != 0:
            raise RuntimeError("CLI exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace").strip()[-400:]))
        rows.append(check_selection(ref, json.loads(p.stdout.decode("utf-8")), notes))
    return ref, cli_json, rows, notes


RELEASE_MAX_SINKS = 8
SETTING_FLAGS = {"--eps": "sink_eps", "--min-queries": "sink_min_queries", "--sink1-eps": "sink1_eps",
                 "--tau": "catch_tau", "--massive-abs": "massive_abs", "--massive-rel": "massive_rel",
                 "--top-k": "top_k"}


def check_selection(ref, cli, notes, n=RELEASE_MAX_SINKS):
    """-> a row: which sinks got tag_variance (var_top1) and release entries
    from a plain `analyze` (the n of highest score, ties: earlier layer, head,
    key first; release only where a later layer exists). Compared only when the
    n-th and (n+1)-th scores are more than 1e-4 apart."""
    order = sorted(ref["sinks"], key=lambda s: (-s["score"], s["layer"], s["head"], s["key"]))
    if len(order) > n and abs(order[n - 1]["score"] - order[n]["score"]) <= TOL:
        return ("release_selection", 0, 0.0, True)
    top = set((s["layer"], s["head"], s["key"]) for s in order[:n])
    got_var = set((t["layer"], t["head"], t["key"]) for t in cli.get("tags", []) if "var_top1" in t)
    got_rel = set((r["sink_layer"], r["sink_head"], r["sink_key"]) for r in cli.get("release", []))
    want_rel = set(k for k in top if k[0] < ref["n_layers"] - 1)
    bad = 0
    if got_var != top:
        bad += 1
        notes.append("release_selection: tag_variance for %s, want %s" % (sorted(got_var), sorted(top)))
    if got_rel != want_rel:
        bad += 1
        notes.append("release_selection: release for %s, want %s" % (sorted(got_rel), sorted(want_rel)))
    return ("release_selection", 2, float(bad), bad == 0)


def bos_ratio(Hl):
    """Model cards: (max_j |resid_post_l[0, j]| / median_abs, that max, its j)."""
    a = np.abs(Hl)
    med = float(np.median(a))
    j = int(np.argmax(a[0]))
    return (float(a[0, j]) / med if med > 0 else 0.0), float(a[0, j]), j


def card_check(cli, work, n_windows):
    """Optional (--card): the demo model card's held-out figures (share of
    heads with sink_score(0) > 0.3 by the Sink_1 rule, mean sink_score(0), BOS
    ratio, max |h| at BOS, top dim, per layer) recomputed from the CLI's dumps
    of golden/eval_windows.safetensors. The card comes from PyTorch (fp32) over
    all its windows; compared within 1% (the page's figure for the card) only
    when every window is used. -> (rows, notes)."""
    demo = os.path.join(REPO, "models", "demo-lm")
    with open(os.path.join(demo, "metrics.json")) as f:
        card = json.load(f)["heldout_T64"]
    wins = read_safetensors(os.path.join(demo, "golden", "eval_windows.safetensors"))[0]["ids"]
    n = min(int(n_windows), wins.shape[0])
    eps1 = float(card.get("sink_eps", 0.3))
    acc = None
    procs = []

    def start(w):
        path = os.path.join(work, "card_%d.safetensors" % w)
        cmd = [cli, "analyze", "--model", demo, "--ids", ",".join(str(int(i)) for i in wins[w]),
               "--format", "json", "--dump", path]
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO), path

    nxt = 0
    while nxt < min(2, n):
        procs.append(start(nxt))
        nxt += 1
    tops = []
    for w in range(n):
        proc, path = procs.pop(0)
        if nxt < n:
            procs.append(start(nxt))
            nxt += 1
        if proc.wait() != 0:
            raise RuntimeError("CLI failed on window %d" % w)
        dmp = Dump.load(path)
        os.remove(path)
        L, T = dmp.L, dmp.T
        A = np.stack([dmp.tap(l, "attn_pattern") for l in range(L)])
        s0 = sink_scores(A)[..., 0]                                       # [L, H]
        st = dmp.settings
        share = sink_mask(sink_scores(A), uniform_scores(T), eps1, int(st["sink_min_queries"]),
                          float(st["sink_uniform_factor"]))[..., 0].mean(axis=1)
        br = [bos_ratio(dmp.tap(l, "resid_post")) for l in range(L)]
        row = np.stack([share, s0.mean(axis=1), [b[0] for b in br], [b[1] for b in br]])
        acc = row if acc is None else acc + row
        tops.append([b[2] for b in br])
    acc /= n
    tops = np.array(tops)
    mode = [int(np.bincount(tops[:, l]).argmax()) for l in range(tops.shape[1])]
    names = ("share_sink0_per_layer", "mean_sink_score0_per_layer", "bos_ratio_per_layer",
             "bos_max_abs_per_layer")
    rows, notes = [], []
    for i, k in enumerate(names):
        got = np.asarray(card[k], dtype=np.float64)
        rel = np.abs(acc[i] - got) / np.maximum(np.abs(got), 1e-12)
        notes.append("%s: ref %s card %s" % (k, np.round(acc[i], 4).tolist(), got.tolist()))
        if n == wins.shape[0]:
            rows.append((k, got.size, float(rel.max()), bool(rel.max() <= 0.01)))
    notes.append("bos_top_dim_per_layer (the most frequent j over windows): ref %s card %s" % (
        mode, card["bos_top_dim_per_layer"]))
    if n == wins.shape[0]:
        bad = sum(int(a != b) for a, b in zip(mode, card["bos_top_dim_per_layer"]))
        rows.append(("bos_top_dim_per_layer", len(mode), float(bad), bad == 0))
    return rows, notes


def _print_table(title, rows, names, results, exact_rows, count_rows):
    """One table: a row per metric, a column per case. Returns (passed, failed)."""
    n_pass = n_fail = 0
    w0 = max(len(m) for m in rows) + 1
    widths = [max(9, len(n) + 1) for n in names]
    if title:
        print(title)
    print("metric".ljust(w0) + "".join(n.rjust(w) for n, w in zip(names, widths)))
    for m in rows:
        cells = []
        for n, w in zip(names, widths):
            cell = results[n].get(m)
            if cell is None:
                txt = "-"
            elif m == "case":
                txt = "ok" if cell[2] else "FAIL"
            elif m in count_rows:
                txt = str(cell[0])
            elif cell[0] == 0:
                txt = "-"
            elif m in exact_rows and math.isfinite(cell[1]):
                txt = "%d" % int(cell[1])
            else:
                txt = ("%.1e" % cell[1]) if math.isfinite(cell[1]) else "miss"
            if cell is not None and (cell[0] > 0 or m == "case") and m not in INFO_ROWS:
                if cell[2]:
                    n_pass += 1
                else:
                    n_fail += 1
                    txt += "!"
            cells.append(txt.rjust(w))
        print(m.ljust(w0) + "".join(cells))
    return n_pass, n_fail


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", help="path of sinkscope-cli")
    ap.add_argument("--work", help="keep the dumps in this folder (default: a fresh temporary folder, deleted)")
    ap.add_argument("--self-test", action="store_true", help="run only the hand-computed checks")
    ap.add_argument("--only", help="comma-separated case names (analysis and compression)")
    ap.add_argument("--notes", type=int, default=5, help="failure details shown per case (stderr)")
    ap.add_argument("--card", type=int, nargs="?", const=256, default=0, metavar="N",
                    help="also check the demo model card's held-out figures on its first N windows "
                         "(default all 256, a few minutes; compared only with all of them)")
    a = ap.parse_args(argv)

    fails = self_test(verbose=a.self_test)
    for f in fails:
        print("self-test FAILED: %s" % f)
    print("self-test: %d failed" % len(fails))
    if a.self_test:
        return 1 if fails else 0
    if not a.cli:
        ap.error("--cli is required (or --self-test)")
    cli = os.path.abspath(a.cli) if os.path.exists(a.cli) else a.cli
    only = set(a.only.split(",")) if a.only else None

    if a.work:
        work = os.path.abspath(a.work)
        os.makedirs(work, exist_ok=True)
        tmpdir = None
    else:
        tmpdir = work = tempfile.mkdtemp(prefix="sinkscope-indep-")
    try:
        return _drive(a, cli, only, work, fails)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _drive(a, cli, only, work, fails):
    n_pass, n_fail = (0, 1) if fails else (1, 0)
    case_errors = []

    def show(name, notes):
        for line in notes[:a.notes]:
            sys.stderr.write("%s: %s\n" % (name, line))
        if len(notes) > a.notes:
            sys.stderr.write("%s: ... %d more\n" % (name, len(notes) - a.notes))

    # analysis cases
    results, names = {}, []
    for name, model, args, expect_none in cases():
        if only and name not in only:
            continue
        names.append(name)
        try:
            ref, cj, rows, notes = run_case(cli, name, model, args, work, keep=bool(a.work),
                                            selection=(name == "demo:prompt"))
        except Exception as e:          # a CLI failure is a failed case
            results[name] = {"case": (1, float("inf"), False)}
            case_errors.append("%s: %s" % (name, e))
            continue
        r = {m: (n, dmax, ok) for m, n, dmax, ok in rows}
        n_sinks = r.get("sinks_compared", (0,))[0]
        if expect_none:
            ok = len(ref["sinks"]) == 0 and len(cj.get("sinks", [])) == 0
            r["case"] = (1, 0.0 if ok else 1.0, ok)
            if not ok:
                case_errors.append("%s: sinks expected none (ref %d, cli %d)" % (
                    name, len(ref["sinks"]), len(cj.get("sinks", []))))
        else:
            ok = n_sinks > 0
            r["case"] = (1, 0.0 if ok else 1.0, ok)
            if not ok:
                case_errors.append("%s: no sink compared (ref %d sinks, cli %d)" % (
                    name, len(ref["sinks"]), len(cj.get("sinks", []))))
        results[name] = r
        show(name, notes)

    # compression cases
    cresults, cnames = {}, []
    todo = [c for c in compress_cases() if not only or c[0] in only]
    started = start_compress(cli, *todo[0], work=work) if todo else None
    for i, (name, model, spec) in enumerate(todo):
        cnames.append(name)
        cur = started
        # the next case's CLI runs while numpy checks this one
        started = start_compress(cli, *todo[i + 1], work=work) if i + 1 < len(todo) else None
        try:
            rows, notes, _ = finish_compress(cur, model, spec, keep=bool(a.work))
        except Exception as e:
            cresults[name] = {"case": (1, float("inf"), False)}
            case_errors.append("%s: %s" % (name, e))
            continue
        ok = all(v[2] for v in rows.values()) and rows.get("comp", (0,))[0] > 0
        rows["case"] = (1, 0.0 if ok else 1.0, ok)
        cresults[name] = rows
        show(name, notes)
    for e in case_errors:
        sys.stderr.write("case %s\n" % e)

    if names:
        metrics = ["case"] + ROW_ORDER + sorted(set(m for r in results.values() for m in r) - set(ROW_ORDER) - {"case"})
        print("cells: max |diff| over what was compared (unbounded metrics: |diff| / max(1, |ref|));")
        print("mismatch counts for %s; counts for %s; '-' nothing compared; '!' failed (over 1e-4 or a mismatch)"
              % (", ".join(sorted(EXACT_ROWS - {"case"})), ", ".join(sorted(COUNT_ROWS))))
        p_, f_ = _print_table("", metrics, names, results, EXACT_ROWS, COUNT_ROWS)
        n_pass, n_fail = n_pass + p_, n_fail + f_
    if cnames:
        print()
        print("compression (sinkscope-cli compress): comp = max |comp_cli - comp_ref| / max(1, max|W|) over "
              "every matrix; mismatch counts for %s;" % ", ".join(sorted(COMPRESS_EXACT)))
        print("topk_ties / topk_near_ties (information, not pass/fail): top-k selections (sparse: 1 a matrix; "
              "oats: 1 an iteration) whose k-th and (k+1)-th |x| are equal / within 1e-6 of max(1, max|W|)")
        p_, f_ = _print_table("", COMPRESS_ROWS, cnames, cresults, COMPRESS_EXACT, COMPRESS_COUNT)
        n_pass, n_fail = n_pass + p_, n_fail + f_
    if a.card:
        print()
        try:
            crow, cnotes = card_check(cli, work, a.card)
        except Exception as e:
            crow, cnotes = [("card", 1, float("inf"), False)], ["card: %s" % e]
        for line in cnotes:
            print("card %s" % line)
        for m, n_, dmax, ok in crow:
            print("card %-28s %s %s" % (m, ("%.1e" % dmax) if m != "bos_top_dim_per_layer" else "%d" % dmax,
                                         "ok" if ok else "FAILED"))
            n_pass, n_fail = (n_pass + 1, n_fail) if ok else (n_pass, n_fail + 1)
    print("independent reference: %d passed, %d failed" % (n_pass, n_fail))
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
