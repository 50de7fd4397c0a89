#!/usr/bin/env python3
"""ONNX export of a sinkscope model folder, built from config.json + model.safetensors
with numpy and the `onnx` package only (no torch), so it runs at build time on the CI
machine (Debian python3-onnx 1.12, python3-numpy).

    python3 training/export_onnx.py MODEL_DIR OUT_DIR

writes two graphs (opset 17, IR 8, dynamic sequence length T):

  OUT_DIR/model.onnx         instrumented: logits plus, for every layer l, the taps the
                             panels read, named as in src/engine/taps.h
  OUT_DIR/model.logits.onnx  logits only (the speed comparison's graph)

Inputs (one sequence, no batch axis):
  language models (llama, gpt2, gpt_neox):  input_ids  int32 [T]
  averaging models (sinkscope_averaging):   inputs     float32 [T, W]  (W = embed_in's input width:
                                            d_input + 1, or + 3 with BOS and constant columns)
Outputs (float32):
  logits                  [T, V]        (averaging: [T, d_input], the readout)
  blocks.{l}.resid_pre    [T, d]
  blocks.{l}.q            [T, H, dh]    (after RoPE)
  blocks.{l}.k            [T, Hkv, dh]  (after RoPE)
  blocks.{l}.v            [T, Hkv, dh]
  blocks.{l}.attn_pattern [H, T, T]     (rows = queries, causal, sum to 1)
  blocks.{l}.head_out     [H, T, d]     (z_h W_O^h, no bias)
  blocks.{l}.resid_post   [T, d]

Weights are initializers in the dtype the checkpoint stores (fp16 stays fp16 with a
Cast to float32 in the graph, so demo-lm's files stay ~31 MB; bf16 and fp32 become
fp32, which is exact), and every op computes in float32, as our CPU engine does.
The math mirrors src/backends/cpu/cpu_backend.cpp op for op (RoPE frequencies computed
in float32 as HF does, -inf causal mask, softmax over keys). The output is
deterministic: the same inputs give byte-identical files.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


# ---------------------------------------------------------------- checkpoint

def load_safetensors(path):
    """name -> (float32 array, source dtype string). BF16 widened to float32 exactly."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        raw, dt, shape = data[s:e], info["dtype"], info["shape"]
        if dt == "F32":
            a = np.frombuffer(raw, "<f4")
        elif dt == "F16":
            a = np.frombuffer(raw, "<f2").astype(np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        elif dt in ("I32", "I64"):  # golden ids (training/check_onnx.py)
            out[name] = (np.frombuffer(raw, "<i4" if dt == "I32" else "<i8").reshape(shape), dt)
            continue
        else:
            raise SystemExit(f"{path}: tensor {name}: dtype {dt} not supported")
        out[name] = (a.reshape(shape).astype(np.float32), dt)
    return out


def read_config(path):
    """The subset of src/model/config.cpp's parse_config the graph needs."""
    j = json.load(open(path))
    mt = j.get("model_type")
    for key in ("attention_gate", "attention_sink_logit"):  # the sink-free twins' attention: not in the graph yet
        if j.get(key):
            raise SystemExit(f"{path}: {key} is not supported by the ONNX export")
    c = {"model_type": mt}
    rp = j.get("rope_parameters") or j.get("rope_scaling") or {}
    if not isinstance(rp, dict):
        rp = {}

    def rope(default_partial):
        theta = rp.get("rope_theta", j.get("rope_theta", j.get("rotary_emb_base", 10000.0)))
        partial = rp.get("partial_rotary_factor", j.get("partial_rotary_factor", j.get("rotary_pct", default_partial)))
        if rp.get("rope_type", rp.get("type", "default")) != "default":
            raise SystemExit("only plain RoPE is supported")
        c["rope_theta"] = float(theta)
        c["rotary_dim"] = int(c["d_head"] * partial)

    if mt == "llama":
        c.update(d=j["hidden_size"], L=j["num_hidden_layers"], H=j["num_attention_heads"], V=j["vocab_size"],
                 dm=j["intermediate_size"], norm="rms", eps=j.get("rms_norm_eps", 1e-6), act=j.get("hidden_act", "silu"),
                 gated=True, learned_pos=False, rotary=True, tied=j.get("tie_word_embeddings", False),
                 attn_bias=j.get("attention_bias", False), mlp_bias=j.get("mlp_bias", False), parallel=False)
        c["Hkv"] = j.get("num_key_value_heads") or c["H"]
        c["P"] = j.get("max_position_embeddings", 2048)
        c["d_head"] = j.get("head_dim") or c["d"] // c["H"]
        rope(1.0)
    elif mt == "gpt2":
        c.update(d=j["n_embd"], L=j["n_layer"], H=j["n_head"], V=j["vocab_size"], norm="ln",
                 eps=j.get("layer_norm_epsilon", 1e-5), act=j.get("activation_function", "gelu_new"), gated=False,
                 learned_pos=True, rotary=False, tied=j.get("tie_word_embeddings", True), attn_bias=True, mlp_bias=True,
                 parallel=False, P=j.get("n_positions", 1024))
        c["dm"] = j.get("n_inner") or 4 * c["d"]
        c["Hkv"], c["d_head"] = c["H"], c["d"] // c["H"]
    elif mt == "gpt_neox":
        c.update(d=j["hidden_size"], L=j["num_hidden_layers"], H=j["num_attention_heads"], V=j["vocab_size"],
                 dm=j["intermediate_size"], norm="ln", eps=j.get("layer_norm_eps", 1e-5), act=j.get("hidden_act", "gelu"),
                 gated=False, learned_pos=False, rotary=True, tied=j.get("tie_word_embeddings", False),
                 attn_bias=j.get("attention_bias", True), mlp_bias=True, parallel=j.get("use_parallel_residual", True))
        c["Hkv"], c["d_head"] = c["H"], c["d"] // c["H"]
        c["P"] = j.get("max_position_embeddings", 2048)
        rope(0.25)
    elif mt == "sinkscope_averaging":
        c.update(d=j["hidden_size"], L=j["num_hidden_layers"], H=j["num_attention_heads"], din=j["d_input"],
                 norm=None, gated=False, rotary=False, learned_pos=j.get("position_embedding", "none") == "learned",
                 P=j.get("max_position_embeddings", 64), parallel=False)
        c["Hkv"] = c["H"]
        c["d_head"] = j.get("head_dim") or c["d"] // c["H"]
        c["V"] = c["din"]
    else:
        raise SystemExit(f"{path}: model_type {mt!r} not supported (llama, gpt2, gpt_neox, sinkscope_averaging)")
    return c


def canonical_weights(c, st):
    """Each family's tensors -> the canonical layout of src/model/weights.h ([out, in]),
    as src/model/map_families.cpp maps them. Values stay (array, source dtype)."""
    d, H, dh = c["d"], c["H"], c["d_head"]
    w = {"layers": []}
    get = lambda k: st[k]
    T = lambda t: (np.ascontiguousarray(t[0].T), t[1])
    mt = c["model_type"]
    if mt == "llama":
        w["tok_emb"] = get("model.embed_tokens.weight")
        for l in range(c["L"]):
            p = f"model.layers.{l}."
            lw = {"ln1_w": get(p + "input_layernorm.weight"), "ln2_w": get(p + "post_attention_layernorm.weight")}
            for k, n in (("wq", "q"), ("wk", "k"), ("wv", "v"), ("wo", "o")):
                lw[k] = get(p + f"self_attn.{n}_proj.weight")
                if c["attn_bias"]:
                    lw["b" + k[1]] = get(p + f"self_attn.{n}_proj.bias")
            lw["w_gate"], lw["w_up"], lw["w_down"] = (get(p + f"mlp.{n}_proj.weight") for n in ("gate", "up", "down"))
            if c["mlp_bias"]:
                lw["b_up"], lw["b_down"] = get(p + "mlp.up_proj.bias"), get(p + "mlp.down_proj.bias")
            w["layers"].append(lw)
        w["lnf_w"] = get("model.norm.weight")
        w["lm_head"] = w["tok_emb"] if c["tied"] else get("lm_head.weight")
    elif mt == "gpt2":
        w["tok_emb"], w["pos_emb"] = get("transformer.wte.weight"), get("transformer.wpe.weight")
        for l in range(c["L"]):
            p = f"transformer.h.{l}."
            qkv, qkv_b = T(get(p + "attn.c_attn.weight")), get(p + "attn.c_attn.bias")
            lw = {"ln1_w": get(p + "ln_1.weight"), "ln1_b": get(p + "ln_1.bias"),
                  "ln2_w": get(p + "ln_2.weight"), "ln2_b": get(p + "ln_2.bias")}
            for i, k in enumerate("qkv"):
                lw["w" + k] = (qkv[0][i * d:(i + 1) * d], qkv[1])
                lw["b" + k] = (qkv_b[0][i * d:(i + 1) * d], qkv_b[1])
            lw["wo"], lw["bo"] = T(get(p + "attn.c_proj.weight")), get(p + "attn.c_proj.bias")
            lw["w_up"], lw["b_up"] = T(get(p + "mlp.c_fc.weight")), get(p + "mlp.c_fc.bias")
            lw["w_down"], lw["b_down"] = T(get(p + "mlp.c_proj.weight")), get(p + "mlp.c_proj.bias")
            w["layers"].append(lw)
        w["lnf_w"], w["lnf_b"] = get("transformer.ln_f.weight"), get("transformer.ln_f.bias")
        w["lm_head"] = w["tok_emb"] if c["tied"] else get("lm_head.weight")
    elif mt == "gpt_neox":
        w["tok_emb"] = get("gpt_neox.embed_in.weight")
        for l in range(c["L"]):
            p = f"gpt_neox.layers.{l}."
            lw = {"ln1_w": get(p + "input_layernorm.weight"), "ln1_b": get(p + "input_layernorm.bias"),
                  "ln2_w": get(p + "post_attention_layernorm.weight"), "ln2_b": get(p + "post_attention_layernorm.bias")}
            qkv, dt = get(p + "attention.query_key_value.weight")
            qkv = qkv.reshape(H, 3, dh, d)  # fused rows are [H, 3, dh]
            for i, k in enumerate("qkv"):
                lw["w" + k] = (np.ascontiguousarray(qkv[:, i].reshape(H * dh, d)), dt)
            if c["attn_bias"]:
                b, bdt = get(p + "attention.query_key_value.bias")
                b = b.reshape(H, 3, dh)
                for i, k in enumerate("qkv"):
                    lw["b" + k] = (np.ascontiguousarray(b[:, i].reshape(H * dh)), bdt)
                lw["bo"] = get(p + "attention.dense.bias")
            lw["wo"] = get(p + "attention.dense.weight")
            lw["w_up"], lw["b_up"] = get(p + "mlp.dense_h_to_4h.weight"), get(p + "mlp.dense_h_to_4h.bias")
            lw["w_down"], lw["b_down"] = get(p + "mlp.dense_4h_to_h.weight"), get(p + "mlp.dense_4h_to_h.bias")
            w["layers"].append(lw)
        w["lnf_w"], w["lnf_b"] = get("gpt_neox.final_layer_norm.weight"), get("gpt_neox.final_layer_norm.bias")
        w["lm_head"] = w["tok_emb"] if c["tied"] else get("embed_out.weight")
    else:  # sinkscope_averaging: attention only, no norms, no MLP
        w["tok_emb"] = T(get("embed_in.weight"))  # [din+1, d]: e = x @ tok_emb
        if c["learned_pos"]:
            w["pos_emb"] = get("pos_embed.weight")
        for l in range(c["L"]):
            p = f"layers.{l}.self_attn."
            w["layers"].append({k: get(p + f"{n}_proj.weight") for k, n in (("wq", "q"), ("wk", "k"), ("wv", "v"), ("wo", "o"))})
        w["lm_head"] = get("readout.weight")
    return w


# ---------------------------------------------------------------- graph

class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0
        self.cache = {}

    def op(self, op_type, inputs, out=None, **attrs):
        self.n += 1
        o = out or f"t{self.n}_{op_type}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [o], name=f"n{self.n}_{op_type}", **attrs))
        return o

    def const(self, value, dtype=np.float32):
        a = np.asarray(value, dtype=dtype)
        key = (a.dtype.str, a.shape, a.tobytes())
        if key not in self.cache:
            name = f"c{len(self.cache)}"
            self.inits.append(numpy_helper.from_array(a, name))
            self.cache[key] = name
        return self.cache[key]

    def weight(self, name, t):
        """Initializer in the checkpoint's precision, as float32 in the graph."""
        a, dt = t
        if dt == "F16":
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(a.astype(np.float16)), name))
            return self.op("Cast", [name], out=name + ".f32", to=TensorProto.FLOAT)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(a.astype(np.float32)), name))
        return name


