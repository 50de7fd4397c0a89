"""Llama-style decoder in plain PyTorch, numerically the same as Hugging Face's
LlamaForCausalLM (RMSNorm in fp32, rotate-half RoPE, SwiGLU, no biases), with
parameter names equal to HF's so the state dict exports as is.

forward(ids) trains with fused attention; forward_taps(ids) runs the explicit
softmax in fp32 and returns the taps sinkscope compares against (names as in
src/engine/taps.h).

Two attention variants for the "sink-free twins", both off by default
(then the model, its parameters and its config.json are exactly the demo LM's):
- attention_gate="sigmoid_headwise": G1 of Qiu et al. 2025, "Gated Attention for LLMs":
  z_h <- z_h * sigmoid(x_norm W_g)[:, h*dh:(h+1)*dh] before W_O, with x_norm the layer's
  normalised input (what q/k/v see); weight self_attn.gate_proj.weight [H*dh, d], no bias.
- attention_sink_logit=True: one learned logit per head appended to every softmax row
  (gpt-oss's "sinks", self_attn.sinks [H]); its column is dropped after the softmax, so
  the rows of the attention pattern sum to < 1 (the rest went to "no token").
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
    attention_gate: str = ""  # "" or "sigmoid_headwise"
    attention_sink_logit: bool = False

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
            **({"attention_gate": self.attention_gate} if self.attention_gate else {}),
            **({"attention_sink_logit": True} if self.attention_sink_logit else {}),
        }

    def to_dict(self):
        d = asdict(self)
        for k, default in (("attention_gate", ""), ("attention_sink_logit", False)):
            if d[k] == default:  # the demo LM's run.json stays as it was
                del d[k]
        return d


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


def sink_attention(q, k, v, sinks, sdpa=None):
    """Causal attention with one extra logit per head in every softmax row (value 0),
    through one fused SDPA call. q, k, v: [B, H, T, dh]; sinks: [H]. Returns z [B, H, T, dh].
    The head dim grows by 8: q gets a constant 1 column, the real keys a 0 there, and one
    sink key (value 0) carries sinks[h] / scale in it, so q'.k_sink * scale = sinks[h]
    (the 7 other new columns are zeros, keeping dh a multiple of 8 for the fused kernels).
    The sink key and a dummy query go in front, so with a square causal mask real query i
    (row i + 1) sees the sink and keys 0..i; the dummy row is dropped."""
    if sdpa is None:
        sdpa = F.scaled_dot_product_attention
    B, H, T, dh = q.shape
    P = 8
    scale = 1.0 / math.sqrt(dh)
    one = torch.zeros(P, dtype=q.dtype, device=q.device)
    one[0] = 1
    q2 = torch.cat([q, one.expand(B, H, T, P)], -1)  # [B, H, T, dh+P]
    k2 = torch.cat([k, k.new_zeros(B, H, T, P)], -1)  # [B, H, T, dh+P]
    v2 = torch.cat([v, v.new_zeros(B, H, T, P)], -1)  # [B, H, T, dh+P]
    ks = torch.cat([sinks.new_zeros(H, dh), (sinks / scale)[:, None], sinks.new_zeros(H, P - 1)], -1)  # [H, dh+P]
    ks = ks.to(q.dtype).view(1, H, 1, dh + P).expand(B, H, 1, dh + P)
    q3 = torch.cat([q2.new_zeros(B, H, 1, dh + P), q2], 2)  # [B, H, T+1, dh+P]
    k3 = torch.cat([ks, k2], 2)  # [B, H, T+1, dh+P]
    v3 = torch.cat([v2.new_zeros(B, H, 1, dh + P), v2], 2)  # [B, H, T+1, dh+P]
    z = sdpa(q3, k3, v3, is_causal=True, scale=scale)  # [B, H, T+1, dh+P]
    return z[:, :, 1:, :dh]


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
        self.gate = c.attention_gate
        self.sink_logit = c.attention_sink_logit
        if self.gate:
            assert self.gate == "sigmoid_headwise", self.gate
            self.gate_proj = nn.Linear(d, H * self.dh, bias=False)  # [H*dh, d], HF layout
        if self.sink_logit:
            self.sinks = nn.Parameter(torch.zeros(H))  # [H], gpt-oss's name

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
        if self.sink_logit:
            z = sink_attention(q, k, v, self.sinks)  # [B, H, T, dh]
        else:
            z = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [B, H, T, dh]
        if self.gate:
            z = z.transpose(1, 2).reshape(B, T, -1) * torch.sigmoid(self.gate_proj(x))  # [B, T, H*dh]
            return self.o_proj(z)
        return self.o_proj(z.transpose(1, 2).reshape(B, T, -1))

    def forward_taps(self, x, cos, sin):
        """-> (output [B,T,d], pattern a [B,H,T,T] fp32, z [B,H,T,dh] (gated where the model
        gates: what W_O sees), v [B,H,T,dh], gate [B,H,T,dh] or None)."""
        B, T, _ = x.shape
        q, k, v = self.qkv(x, cos, sin)
        s = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(self.dh)  # [B, H, T, T]
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
        if self.sink_logit:
            col = self.sinks.float().view(1, self.H, 1, 1).expand(B, self.H, T, 1)  # [B, H, T, 1]
            a = torch.softmax(torch.cat([s, col], -1), dim=-1)[..., :T]  # [B, H, T, T], rows sum < 1
        else:
            a = torch.softmax(s, dim=-1)  # [B, H, T, T]
        z = (a @ v.float()).to(x.dtype)  # [B, H, T, dh]
        g = None
        if self.gate:
            g = torch.sigmoid(self.gate_proj(x)).view(B, T, self.H, self.dh).transpose(1, 2)  # [B, H, T, dh]
            z = z * g
        return self.o_proj(z.transpose(1, 2).reshape(B, T, -1)), a, z, v, g


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
    def forward_taps(self, ids, heads=False):
        """Returns logits [B,T,V] and taps: attn_pattern per layer [B,H,T,T] (fp32),
        resid_pre of layer 0 [B,T,d], resid_post per layer [B,T,d]; with heads=True also
        blocks.{l}.z [B,H,T,dh] (each head's output before W_O, gated where the model gates),
        blocks.{l}.v [B,H,T,dh] and, for a gated model, blocks.{l}.gate [B,H,T,dh]."""
        B, T = ids.shape
        cos, sin = rope_cos_sin(T, self.config.head_dim, self.config.rope_theta, ids.device)
        h = self.model.embed_tokens(ids)  # [B, T, d]
        taps = {"blocks.0.resid_pre": h}
        for l, blk in enumerate(self.model.layers):
            a_out, a, z, v, g = blk.self_attn.forward_taps(blk.input_layernorm(h), cos, sin)
            taps[f"blocks.{l}.attn_pattern"] = a
            if heads:
                taps[f"blocks.{l}.z"], taps[f"blocks.{l}.v"] = z, v
                if g is not None:
                    taps[f"blocks.{l}.gate"] = g
            h = h + a_out
            h = h + blk.mlp(blk.post_attention_layernorm(h))
            taps[f"blocks.{l}.resid_post"] = h
        logits = self.lm_head(self.model.norm(h))
        taps["logits"] = logits
        return logits, taps
