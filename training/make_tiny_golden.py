#!/usr/bin/env python3
"""Tiny random-weight checkpoints plus Hugging Face reference outputs.

Why: the C++ engine must match transformers to 1e-4 on logits, attention
patterns and hidden states for every family it loads (GPT-2, Llama with GQA,
GPT-NeoX with partial rotary and parallel residual, and our averaging model).
This script builds small checkpoints whose random weights are scaled up so
attention is far from uniform, runs them in float32 on the CPU with eager
attention, and writes for each family into OUT/<name>/:
  config.json, model.safetensors        (as save_pretrained writes them)
  golden.safetensors                    (what the C++ tests compare against)
golden.safetensors holds, for each sequence s in 0..2:
  seq{s}.ids       [T]         I32   (LM families)
  seq{s}.inputs    [T, din+1]  F32   (averaging: vectors plus [SEP] flag)
  seq{s}.logits    [T, V]      F32   (averaging: predictions [T, din])
  seq{s}.attn.{l}  [H, T, T]   F32   (rows = queries)
  seq{s}.hidden.{i}[T, d]      F32   (HF hidden_states[i]: i < L is the input
                                      of block i, i == L is after the final norm)
One checkpoint is stored in BF16 and one in F16: their goldens are computed from
the dtype-rounded weights, so the C++ side must convert exactly.
The other families (Qwen2, Qwen3, Mistral, Gemma, Gemma 2, Phi-3, OLMo 2, OPT)
get one tiny config each, with every sliding window shorter than the longest
sequence; two Llama variants carry a rope_scaling (linear, llama3), and
qwen2_sharded is saved in two shards (model.safetensors.index.json).

Usage: python3 make_tiny_golden.py --out tests/data/tiny   (CPU is enough)
       python3 make_tiny_golden.py --out DIR --only qwen2,mistral   (just these;
       the other folders are left as they are)
"""
import argparse
import json
import os
import sys
import traceback

import torch
from safetensors.torch import save_file

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

VOCAB = 96
SEQ_LENS = (7, 12, 16)


