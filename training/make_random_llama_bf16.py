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

Usage: python3 make_random_llama_bf16.py --out DIR [--layers 30 --d 576 --heads 9 --kv-heads 3
         --mlp 1536 --vocab 49152 --shards 2 --seed 0]
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
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    dh = a.d // a.heads
    os.makedirs(a.out, exist_ok=True)

    def normal(*shape):
        return bf16_bits(rng.standard_normal(shape, dtype=np.float32) * 0.02)

    def ones(n):
        return bf16_bits(np.ones(n, dtype=np.float32))

    tensors = [("model.embed_tokens.weight", (a.vocab, a.d), normal(a.vocab, a.d))]
    for l in range(a.layers):
        p = f"model.layers.{l}."
        tensors += [
            (p + "input_layernorm.weight", (a.d,), ones(a.d)),
            (p + "self_attn.q_proj.weight", (a.heads * dh, a.d), normal(a.heads * dh, a.d)),
            (p + "self_attn.k_proj.weight", (a.kv_heads * dh, a.d), normal(a.kv_heads * dh, a.d)),
            (p + "self_attn.v_proj.weight", (a.kv_heads * dh, a.d), normal(a.kv_heads * dh, a.d)),
            (p + "self_attn.o_proj.weight", (a.d, a.heads * dh), normal(a.d, a.heads * dh)),
            (p + "post_attention_layernorm.weight", (a.d,), ones(a.d)),
            (p + "mlp.gate_proj.weight", (a.mlp, a.d), normal(a.mlp, a.d)),
            (p + "mlp.up_proj.weight", (a.mlp, a.d), normal(a.mlp, a.d)),
            (p + "mlp.down_proj.weight", (a.d, a.mlp), normal(a.d, a.mlp)),
        ]
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
        "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "bfloat16",
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


if __name__ == "__main__":
    main()
