"""Llama-style decoder in plain PyTorch, numerically the same as Hugging Face's
LlamaForCausalLM (RMSNorm in fp32, rotate-half RoPE, SwiGLU, no biases), with
parameter names equal to HF's so the state dict exports as is.

forward(ids) trains with fused attention; forward_taps(ids) runs the explicit
softmax in fp32 and returns the taps sinkscope compares against (names as in
src/engine/taps.h).
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LMConfig:
    vocab_size: int = 4096
    hidden_size: int = 384
    intermediate_size: int = 832
    num_hidden_layers: int = 8
    num_attention_heads: int = 6
    max_position_embeddings: int = 512
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    bos_token_id: int = 0

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def hf_config(self):
        """config.json in Hugging Face llama format."""
        return {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_attention_heads,
            "head_dim": self.head_dim,
            "max_position_embeddings": self.max_position_embeddings,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_theta": self.rope_theta,
            "rope_parameters": {"rope_type": "default", "rope_theta": self.rope_theta},
            "rope_scaling": None,
            "hidden_act": "silu",
            "attention_bias": False,
            "attention_dropout": 0.0,
            "mlp_bias": False,
            "tie_word_embeddings": False,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.bos_token_id,
            "pad_token_id": None,
            "torch_dtype": "float16",
            "dtype": "float16",
            "initializer_range": 0.02,
            "pretraining_tp": 1,
            "use_cache": True,
        }

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        dt = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dt)


def rope_cos_sin(T, dh, theta, device, dtype=torch.float32):
    inv_freq = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.int64, device=device).float() / dh))  # [dh/2]
    pos = torch.arange(T, device=device).float()  # [T]
    freqs = torch.outer(pos, inv_freq)  # [T, dh/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, dh]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: LMConfig):
        super().__init__()
        d, H = c.hidden_size, c.num_attention_heads
        self.H, self.dh = H, c.head_dim
        self.q_proj = nn.Linear(d, H * self.dh, bias=False)
        self.k_proj = nn.Linear(d, H * self.dh, bias=False)
        self.v_proj = nn.Linear(d, H * self.dh, bias=False)
        self.o_proj = nn.Linear(H * self.dh, d, bias=False)

    def qkv(self, x, cos, sin):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.dh).transpose(1, 2)  # [B, H, T, dh]
        k = self.k_proj(x).view(B, T, self.H, self.dh).transpose(1, 2)  # [B, H, T, dh]
        v = self.v_proj(x).view(B, T, self.H, self.dh).transpose(1, 2)  # [B, H, T, dh]
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        return q, k, v

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        if not hasattr(F, "scaled_dot_product_attention"):  # torch < 2.0 (local smoke tests)
            return self.forward_taps(x, cos, sin)[0]
        q, k, v = self.qkv(x, cos, sin)
        z = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [B, H, T, dh]
        return self.o_proj(z.transpose(1, 2).reshape(B, T, -1))

    def forward_taps(self, x, cos, sin):
        B, T, _ = x.shape
        q, k, v = self.qkv(x, cos, sin)
        s = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(self.dh)  # [B, H, T, T]
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
        a = torch.softmax(s, dim=-1)  # [B, H, T, T]
        z = (a @ v.float()).to(x.dtype)  # [B, H, T, dh]
        return self.o_proj(z.transpose(1, 2).reshape(B, T, -1)), a, z


class MLP(nn.Module):
    def __init__(self, c: LMConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c: LMConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, h, cos, sin):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin)
        return h + self.mlp(self.post_attention_layernorm(h))


class Inner(nn.Module):
    def __init__(self, c: LMConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class LlamaLM(nn.Module):
    def __init__(self, c: LMConfig):
        super().__init__()
        self.config = c
        self.model = Inner(c)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids):
        B, T = ids.shape
        cos, sin = rope_cos_sin(T, self.config.head_dim, self.config.rope_theta, ids.device)
        h = self.model.embed_tokens(ids)  # [B, T, d]
        for blk in self.model.layers:
            h = blk(h, cos, sin)
        return self.lm_head(self.model.norm(h))  # [B, T, V]

    @torch.no_grad()
    def forward_taps(self, ids):
        """Returns logits [B,T,V] and taps: attn_pattern per layer [B,H,T,T] (fp32),
        resid_pre of layer 0 [B,T,d], resid_post per layer [B,T,d]."""
        B, T = ids.shape
        cos, sin = rope_cos_sin(T, self.config.head_dim, self.config.rope_theta, ids.device)
        h = self.model.embed_tokens(ids)  # [B, T, d]
        taps = {"blocks.0.resid_pre": h}
        for l, blk in enumerate(self.model.layers):
            a_out, a, _ = blk.self_attn.forward_taps(blk.input_layernorm(h), cos, sin)
            taps[f"blocks.{l}.attn_pattern"] = a
            h = h + a_out
            h = h + blk.mlp(blk.post_attention_layernorm(h))
            taps[f"blocks.{l}.resid_post"] = h
        logits = self.lm_head(self.model.norm(h))
        taps["logits"] = logits
        return logits, taps
