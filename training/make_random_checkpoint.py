#!/usr/bin/env python3
"""Random-weight checkpoints of the sizes students will load, for timing only.

Why: the WebGPU backend's speed at real sizes (bench/gpu/run.mjs) needs models
of those shapes; their weights do not matter, so they are made where they are
timed and never committed (a 124M model is 250 MB in float16).
  gpt2-124m     GPT-2 small: 12 layers x 768, 12 heads, MLP 3072, vocab 50257
  llama-135m    SmolLM-135M's shape: 30 layers x 576, 9 heads (3 KV heads),
                MLP 1536, vocab 49152, tied embeddings
Each is written by transformers' save_pretrained (config.json +
model.safetensors, float16) into OUT/<name>/.

Usage: python3 make_random_checkpoint.py --out DIR [--only gpt2-124m,llama-135m]
"""
import argparse
import os

import torch
import transformers


def build(name):
    if name == "gpt2-124m":
        cfg = transformers.GPT2Config(n_layer=12, n_embd=768, n_head=12, n_inner=3072, vocab_size=50257,
                                      n_positions=1024, bos_token_id=50256, eos_token_id=50256)
        return transformers.GPT2LMHeadModel(cfg)
    if name == "llama-135m":
        cfg = transformers.LlamaConfig(num_hidden_layers=30, hidden_size=576, num_attention_heads=9,
                                       num_key_value_heads=3, intermediate_size=1536, vocab_size=49152,
                                       max_position_embeddings=2048, rope_theta=10000.0, tie_word_embeddings=True,
                                       bos_token_id=0, eos_token_id=0)
        return transformers.LlamaForCausalLM(cfg)
    raise SystemExit(f"unknown checkpoint {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="gpt2-124m,llama-135m")
    args = ap.parse_args()
    torch.manual_seed(0)
    for name in args.only.split(","):
        model = build(name).half()
        path = os.path.join(args.out, name)
        model.save_pretrained(path)  # safetensors by default
        n = sum(p.numel() for p in model.parameters())
        print(f"{name}: {n / 1e6:.1f}M parameters -> {path}")


if __name__ == "__main__":
    main()