def scale_init(model, seed, std=0.25):
    """Random weights far from the default tiny init: sharp attention patterns."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name or "ln" in name):
                if name.endswith("bias"):
                    p.copy_(0.1 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))


def sequences(seed, bos):
    g = torch.Generator().manual_seed(seed)
    out = []
    for T in SEQ_LENS:
        ids = torch.randint(2, VOCAB, (T,), generator=g)
        if bos is not None:
            ids[0] = bos
        out.append(ids)
    return out


def check_rope(model, cfg, want):
    """A config option transformers does not know is stored silently: make
    sure the rope variant really ran, or the golden would test nothing."""
    rot = model.model.rotary_emb
    got = getattr(rot, "rope_type", None)
    if got != want:
        raise RuntimeError(f"rope_type {got!r} applied, wanted {want!r}")
    print(f"  rope_type {got}: inv_freq {rot.inv_freq.tolist()} attention_scaling {getattr(rot, 'attention_scaling', 1.0)}")


def save_sharded(model, d):
    """save_pretrained with a small max_shard_size, so the tiny model lands in
    exactly two shards plus model.safetensors.index.json."""
    import glob
    import shutil
    total = sum(p.numel() * 4 for p in model.state_dict().values())
    for frac in (0.55, 0.6, 0.5, 0.7, 0.45, 0.8, 0.4):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        model.save_pretrained(d, safe_serialization=True, max_shard_size=int(total * frac))
        shards = glob.glob(os.path.join(d, "model-*.safetensors"))
        if len(shards) == 2 and os.path.exists(os.path.join(d, "model.safetensors.index.json")):
            print(f"  sharded at {int(total * frac)} bytes: {sorted(os.path.basename(x) for x in shards)}")
            return
    raise RuntimeError("could not shard the model into two files")


def run_lm(name, cfg, dtype, outdir, seed, rope=None, sharded=False):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    try:
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    except TypeError:
        cfg._attn_implementation = "eager"
        model = AutoModelForCausalLM.from_config(cfg)
    model = model.float().eval()
    scale_init(model, seed)
    if getattr(cfg, "tie_word_embeddings", False):
        model.tie_weights()
    # Round the parameters (only) to the storage dtype so the golden is what
    # the file holds. Not model.to(dtype): that also rounds the float32 RoPE
    # inv_freq buffers, which a float32 inference never does (the first run of
    # this script did so; see tests/data/tiny/README.md).
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))
    if rope is not None:
        check_rope(model, cfg, rope)
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    if sharded:
        save_sharded(model, d)
    else:
        model.save_pretrained(d, safe_serialization=True)
    if dtype != torch.float32 and not sharded:  # rewrite the weights in the storage dtype
        from safetensors.torch import load_file
        st = os.path.join(d, "model.safetensors")
        save_file({k: v.to(dtype).contiguous() for k, v in load_file(st).items()}, st, metadata={"format": "pt"})
        cfgp = os.path.join(d, "config.json")
        cj = json.load(open(cfgp))
        cj["dtype"] = str(dtype).replace("torch.", "")
        json.dump(cj, open(cfgp, "w"), indent=2)
    tensors = {}
    for s, ids in enumerate(sequences(seed + 1, bos=1)):
        with torch.no_grad():
            o = model(ids[None, :], output_attentions=True, output_hidden_states=True)
        tensors[f"seq{s}.ids"] = ids.to(torch.int32).contiguous()
        tensors[f"seq{s}.logits"] = o.logits[0].float().contiguous()
        for l, a in enumerate(o.attentions):
            tensors[f"seq{s}.attn.{l}"] = a[0].float().contiguous()
        for i, h in enumerate(o.hidden_states):
            tensors[f"seq{s}.hidden.{i}"] = h[0].float().contiguous()
    save_file(tensors, os.path.join(d, "golden.safetensors"))
    print(f"== {name}: files {sorted(os.listdir(d))}")
    print(open(os.path.join(d, "config.json")).read())
    from safetensors import safe_open
    for fn in sorted(os.listdir(d)):
        if not fn.startswith("model") or not fn.endswith(".safetensors"):
            continue
        with safe_open(os.path.join(d, fn), "pt") as f:
            for k in f.keys():
                t = f.get_slice(k)
                print(f"  {fn}: {k} {t.get_dtype()} {t.get_shape()}")
    print(f"  logits[0,0,:4] {tensors['seq0.logits'][0, :4].tolist()}")
    print(f"  attn0 row max mean {tensors['seq2.attn.0'].max(-1).values.mean().item():.3f}")


def run_averaging(outdir, seed):
    """Our attention-only averaging model (shared spec), in plain torch."""
    din, d, H, dh, L = 8, 16, 2, 8, 2
    g = torch.Generator().manual_seed(seed)
    w = {"embed_in.weight": 0.5 * torch.randn(d, din + 1, generator=g)}
    for l in range(L):
        for p in "qkv":
            w[f"layers.{l}.self_attn.{p}_proj.weight"] = 0.5 * torch.randn(H * dh, d, generator=g)
        w[f"layers.{l}.self_attn.o_proj.weight"] = 0.3 * torch.randn(d, H * dh, generator=g)
    w["readout.weight"] = 0.3 * torch.randn(din, d, generator=g)
    cfg = {"model_type": "sinkscope_averaging", "d_input": din, "hidden_size": d,
           "num_hidden_layers": L, "num_attention_heads": H, "head_dim": dh,
           "max_position_embeddings": 64, "sep_index": din}
    dd = os.path.join(outdir, "averaging")
    os.makedirs(dd, exist_ok=True)
    with open(os.path.join(dd, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_file({k: v.contiguous() for k, v in w.items()}, os.path.join(dd, "model.safetensors"))
    tensors = {}
    for s, T in enumerate((9, 20, 33)):
        x = torch.zeros(T, din + 1)
        x[:, :din] = torch.randn(T, din, generator=g)
        sep = torch.rand(T, generator=g) < 0.15
        sep[0] = True
        x[sep] = 0.0
        x[sep, din] = 1.0
        h = x @ w["embed_in.weight"].T
        hidden = [h]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        for l in range(L):
            q = (h @ w[f"layers.{l}.self_attn.q_proj.weight"].T).view(T, H, dh).transpose(0, 1)
            k = (h @ w[f"layers.{l}.self_attn.k_proj.weight"].T).view(T, H, dh).transpose(0, 1)
            v = (h @ w[f"layers.{l}.self_attn.v_proj.weight"].T).view(T, H, dh).transpose(0, 1)
            sc = (q @ k.transpose(1, 2)) / dh ** 0.5
            sc = sc.masked_fill(mask, float("-inf"))
            a = torch.softmax(sc, -1)
            z = (a @ v).transpose(0, 1).reshape(T, H * dh)
            h = h + z @ w[f"layers.{l}.self_attn.o_proj.weight"].T
            tensors[f"seq{s}.attn.{l}"] = a.contiguous()
            hidden.append(h)
        tensors[f"seq{s}.inputs"] = x.contiguous()
        tensors[f"seq{s}.logits"] = (h @ w["readout.weight"].T).contiguous()
        for i, hh in enumerate(hidden):
            tensors[f"seq{s}.hidden.{i}"] = hh.contiguous()
    save_file(tensors, os.path.join(dd, "golden.safetensors"))
    print("== averaging written")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/data/tiny")
    ap.add_argument("--only", default="", help="comma-separated folder names to (re)make; default all")
    args = ap.parse_args()
    only = set(x for x in args.only.split(",") if x)
    import transformers
    from transformers import GPT2Config, GPTNeoXConfig, LlamaConfig

    print("transformers", transformers.__version__, "torch", torch.__version__)
    jobs = [
        ("gpt2", lambda: GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2, n_head=4,
                                    activation_function="gelu_new", layer_norm_epsilon=1e-5,
                                    bos_token_id=1, eos_token_id=1, tie_word_embeddings=True),
         torch.float32),
        ("llama", lambda: LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48,
                                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                      head_dim=8, max_position_embeddings=64, rms_norm_eps=1e-6,
                                      rope_theta=10000.0, tie_word_embeddings=False,
                                      bos_token_id=1, eos_token_id=2),
         torch.float32),
        ("llama_tied_f16", lambda: LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=40,
                                               num_hidden_layers=2, num_attention_heads=2,
                                               num_key_value_heads=2, max_position_embeddings=64,
                                               rms_norm_eps=1e-5, rope_theta=500.0,
                                               tie_word_embeddings=True, bos_token_id=1, eos_token_id=2),
         torch.float16),
        ("neox", lambda: GPTNeoXConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=64,
                                       num_hidden_layers=2, num_attention_heads=4, rotary_pct=0.5,
                                       rotary_emb_base=10000, max_position_embeddings=64,
                                       layer_norm_eps=1e-5, hidden_act="gelu", use_parallel_residual=True,
                                       tie_word_embeddings=False, bos_token_id=1, eos_token_id=2),
         torch.bfloat16),
        ("neox_seq", lambda: GPTNeoXConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=64,
                                           num_hidden_layers=2, num_attention_heads=2, rotary_pct=0.25,
                                           rotary_emb_base=10000, max_position_embeddings=64,
                                           layer_norm_eps=1e-5, hidden_act="gelu",
                                           use_parallel_residual=False, tie_word_embeddings=False,
                                           bos_token_id=1, eos_token_id=2),
         torch.float32),
    ]
    # name, config factory, storage dtype, options for run_lm. Seeds follow the
    # position in jobs + families, so adding a family never changes another's.
    families = family_jobs()
    known = {j[0] for j in jobs} | {j[0] for j in families} | {"averaging"}
    if only - known:
        sys.exit(f"--only: unknown names {sorted(only - known)} (known: {sorted(known)})")
    failed = 0
    for i, (name, mk, dtype) in enumerate(jobs):
        if only and name not in only:
            continue
        try:
            run_lm(name, mk(), dtype, args.out, seed=100 + i)
        except Exception:
            failed += 1
            print(f"!! {name} failed")
            traceback.print_exc()
    for i, (name, mk, dtype, opts) in enumerate(families):
        if only and name not in only:
            continue
        try:
            run_lm(name, mk(), dtype, args.out, seed=200 + i, **opts)
        except Exception:
            failed += 1
            print(f"!! {name} failed")
            traceback.print_exc()
    if not only or "averaging" in only:
        try:
            run_averaging(args.out, seed=7)
        except Exception:
            failed += 1
            traceback.print_exc()
    sys.exit(1 if failed else 0)


def rope_llama(rope_type, head_dim, theta, **params):
    """A tiny Llama with a rope_scaling variant (transformers 5 spells it
    rope_parameters; 4 spelled it rope_scaling)."""
    from transformers import LlamaConfig
    base = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, head_dim=head_dim, max_position_embeddings=64,
                rms_norm_eps=1e-6, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    return LlamaConfig(**base, rope_parameters={"rope_type": rope_type, "rope_theta": theta, **params})


def family_jobs():
    """The families beyond GPT-2 / Llama / NeoX. Windows (5) are shorter than
    the sequences (7, 12, 16), so the golden patterns show masked keys."""
    from transformers import (Gemma2Config, GemmaConfig, MistralConfig, Olmo2Config, OPTConfig, Phi3Config,
                              Qwen2Config, Qwen3Config)
    common = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                  max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    f32 = torch.float32
    return [
        ("qwen2", lambda: Qwen2Config(**common, num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                                      tie_word_embeddings=True), f32, {}),
        ("qwen2_sharded", lambda: Qwen2Config(**common, num_attention_heads=4, num_key_value_heads=2,
                                              rms_norm_eps=1e-6, tie_word_embeddings=False),
         f32, {"sharded": True}),
        ("mistral", lambda: MistralConfig(**common, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                          rms_norm_eps=1e-6, sliding_window=5, tie_word_embeddings=False), f32, {}),
        ("qwen3", lambda: Qwen3Config(**common, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                      rms_norm_eps=1e-6, tie_word_embeddings=False), f32, {}),
        ("gemma", lambda: GemmaConfig(**common, num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                                      hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6), f32, {}),
        ("gemma2", lambda: Gemma2Config(**common, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                        hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6,
                                        query_pre_attn_scalar=24, sliding_window=5, attn_logit_softcapping=5.0,
                                        final_logit_softcapping=3.0), f32, {}),
        ("phi3", lambda: Phi3Config(**common, num_attention_heads=4, num_key_value_heads=2,
                                    original_max_position_embeddings=64, rms_norm_eps=1e-5,
                                    tie_word_embeddings=False), f32, {}),
        ("olmo2", lambda: Olmo2Config(**common, num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                                      tie_word_embeddings=False), f32, {}),
        ("opt", lambda: OPTConfig(vocab_size=VOCAB, hidden_size=32, ffn_dim=64, num_hidden_layers=2,
                                  num_attention_heads=4, max_position_embeddings=64, do_layer_norm_before=True,
                                  word_embed_proj_dim=32, activation_function="relu", enable_bias=True,
                                  bos_token_id=1, eos_token_id=2, pad_token_id=0), f32, {}),
        ("llama_rope_linear", lambda: rope_llama("linear", 8, 10000.0, factor=4.0), f32, {"rope": "linear"}),
        ("llama_rope_llama3", lambda: rope_llama("llama3", 16, 500.0, factor=8.0, low_freq_factor=1.0,
                                                 high_freq_factor=4.0, original_max_position_embeddings=32),
         f32, {"rope": "llama3"}),
    ]


if __name__ == "__main__":
    main()
