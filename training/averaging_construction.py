#!/usr/bin/env python3
"""Write models/averaging-construction: the hand-built solution of the averaging
problem (docs/science.md, "The minimal problem"; the paper's explicit
construction: catch at [SEP], tag, release in layer 2), weight for weight the
construction that tests/unit/analysis/catch_tag_release.cpp checks
("full averaging construction"), in the format of the trained averaging
models (config.json, model.safetensors, metrics.json, MODEL.md).

    /usr/bin/python3 training/averaging_construction.py [--out models/averaging-construction]

Inputs x_t in R^10: v (8), [SEP] flag (column 8), constant 1 (column 9); no
BOS column, no positions, no biases. Residual dims (d = 19): 0..7 v, 8 the
[SEP] flag, 9 the constant, 10 the tag, 11..18 the running mean (the output).
  Layer 0 (catch, tag): q = b1 x_9 for every token, k = x_8: a query at or
    after the [SEP] scores 40 on it and 0 on vectors, so A[i, sep] = 1 up to
    e^-40 (below float resolution); a query before it sees only vectors and
    spreads 1/(i+1). v = x_8 in head dim 0, W_O maps it to dim 10 times gamma:
    every token at or after the [SEP] gets the tag gamma e_10.
  Layer 1 (release): q = b2 x_10, k = x_10 - 2 gamma x_8: a tagged query scores
    40 on tagged vectors, -40 on the [SEP], 0 on untagged tokens; an untagged
    query scores 0 everywhere (uniform over its prefix, all vectors). v = x_0..7
    -> dims 11..18; the readout reads them: the prediction is exactly the mean
    of the vectors since the segment start, for vectors of any sign.
Needs numpy only; the metrics are measured on fixed random sequences with a
float64 forward pass written here (no torch).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

DIN, D, DH = 8, 19, 8
C = DIN + 2          # input columns: v, [SEP] flag, constant
GAMMA = 2.0          # the tag's norm
SCORE = 40.0         # the designed attention score (e^-40: zero in float32)


def construction():
    """The weights in the shipped layout (nn.Linear: [out, in])."""
    sq = np.sqrt(DH)
    emb = np.zeros((D, C), np.float32)              # embed_in.weight [d, input_width]
    for j in range(C):
        emb[j, j] = 1.0
    q0, k0, v0, o0 = (np.zeros((DH, D), np.float32), np.zeros((DH, D), np.float32),
                      np.zeros((DH, D), np.float32), np.zeros((D, DH), np.float32))
    q0[0, 9] = SCORE * sq                            # every token asks for the [SEP]
    k0[0, 8] = 1.0                                   # only the [SEP] answers
    v0[0, 8] = 1.0                                   # its value: the flag ...
    o0[10, 0] = GAMMA                                # ... written as the tag, gamma e_10
    q1, k1, v1, o1 = (np.zeros((DH, D), np.float32), np.zeros((DH, D), np.float32),
                      np.zeros((DH, D), np.float32), np.zeros((D, DH), np.float32))
    q1[0, 10] = SCORE * sq / (GAMMA * GAMMA)         # tagged queries ...
    k1[0, 10] = 1.0                                  # ... look for tagged keys
    k1[0, 8] = -2.0 * GAMMA                          # but not the [SEP] itself
    for j in range(DIN):
        v1[j, j] = 1.0                               # release: read v
        o1[11 + j, j] = 1.0                          # into the mean's dims
    readout = np.zeros((DIN, D), np.float32)         # readout.weight [d_input, d]
    for j in range(DIN):
        readout[j, 11 + j] = 1.0
    return {
        "embed_in.weight": emb,
        "layers.0.self_attn.q_proj.weight": q0, "layers.0.self_attn.k_proj.weight": k0,
        "layers.0.self_attn.v_proj.weight": v0, "layers.0.self_attn.o_proj.weight": o0,
        "layers.1.self_attn.q_proj.weight": q1, "layers.1.self_attn.k_proj.weight": k1,
        "layers.1.self_attn.v_proj.weight": v1, "layers.1.self_attn.o_proj.weight": o1,
        "readout.weight": readout,
    }


def forward(w, x):
    """float64 forward pass: x [T, C] -> predictions [T, d_input], patterns [2][T, T], head outputs [2][T, d]."""
    h = x.astype(np.float64) @ w["embed_in.weight"].T.astype(np.float64)
    T = x.shape[0]
    pats, outs = [], []
    for l in range(2):
        p = f"layers.{l}.self_attn."
        q, k, v = (h @ w[p + n + "_proj.weight"].T.astype(np.float64) for n in ("q", "k", "v"))
        s = q @ k.T / np.sqrt(DH)
        s[np.triu_indices(T, 1)] = -np.inf
        a = np.exp(s - s.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        o = (a @ v) @ w[p + "o_proj.weight"].T.astype(np.float64)
        pats.append(a)
        outs.append(o)
        h = h + o
    return h @ w["readout.weight"].T.astype(np.float64), pats, outs


def sequence(rng, T):
    """One sequence of the task: N(0, 1) vectors, one [SEP] uniform in [2, T-2], the constant column."""
    x = np.zeros((T, C), np.float32)
    sep = int(rng.integers(2, T - 1))
    x[:, :DIN] = rng.standard_normal((T, DIN))
    x[sep, :DIN] = 0.0
    x[sep, 8] = 1.0
    x[:, 9] = 1.0
    return x, sep


def measure(w, n=256, T=32, seed=10000):
    """The averaging models' metrics (training/averaging.py's names) on n sequences."""
    rng = np.random.default_rng(seed)
    se, cnt, zero = 0.0, 0, 0.0
    catch, align, sep_attn, release, span_ok = [], [], [], [], 0
    for _ in range(n):
        x, sep = sequence(rng, T)
        y, pats, outs = forward(w, x)
        for t in range(T):
            if t == sep:
                continue
            start = 0 if t < sep else sep + 1
            target = x[start:t + 1, :DIN].mean(0)
            se += float(((y[t] - target) ** 2).sum())
            zero += float((target ** 2).sum())
            cnt += DIN
        a0, a1 = pats
        caught = [i for i in range(sep, T) if a0[i, sep] >= 0.5]
        catch.append(float(len(caught) == T - sep))
        span_ok += caught == list(range(sep, T))
        tag = outs[0][sep]
        cos = [float(outs[0][i] @ tag / (np.linalg.norm(outs[0][i]) * np.linalg.norm(tag))) for i in range(sep + 1, T)]
        align.append(float(np.mean(cos)))
        sep_attn.append(float(np.mean([a0[i, sep] for i in range(sep + 1, T)])))
        release.append(float(np.mean([a1[i, sep:i + 1].sum() for i in range(sep + 1, T)])))
    return {
        "final_loss": se / cnt, "zero_pred_loss": zero / cnt,
        "catch_rate": [float(np.mean(catch))], "tag_alignment": [float(np.mean(align))],
        "latest_sep_attn": [float(np.mean(sep_attn))], "release": [float(np.mean(release))],
        "span_equals_segment": span_ok / n, "sequences": n, "T": T, "eval_seed": seed,
    }


CONFIG = {
    "model_type": "sinkscope_averaging",
    "d_input": DIN,
    "hidden_size": D,
    "num_hidden_layers": 2,
    "num_attention_heads": 1,
    "head_dim": DH,
    "max_position_embeddings": 64,
    "sep_index": 8,
    "const_index": 9,
    "input_encoding": "x_t in R^10, columns: v (d_input entries), [SEP] flag (sep_index), constant 1 (const_index). "
                      "A vector is [v, 0, 1]; [SEP] is [0.., 1, 1]. The constant column stands in for biases "
                      "(the model has none, and no positions)",
    "target": "mean of the vectors since the segment start: position 0 before the [SEP], the [SEP] after it; "
              "the [SEP] position excluded from the loss",
    "task": "single",
    "sep_position": "one [SEP] per sequence, uniform in [2, T-2]",
    "construction": "hand-built (training/averaging_construction.py), not trained",
}


def card(m):
    return f"""# averaging-construction: the hand-built solution of averaging after [SEP]