def linear(g, x, name, W, b=None):
    """x [n, in] -> x W^T + b; W stored transposed [in, out] so the graph is one MatMul."""
    y = g.op("MatMul", [x, g.weight(name + ".weight_t", (np.ascontiguousarray(W[0].T), W[1]))])
    return g.op("Add", [y, g.weight(name + ".bias", b)]) if b is not None else y


def norm(g, c, x, w, b, name):
    if w is None:
        return x
    if c["norm"] == "ln":
        return g.op("LayerNormalization", [x, g.weight(name + ".weight", w), g.weight(name + ".bias", b)],
                    axis=-1, epsilon=float(c["eps"]))
    ms = g.op("ReduceMean", [g.op("Mul", [x, x])], axes=[-1], keepdims=1)  # [n, 1]
    inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.const(c["eps"])])])])
    return g.op("Mul", [g.weight(name + ".weight", w), g.op("Mul", [x, inv])])


def activate(g, c, x):
    a = c["act"]
    if a in ("silu", "swish"):
        return g.op("Mul", [x, g.op("Sigmoid", [x])])
    if a == "relu":
        return g.op("Relu", [x])
    if a == "gelu":  # erf form
        e = g.op("Erf", [g.op("Mul", [x, g.const(0.70710678118654752)])])
        return g.op("Mul", [g.op("Mul", [x, g.const(0.5)]), g.op("Add", [e, g.const(1.0)])])
    if a in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):  # tanh approximation
        x3 = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Mul", [g.op("Add", [x, g.op("Mul", [x3, g.const(0.044715)])]), g.const(0.7978845608028654)])
        return g.op("Mul", [g.op("Mul", [x, g.const(0.5)]), g.op("Add", [g.op("Tanh", [inner]), g.const(1.0)])])
    raise SystemExit(f"activation {a!r} not supported")


