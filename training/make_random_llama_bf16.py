#!/usr/bin/env python3
"""A Llama-shaped random-weight checkpoint in bfloat16, sharded: the size a
researcher brings (SmolLM-135M's shape by default), made with numpy alone so it
runs anywhere (no torch, no transformers), for timing and memory only.

Why: loading a 135M-parameter bf16 checkpoint in the page (16-bit weights kept
16-bit in memory, sharded safetensors) must be measured on the real size; the
weights do not matter, so they are made where they are used and never
committed (270 MB). Writes OUT/config.json, OUT/model.safetensors.index.json,
OUT/model-0000K-of-0000N.safetensors and OUT/tokenizer.json (demo-lm's BPE,
its vocabulary padded with unreachable "<extra_N>" entries to --vocab ids,
since a tokenizer must cover at least half of the model's vocabulary).

--max-pos N sets config.json's max_position_embeddings (the app's context
limit; default 2048).

--plant-sink: every head of every layer gives the BOS token (id 0: demo-lm's
tokenizer prepends "<|bos|>" = 0 and config.json says bos_token_id 0) most of
its attention, as trained LMs do, so the sink panels show something real on
random weights. The construction (all other weights stay random, std 0.02):
  - a "massive activation": BOS's embedding gets --massive (400) on model
    dim 0, every token's embedding gets --const (8) on model dim 1;
  - the rows of every o_proj and down_proj that write model dims 0 and 1 are
    zero, so the residual stream's dims 0 and 1 stay exactly the embedding's
    through all layers (attention and MLP write only the other dims);
  - RMSNorm then makes BOS's normalised dim 0 about sqrt(d) (its row is almost
    all dim 0) and every other token's dims 0 tiny and 1 large;
  - Llama's RoPE ("rotate_half": dim j pairs with j + dh/2 at frequency
    theta^(-2j/dh), j < dh/2) barely turns its lowest-frequency pair
    j = dh/2 - 1 (0.27 rad over 2048 positions at theta 1e4, dh 64), so in
    every layer k_proj row g*dh + j gets a weight b on input dim 0 (reads the
    massive dim: large only for BOS) and q_proj row h*dh + j a weight a_l on
    input dim 1 (reads the constant dim: every query). q_i . k_BOS / sqrt(dh)
    then gets about a_l * b * xn_i[1] * xn_BOS[0] / sqrt(dh) * cos(rotation),
    while other keys' planted component is ~0;
  - a_l is calibrated layer by layer with a numpy forward of the planted model
    on a prompt of --calib-T random ids (bf16-rounded weights): the residual's
    other dims grow with depth, which shrinks the normalised dim 1, so a_l is
    set to give a planted logit of --sink-logit (10) at layer l's input.
  The same forward reports BOS's attention share per layer (min and mean over
  heads, mean over queries); e^10 against ~2047 keys near logit 0 leaves BOS
  about 0.9 of each row even at T = 2048.

Usage: python3 make_random_llama_bf16.py --out DIR [--layers 30 --d 576 --heads 9 --kv-heads 3
         --mlp 1536 --vocab 49152 --shards 2 --seed 0 --max-pos 2048]
         [--plant-sink [--sink-logit 10 --massive 400 --const 8 --calib-T 256]]
"""
import argparse
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def bf16_bits(a):
    """float32 array -> bfloat16 bit patterns (uint16), round to nearest even."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = u + 0x7FFF + ((u >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


def bf16_float(bits):
    """bfloat16 bit patterns -> float32 values."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors):
    """tensors: list of (name, shape, uint16 bits) -> one BF16 safetensors file."""
    header, off = {}, 0
    for name, shape, bits in tensors:
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + bits.nbytes]}
        off += bits.nbytes
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, _, bits in tensors:
            f.write(bits.tobytes())