The minimal problem of docs/science.md ("The minimal problem: averaging after [SEP]"), solved by hand: the
paper's explicit construction (catch at [SEP], tag, release in layer 2), weight for weight the construction
that `tests/unit/analysis/catch_tag_release.cpp` checks. Not trained: `training/averaging_construction.py`
writes it (numpy only) and measures the numbers below. The averaging lab shows it beside `averaging-bos-8`
(trained, formed the mechanism) and `averaging-bos-10` (trained, solved the task without a catch): three ways
to solve one task.

- Input encoding (config.json `input_encoding`): x_t in R^10: v (8), [SEP] flag, constant 1. No BOS column.
- Model (`model_type` "sinkscope_averaging", no positions, no norms, MLP or biases): d = 19, 2 layers of one
  head of 8 dims. Residual dims: 0..7 v, 8 the [SEP] flag, 9 the constant, 10 the tag, 11..18 the mean.
- Layer 0 (catch, tag): q = {SCORE:g} sqrt(8) x_9 for every token, k = x_8: every query at or after the [SEP]
  scores {SCORE:g} on it and 0 on vectors, so A[i, sep] = 1 up to e^-{SCORE:g}; a query before the [SEP] spreads
  1/(i+1) over the vectors it sees. v = x_8, W_O writes it to dim 10 times gamma = {GAMMA:g}: the tag.
- Layer 1 (release): q = {SCORE:g} sqrt(8) / gamma^2 x_10, k = x_10 - 2 gamma x_8: a tagged query scores
  {SCORE:g} on tagged vectors, -{SCORE:g} on the [SEP], 0 on untagged tokens, so it averages exactly the vectors
  after the [SEP]; an untagged query averages its whole prefix. v = x_0..7 -> dims 11..18 -> readout.

## Metrics ({m['sequences']} sequences of T = {m['T']}, seed {m['eval_seed']}; float64 forward)
| | |
|---|---|
| loss (MSE) | {m['final_loss']:.3g} (predicting 0 everywhere: {m['zero_pred_loss']:.5f}) |
| catch_rate (share of sequences whose [SEP] catches every token from it on) | {m['catch_rate'][0]:.4f} |
| catch span = segment [sep, T) exactly | {m['span_equals_segment']:.4f} of sequences |
| tag_alignment (mean cos(head_out, tag) over the vectors after the [SEP]) | {m['tag_alignment'][0]:.6f} |
| attention of vector queries after the [SEP] on it (layer 0) | {m['latest_sep_attn'][0]:.6f} |
| release (layer-1 attention mass of those queries on the [SEP] and after) | {m['release'][0]:.6f} |

A [SEP] at T - 3 or later is seen by fewer than sink_min_queries (4) queries, so the analysis lists no sink
there (docs/metrics.md, "Sink"); the catch itself is the same.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models",
                                                  "averaging-construction"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    w = construction()
    st_io.save(w, os.path.join(a.out, "model.safetensors"))
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    m = measure(w)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump({"name": "averaging-construction", "formed": True, **m}, f, indent=1)
        f.write("\n")
    with open(os.path.join(a.out, "MODEL.md"), "w") as f:
        f.write(card(m))
    print(json.dumps(m))


if __name__ == "__main__":
    main()
