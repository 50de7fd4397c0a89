"""Golden file for the C++ averaging trainer (src/averaging): PyTorch runs the
same model ("sinkscope_averaging": attention-only, 2 layers, no norms, no MLP,
no positions, no biases) with torch.optim.AdamW for 50 steps, from initial
weights and batches it writes into the file, so C++ needs no matching RNG.

Writes tests/data/averaging_trainer/golden.safetensors with
  shape            I64 [9]   d_input, d, L, H, dh, T, B, steps, input columns C
  hparams          F32 [5]   lr, weight_decay, beta1, beta2, eps
  batches          F16 [steps, B, T, C]  inputs (F16 values, exact in F32)
  losses           F32 [steps]  loss of step s's batch before step s's update
  init.<name>      F32       initial weights (torch names, [out, in])
  grad.<name>      F32       gradients of step 0
  final.<name>     F32       weights after the last step

Run (CPU is enough): python3 training/make_averaging_trainer_golden.py [out_dir]
"""
import math
import os
import sys

import torch
from safetensors.torch import save_file

D_IN, D, L, H, DH, T, B, STEPS = 8, 16, 2, 2, 8, 32, 8, 50
C = D_IN + 2  # input columns: the vector, the [SEP] flag, a constant 1
LR, WD, BETA1, BETA2, EPS = 3e-3, 0.01, 0.9, 0.999, 1e-8


def names():
    out = [("embed_in.weight", (D, C))]
    for l in range(L):
        p = f"layers.{l}.self_attn."
        out += [(p + "q_proj.weight", (H * DH, D)), (p + "k_proj.weight", (H * DH, D)),
                (p + "v_proj.weight", (H * DH, D)), (p + "o_proj.weight", (D, H * DH))]
    out.append(("readout.weight", (D_IN, D)))
    return out


def make_batch(g):
    # [B, T, C = D_IN + 2]: one [SEP] per sequence, uniform in [1, T-2] (flag column D_IN), the task
    # the trainer defaults to (TaskConfig::single_sep); every other position is a vector
    pos = torch.randint(1, T - 1, (B, 1), generator=g)
    sep = torch.arange(T)[None, :] == pos  # [B, T]
    vec = torch.randn(B, T, D_IN, generator=g).half().float()  # F16-exact values
    x = torch.zeros(B, T, C)  # [B, T, C]
    x[..., :D_IN] = torch.where(sep[..., None], 0.0, vec)
    x[..., D_IN] = sep.float()
    x[..., D_IN + 1] = 1.0  # the constant input column (TaskConfig::const_input)
    return x


def targets(x):
    # running mean since the last [SEP], in float64 like src/averaging/data.cpp
    x64 = x.double()
    tgt = torch.zeros(B, T, D_IN, dtype=torch.float64)
    mask = torch.zeros(B, T, dtype=torch.bool)
    for b in range(B):
        s = torch.zeros(D_IN, dtype=torch.float64)
        n = 0
        for t in range(T):
            if x[b, t, D_IN] != 0:  # a segment also starts at position 0 (a vector there counts)
                s.zero_()
                n = 0
            else:
                n += 1
                s += x64[b, t, :D_IN]
                tgt[b, t] = s / n
                mask[b, t] = True
    return tgt.float(), mask


def forward(w, x):
    h = x @ w["embed_in.weight"].T  # [B, T, D]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(L):
        p = f"layers.{l}.self_attn."
        q = (h @ w[p + "q_proj.weight"].T).view(B, T, H, DH).transpose(1, 2)  # [B, H, T, DH]
        k = (h @ w[p + "k_proj.weight"].T).view(B, T, H, DH).transpose(1, 2)
        v = (h @ w[p + "v_proj.weight"].T).view(B, T, H, DH).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(DH)  # [B, H, T, T]
        a = torch.softmax(s.masked_fill(~causal, float("-inf")), dim=-1)
        z = (a @ v).transpose(1, 2).reshape(B, T, H * DH)
        h = h + z @ w[p + "o_proj.weight"].T
    return h @ w["readout.weight"].T  # [B, T, D_IN]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/averaging_trainer"
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1234)
    w = {}
    for n, shp in names():
        w[n] = (torch.randn(*shp, generator=g) / math.sqrt(shp[1])).requires_grad_(True)
    init = {"init." + n: t.detach().clone() for n, t in w.items()}
    batches = [make_batch(g) for _ in range(STEPS)]
    opt = torch.optim.AdamW(list(w.values()), lr=LR, betas=(BETA1, BETA2), eps=EPS, weight_decay=WD, foreach=False)
    losses, grads = [], {}
    for step, x in enumerate(batches):
        tgt, mask = targets(x)
        y = forward(w, x)
        loss = torch.nn.functional.mse_loss(y[mask], tgt[mask])
        opt.zero_grad()
        loss.backward()
        if step == 0:
            grads = {"grad." + n: t.grad.detach().clone() for n, t in w.items()}
        opt.step()
        losses.append(loss.item())
        print(f"step {step:2d} loss {loss.item():.6f}")
    tensors = {
        "shape": torch.tensor([D_IN, D, L, H, DH, T, B, STEPS, C], dtype=torch.int64),
        "hparams": torch.tensor([LR, WD, BETA1, BETA2, EPS], dtype=torch.float32),
        "batches": torch.stack(batches).half(),
        "losses": torch.tensor(losses, dtype=torch.float32),
        **init, **grads,
        **{"final." + n: t.detach().clone() for n, t in w.items()},
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(out_dir, "golden.safetensors"))
    print("wrote", os.path.join(out_dir, "golden.safetensors"), "torch", torch.__version__)


if __name__ == "__main__":
    main()