class PlantedForward:
    """A numpy Llama forward of the calibration prompt, one layer at a time
    (RMSNorm weight 1, RoPE rotate_half, causal softmax, SwiGLU)."""

    def __init__(self, embed, ids, a, eps=1e-5):
        self.a, self.eps = a, eps
        self.ids = ids
        self.x = embed[ids].astype(np.float64)  # [T, d] residual
        dh = a.d // a.heads
        inv = a.rope_theta ** (-np.arange(0, dh, 2) / dh)
        ang = np.arange(len(ids))[:, None] * inv[None, :]
        self.cos = np.concatenate([np.cos(ang)] * 2, axis=1)[:, None, :]  # [T, 1, dh]
        self.sin = np.concatenate([np.sin(ang)] * 2, axis=1)[:, None, :]

    def norm(self, x):
        return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + self.eps)

    def rope(self, x):
        h = x.shape[-1] // 2
        return x * self.cos + np.concatenate([-x[..., h:], x[..., :h]], axis=-1) * self.sin

    def layer(self, W):
        a = self.a
        T, dh = self.x.shape[0], a.d // a.heads
        xn = self.norm(self.x)
        q = self.rope((xn @ W["q"].T).reshape(T, a.heads, dh))
        k = self.rope((xn @ W["k"].T).reshape(T, a.kv_heads, dh))
        v = (xn @ W["v"].T).reshape(T, a.kv_heads, dh)
        rep = a.heads // a.kv_heads
        k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
        s = np.einsum("ihd,jhd->hij", q, k) / np.sqrt(dh)
        s = np.where(np.tril(np.ones((T, T), dtype=bool))[None], s, -np.inf)
        s -= s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=-1, keepdims=True)
        o = np.einsum("hij,jhd->ihd", p, v).reshape(T, a.heads * dh)
        self.x = self.x + o @ W["o"].T
        xn = self.norm(self.x)
        g = xn @ W["gate"].T
        self.x = self.x + ((g / (1 + np.exp(-g))) * (xn @ W["up"].T)) @ W["down"].T
        return p[:, :, 0].mean(axis=1)  # [H]: BOS's share of attention, mean over queries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=30)
    ap.add_argument("--d", type=int, default=576)
    ap.add_argument("--heads", type=int, default=9)
    ap.add_argument("--kv-heads", type=int, default=3)
    ap.add_argument("--mlp", type=int, default=1536)
    ap.add_argument("--vocab", type=int, default=49152)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-pos", type=int, default=2048, help="config.json max_position_embeddings")
    ap.add_argument("--plant-sink", action="store_true", help="make BOS the attention sink of every head")
    ap.add_argument("--sink-logit", type=float, default=10.0, help="planted q.k_BOS/sqrt(dh) per layer")
    ap.add_argument("--massive", type=float, default=400.0, help="BOS's embedding on model dim 0")
    ap.add_argument("--const", type=float, default=8.0, help="every token's embedding on model dim 1")
    ap.add_argument("--calib-T", type=int, default=256, help="tokens of the calibration prompt")
    a = ap.parse_args()
    a.rope_theta = 10000.0
    bos = 0  # demo-lm's <|bos|>, config.json's bos_token_id below
    rng = np.random.default_rng(a.seed)
    dh = a.d // a.heads
    os.makedirs(a.out, exist_ok=True)
    if a.plant_sink and (a.d < 2 or dh < 2 or a.heads % a.kv_heads):
        ap.error("--plant-sink needs d >= 2, head_dim >= 2 and heads a multiple of kv-heads")

    def normal_f(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * 0.02

    def normal(*shape):
        return bf16_bits(normal_f(*shape))

    def ones(n):
        return bf16_bits(np.ones(n, dtype=np.float32))

    # The random draws come in the same order with and without --plant-sink
    # (embedding, then per layer q, k, v, o, gate, up, down), so the default
    # output is byte-identical to what this script always wrote.
    embed = normal_f(a.vocab, a.d)
    fwd = None
    if a.plant_sink:
        embed[:, 1] = a.const
        embed[bos, 0] = a.massive
        embed = bf16_float(bf16_bits(embed))
        calib = np.random.default_rng(a.seed + 1).integers(1, min(a.vocab, 4096), a.calib_T)
        fwd = PlantedForward(embed, np.concatenate([[bos], calib]), a)
        j = dh // 2 - 1  # the lowest-frequency RoPE pair's first dim
        b = 0.5  # k_proj's weight on the massive dim
        shares = []
    tensors = [("model.embed_tokens.weight", (a.vocab, a.d), bf16_bits(embed))]
    for l in range(a.layers):
        p = f"model.layers.{l}."
        W = {"q": normal_f(a.heads * dh, a.d), "k": normal_f(a.kv_heads * dh, a.d),
             "v": normal_f(a.kv_heads * dh, a.d), "o": normal_f(a.d, a.heads * dh),
             "gate": normal_f(a.mlp, a.d), "up": normal_f(a.mlp, a.d), "down": normal_f(a.d, a.mlp)}
        if a.plant_sink:
            W["o"][:2, :] = 0  # nothing writes the residual's dims 0 and 1
            W["down"][:2, :] = 0
            xn = fwd.norm(fwd.x)
            kb = b * xn[0, 0]  # k_BOS's planted component
            q1 = xn[1:, 1].mean()  # the queries' normalised constant dim
            al = a.sink_logit * np.sqrt(dh) / (kb * q1)
            for g in range(a.kv_heads):
                W["k"][g * dh + j, 0] = b
            for h in range(a.heads):
                W["q"][h * dh + j, 1] = al
            W = {n: bf16_float(bf16_bits(w)) for n, w in W.items()}
            share = fwd.layer(W)
            shares.append(share)
            print(f"layer {l:2d}: q weight {al:6.3f}, BOS share of attention min {share.min():.3f} "
                  f"mean {share.mean():.3f} over {a.heads} heads (T={a.calib_T + 1})")
        tensors += [
            (p + "input_layernorm.weight", (a.d,), ones(a.d)),
            (p + "self_attn.q_proj.weight", (a.heads * dh, a.d), bf16_bits(W["q"])),
            (p + "self_attn.k_proj.weight", (a.kv_heads * dh, a.d), bf16_bits(W["k"])),
            (p + "self_attn.v_proj.weight", (a.kv_heads * dh, a.d), bf16_bits(W["v"])),
            (p + "self_attn.o_proj.weight", (a.d, a.heads * dh), bf16_bits(W["o"])),
            (p + "post_attention_layernorm.weight", (a.d,), ones(a.d)),
            (p + "mlp.gate_proj.weight", (a.mlp, a.d), bf16_bits(W["gate"])),
            (p + "mlp.up_proj.weight", (a.mlp, a.d), bf16_bits(W["up"])),
            (p + "mlp.down_proj.weight", (a.d, a.mlp), bf16_bits(W["down"])),
        ]
        del W
    tensors.append(("model.norm.weight", (a.d,), ones(a.d)))

    # Cut into shards of about equal bytes, tensors kept whole and in order.
    total = sum(t[2].nbytes for t in tensors)
    shards, cur, size = [], [], 0
    for t in tensors:
        cur.append(t)
        size += t[2].nbytes
        if size >= total * (len(shards) + 1) / a.shards and len(shards) < a.shards - 1:
            shards.append(cur)
            cur = []
    shards.append(cur)
    weight_map = {}
    for i, group in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(a.out, name), group)
        weight_map.update({t[0]: name for t in group})
    with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": a.vocab,
        "hidden_size": a.d, "intermediate_size": a.mlp, "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "head_dim": dh,
        "max_position_embeddings": a.max_pos, "rms_norm_eps": 1e-5, "rope_theta": a.rope_theta,
        "hidden_act": "silu", "tie_word_embeddings": True, "bos_token_id": bos, "eos_token_id": bos,
        "torch_dtype": "bfloat16",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(HERE, "..", "models", "demo-lm", "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    vocab = tok["model"]["vocab"]
    for i in range(len(vocab), a.vocab):
        vocab[f"<extra_{i}>"] = i
    with open(os.path.join(a.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    n = sum(int(np.prod(t[1])) for t in tensors)
    print(f"{a.out}: {n / 1e6:.1f}M parameters, {total / 1e6:.0f} MB bf16 in {len(shards)} shards")
    if a.plant_sink:
        s = np.array(shares)
        print(f"planted sink: BOS share of attention over all {s.size} heads: min {s.min():.3f} "
              f"mean {s.mean():.3f} (calibration prompt, T={a.calib_T + 1})")


if __name__ == "__main__":
    main()