def rope(g, c, x3, cos, sin):
    """x3 [T, heads, dh]: rotate-half RoPE on the first rotary_dim features."""
    dh, rd = c["d_head"], c["rotary_dim"]
    half = rd // 2
    sl = lambda a, b: g.op("Slice", [x3, g.const([a], np.int64), g.const([b], np.int64), g.const([2], np.int64)])
    x1, x2 = sl(0, half), sl(half, rd)
    o1 = g.op("Sub", [g.op("Mul", [x1, cos]), g.op("Mul", [x2, sin])])
    o2 = g.op("Add", [g.op("Mul", [x2, cos]), g.op("Mul", [x1, sin])])
    parts = [o1, o2] + ([sl(rd, dh)] if rd < dh else [])
    return g.op("Concat", parts, axis=2)


def build(c, w, instrumented):
    g = Graph()
    d, H, Hkv, dh, L = c["d"], c["H"], c["Hkv"], c["d_head"], c["L"]
    group = H // Hkv
    outputs = []  # (name, elem shape with "T" for the sequence length)
    averaging = c["model_type"] == "sinkscope_averaging"

    def tap(name, value, shape):
        if instrumented:
            g.op("Identity", [value], out=name)
            outputs.append((name, shape))

    if averaging:
        # width d_input + 1, or more where the config adds marker columns (bos_index, const_index)
        inp = helper.make_tensor_value_info("inputs", TensorProto.FLOAT, ["T", int(w["tok_emb"][0].shape[0])])
        src = "inputs"
    else:
        inp = helper.make_tensor_value_info("input_ids", TensorProto.INT32, ["T"])
        src = "input_ids"
    # Positions 0..T-1 [T] (int64) from the input's length.
    T0 = g.op("Gather", [g.op("Shape", [src]), g.const(0, np.int64)], axis=0)  # scalar T
    pos = g.op("Range", [g.const(0, np.int64), T0, g.const(1, np.int64)])       # [T]

    # Embedding x [T, d]
    if averaging:
        x = g.op("MatMul", [src, g.weight("tok_emb", w["tok_emb"])])
    else:
        x = g.op("Gather", [g.weight("tok_emb", w["tok_emb"]), src], axis=0)
    if c["learned_pos"]:
        x = g.op("Add", [x, g.op("Gather", [g.weight("pos_emb", w["pos_emb"]), pos], axis=0)])

    # Causal mask [T, T]: key j > query i is masked with -inf.
    rows = g.op("Unsqueeze", [pos, g.const([1], np.int64)])
    cols = g.op("Unsqueeze", [pos, g.const([0], np.int64)])
    masked = g.op("Greater", [cols, rows])
    if c["rotary"]:
        # cos/sin as tables gathered by position, not Cos/Sin ops: WebGPU's sin/cos
        # (SwiftShader's, at least) are approximations whose error reached 1e-3 in the
        # logits; the tables hold the correctly rounded float32 values the CPU engine
        # computes (angle = float32(pos * inv_freq), as HF does). Rows: max(positions, 4096).
        half = c["rotary_dim"] // 2
        i = np.arange(half, dtype=np.float32)
        inv_freq = np.float32(1.0) / np.power(np.float32(c["rope_theta"]), (np.float32(2) * i) / np.float32(c["rotary_dim"]))
        rows = max(int(c.get("P") or 0), 4096)
        angle = (np.arange(rows, dtype=np.float32)[:, None] * inv_freq[None, :]).astype(np.float32)  # [rows, half]
        cos_t = g.const(np.cos(angle.astype(np.float64)).astype(np.float32).reshape(rows, 1, half))   # [rows, 1, half]
        sin_t = g.const(np.sin(angle.astype(np.float64)).astype(np.float32).reshape(rows, 1, half))
        cos = g.op("Gather", [cos_t, pos], axis=0)                                   # [T, 1, half]
        sin = g.op("Gather", [sin_t, pos], axis=0)
    scale = g.const(1.0 / np.sqrt(np.float32(dh)))

    for l in range(L):
        lw = w["layers"][l]
        P = f"blocks.{l}"
        tap(P + ".resid_pre", x, ["T", d])
        ln1 = norm(g, c, x, lw.get("ln1_w"), lw.get("ln1_b"), P + ".ln1")
        q = linear(g, ln1, P + ".attn.q", lw["wq"], lw.get("bq"))  # [T, H*dh]
        k = linear(g, ln1, P + ".attn.k", lw["wk"], lw.get("bk"))  # [T, Hkv*dh]
        v = linear(g, ln1, P + ".attn.v", lw["wv"], lw.get("bv"))  # [T, Hkv*dh]
        q3 = g.op("Reshape", [q, g.const([-1, H, dh], np.int64)])    # [T, H, dh]
        k3 = g.op("Reshape", [k, g.const([-1, Hkv, dh], np.int64)])  # [T, Hkv, dh]
        v3 = g.op("Reshape", [v, g.const([-1, Hkv, dh], np.int64)])  # [T, Hkv, dh]
        if c["rotary"]:
            q3, k3 = rope(g, c, q3, cos, sin), rope(g, c, k3, cos, sin)
        tap(P + ".q", q3, ["T", H, dh])
        tap(P + ".k", k3, ["T", Hkv, dh])
        tap(P + ".v", v3, ["T", Hkv, dh])
        qh = g.op("Transpose", [q3], perm=[1, 0, 2])  # [H, T, dh]
        kt = g.op("Transpose", [k3], perm=[1, 2, 0])  # [Hkv, dh, T]
        vh = g.op("Transpose", [v3], perm=[1, 0, 2])  # [Hkv, T, dh]
        if group > 1:  # GQA: head h reads kv head h // group
            rep = lambda t, a, b: g.op("Reshape", [g.op("Expand", [g.op("Unsqueeze", [t, g.const([1], np.int64)]),
                                                                   g.const([1, group, 1, 1], np.int64)]),
                                                   g.const([H, a, b], np.int64)])
            kt, vh = rep(kt, dh, -1), rep(vh, -1, dh)
        scores = g.op("Mul", [g.op("MatMul", [qh, kt]), scale])                          # [H, T, T]
        scores = g.op("Where", [masked, g.const(-np.inf), scores])
        pattern = g.op("Softmax", [scores], axis=-1)                                     # [H, T, T]
        tap(P + ".attn_pattern", pattern, [H, "T", "T"])
        zh = g.op("MatMul", [pattern, vh])                                               # [H, T, dh]
        z = g.op("Reshape", [g.op("Transpose", [zh], perm=[1, 0, 2]), g.const([-1, H * dh], np.int64)])  # [T, H*dh]
        wo_t = g.weight(P + ".attn.o.weight_t", (np.ascontiguousarray(lw["wo"][0].T), lw["wo"][1]))  # [H*dh, d]
        if instrumented:  # head_out [H, T, d] = z_h W_O^h, W_O^T viewed by head as [H, dh, d]
            wo_h = g.op("Reshape", [wo_t, g.const([H, dh, d], np.int64)])
            tap(P + ".head_out", g.op("MatMul", [zh, wo_h]), [H, "T", d])
        attn_out = g.op("MatMul", [z, wo_t])                                             # [T, d]
        if lw.get("bo") is not None:
            attn_out = g.op("Add", [attn_out, g.weight(P + ".attn.o.bias", lw["bo"])])
        resid = g.op("Add", [x, attn_out])                                               # [T, d]
        if not averaging:
            ln2 = norm(g, c, x if c["parallel"] else resid, lw.get("ln2_w"), lw.get("ln2_b"), P + ".ln2")
            if c["gated"]:
                gate = linear(g, ln2, P + ".mlp.gate", lw["w_gate"])                     # [T, dm]
                post = g.op("Mul", [activate(g, c, gate), linear(g, ln2, P + ".mlp.up", lw["w_up"], lw.get("b_up"))])
            else:
                post = activate(g, c, linear(g, ln2, P + ".mlp.up", lw["w_up"], lw.get("b_up")))
            resid = g.op("Add", [resid, linear(g, post, P + ".mlp.down", lw["w_down"], lw.get("b_down"))])
        tap(P + ".resid_post", resid, ["T", d])
        x = resid

    lnf = norm(g, c, x, w.get("lnf_w"), w.get("lnf_b"), "ln_final")
    g.op("MatMul", [lnf, g.weight("lm_head.weight_t", (np.ascontiguousarray(w["lm_head"][0].T), w["lm_head"][1]))],
         out="logits")
    outputs.insert(0, ("logits", ["T", int(w["lm_head"][0].shape[0])]))

    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs]
    graph = helper.make_graph(g.nodes, "sinkscope_" + c["model_type"], [inp], outs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sinkscope export_onnx.py")
    model.ir_version = 8  # what onnxruntime 1.30 and onnx 1.12 both read
    onnx.checker.check_model(model)
    return model


def export(model_dir, out_dir):
    c = read_config(os.path.join(model_dir, "config.json"))
    st = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    w = canonical_weights(c, st)
    os.makedirs(out_dir, exist_ok=True)
    sizes = {}
    for fname, instrumented in (("model.onnx", True), ("model.logits.onnx", False)):
        data = build(c, w, instrumented).SerializeToString()
        path = os.path.join(out_dir, fname)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        sizes[fname] = len(data)
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("out_dir")
    a = ap.parse_args()
    sizes = export(a.model_dir, a.out_dir)
    print("export_onnx: " + ", ".join(f"{a.out_dir}/{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))


if __name__ == "__main__":
    sys.exit(main())
