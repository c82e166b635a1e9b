#!/usr/bin/env python3
"""
Golden fixtures for glassbox's trainer, from an independent reference: one training step and ten AdamW
steps of a small GPT (nanoGPT's model.py semantics, biases on, head tied to the embedding) and a small
Llama (RoPE with Hugging Face's pairing, RMSNorm, SwiGLU, grouped-query attention, separate head), written
in plain PyTorch with torch.autograd doing the differentiation.

    /usr/bin/python3 scripts/reference/make_training_fixtures.py     # writes test/fixtures/training/

Each <arch>.safetensors holds, as float64:
    init.<name>   the initial parameters (float32-representable, so glassbox starts from the same values)
    grad.<name>   ∂loss/∂parameter for batch 0 at the initial parameters
    final.<name>  the parameters after 10 steps (batch i at step i; nanoGPT's warmup + cosine schedule,
                  gradient clipping at 1.0, torch.optim.AdamW with weight decay on ≥2-D parameters only)
    ids, targets  int32 (10, B, T)
and metadata {"config": ..., "train": ..., "losses": [loss of each step]}. The model runs in float64 so
the comparison measures glassbox's float32 arithmetic, not the reference's.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

from safetensors_io import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "training")
TRAIN = {"steps": 10, "lr": 1e-2, "min_lr": 1e-3, "warmup": 3, "decay_steps": 10, "beta1": 0.9, "beta2": 0.99,
         "eps": 1e-8, "weight_decay": 0.1, "clip": 1.0}
B, T = 3, 8

CONFIGS = {
    "gpt2": {"architecture": "gpt2", "vocabSize": 37, "blockSize": 8, "nLayer": 2, "nHead": 4, "nKvHead": 4, "nEmbd": 16,
             "ffnDim": 64, "bias": True, "tieEmbeddings": True, "normEps": 1e-5},
    "llama": {"architecture": "llama", "vocabSize": 37, "blockSize": 8, "nLayer": 2, "nHead": 4, "nKvHead": 2, "nEmbd": 16,
              "ffnDim": 48, "bias": False, "tieEmbeddings": False, "normEps": 1e-6, "ropeTheta": 10000.0},
}


def init_params(cfg, g):
    """Random parameters, rounded to float32 values, named as Hugging Face checkpoints name them."""
    V, C, L, H, Hkv, Fd = cfg["vocabSize"], cfg["nEmbd"], cfg["nLayer"], cfg["nHead"], cfg["nKvHead"], cfg["ffnDim"]
    hs = C // H
    p = {}

    def normal(*shape, std=0.2):  # larger than nanoGPT's 0.02 so every path carries signal
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std).float().double()

    def near_one(n):
        return (1 + torch.randn(n, generator=g, dtype=torch.float64) * 0.1).float().double()

    if cfg["architecture"] == "gpt2":
        p["transformer.wte.weight"] = normal(V, C)
        p["transformer.wpe.weight"] = normal(cfg["blockSize"], C)
        for l in range(L):
            h = f"transformer.h.{l}"
            for ln in ("ln_1", "ln_2"):
                p[f"{h}.{ln}.weight"] = near_one(C)
                p[f"{h}.{ln}.bias"] = normal(C, std=0.1)
            for name, out, inp in (("attn.c_attn", 3 * C, C), ("attn.c_proj", C, C), ("mlp.c_fc", Fd, C), ("mlp.c_proj", C, Fd)):
                p[f"{h}.{name}.weight"] = normal(out, inp)
                p[f"{h}.{name}.bias"] = normal(out, std=0.1)
        p["transformer.ln_f.weight"] = near_one(C)
        p["transformer.ln_f.bias"] = normal(C, std=0.1)
    else:
        p["model.embed_tokens.weight"] = normal(V, C)
        for l in range(L):
            m = f"model.layers.{l}"
            p[f"{m}.input_layernorm.weight"] = near_one(C)
            p[f"{m}.self_attn.q_proj.weight"] = normal(H * hs, C)
            p[f"{m}.self_attn.k_proj.weight"] = normal(Hkv * hs, C)
            p[f"{m}.self_attn.v_proj.weight"] = normal(Hkv * hs, C)
            p[f"{m}.self_attn.o_proj.weight"] = normal(C, H * hs)
            p[f"{m}.post_attention_layernorm.weight"] = near_one(C)
            p[f"{m}.mlp.gate_proj.weight"] = normal(Fd, C)
            p[f"{m}.mlp.up_proj.weight"] = normal(Fd, C)
            p[f"{m}.mlp.down_proj.weight"] = normal(C, Fd)
        p["model.norm.weight"] = near_one(C)
        p["lm_head.weight"] = normal(V, C)
    return p


def attention(q, k, v, H, Hkv):
    """q (B, T, H·hs), k/v (B, T, Hkv·hs) → causal softmax(q kᵀ/√hs) v, (B, T, H·hs)."""
    Bn, Tn, _ = q.shape
    hs = q.shape[-1] // H
    q = q.view(Bn, Tn, H, hs).transpose(1, 2)
    k = k.view(Bn, Tn, Hkv, hs).transpose(1, 2).repeat_interleave(H // Hkv, dim=1)
    v = v.view(Bn, Tn, Hkv, hs).transpose(1, 2).repeat_interleave(H // Hkv, dim=1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(hs)
    mask = torch.tril(torch.ones(Tn, Tn, dtype=torch.bool))
    scores = scores.masked_fill(~mask, float("-inf"))
    return (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(Bn, Tn, H * hs)


def gpt_forward(p, cfg, ids):
    C, H, eps = cfg["nEmbd"], cfg["nHead"], cfg["normEps"]
    Tn = ids.shape[1]
    x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][torch.arange(Tn)]
    for l in range(cfg["nLayer"]):
        h = f"transformer.h.{l}"
        a = F.layer_norm(x, (C,), p[f"{h}.ln_1.weight"], p[f"{h}.ln_1.bias"], eps)
        q, k, v = F.linear(a, p[f"{h}.attn.c_attn.weight"], p[f"{h}.attn.c_attn.bias"]).split(C, dim=2)
        x = x + F.linear(attention(q, k, v, H, H), p[f"{h}.attn.c_proj.weight"], p[f"{h}.attn.c_proj.bias"])
        m = F.layer_norm(x, (C,), p[f"{h}.ln_2.weight"], p[f"{h}.ln_2.bias"], eps)
        m = F.gelu(F.linear(m, p[f"{h}.mlp.c_fc.weight"], p[f"{h}.mlp.c_fc.bias"]), approximate="tanh")
        x = x + F.linear(m, p[f"{h}.mlp.c_proj.weight"], p[f"{h}.mlp.c_proj.bias"])
    x = F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    return F.linear(x, p["transformer.wte.weight"])  # tied head


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, heads, theta):
    """Hugging Face's rotate_half pairing: dimension i rotates with i + hs/2."""
    Bn, Tn, width = x.shape
    hs = width // heads
    inv_freq = 1.0 / theta ** (torch.arange(0, hs, 2, dtype=torch.float64) / hs)
    angles = torch.arange(Tn, dtype=torch.float64)[:, None] * inv_freq[None, :]
    cos = torch.cat([angles.cos(), angles.cos()], -1)[None, :, None, :]
    sin = torch.cat([angles.sin(), angles.sin()], -1)[None, :, None, :]
    x = x.view(Bn, Tn, heads, hs)
    rotated = torch.cat([-x[..., hs // 2:], x[..., : hs // 2]], -1)
    return (x * cos + rotated * sin).reshape(Bn, Tn, width)


def llama_forward(p, cfg, ids):
    H, Hkv, eps, theta = cfg["nHead"], cfg["nKvHead"], cfg["normEps"], cfg["ropeTheta"]
    x = p["model.embed_tokens.weight"][ids]
    for l in range(cfg["nLayer"]):
        m = f"model.layers.{l}"
        h = rms_norm(x, p[f"{m}.input_layernorm.weight"], eps)
        q = rope(F.linear(h, p[f"{m}.self_attn.q_proj.weight"]), H, theta)
        k = rope(F.linear(h, p[f"{m}.self_attn.k_proj.weight"]), Hkv, theta)
        v = F.linear(h, p[f"{m}.self_attn.v_proj.weight"])
        x = x + F.linear(attention(q, k, v, H, Hkv), p[f"{m}.self_attn.o_proj.weight"])
        h = rms_norm(x, p[f"{m}.post_attention_layernorm.weight"], eps)
        x = x + F.linear(F.silu(F.linear(h, p[f"{m}.mlp.gate_proj.weight"])) * F.linear(h, p[f"{m}.mlp.up_proj.weight"]), p[f"{m}.mlp.down_proj.weight"])
    return F.linear(rms_norm(x, p["model.norm.weight"], eps), p["lm_head.weight"])


def lr_at(step):
    """nanoGPT's get_lr: linear warmup, cosine decay to min_lr, then min_lr."""
    t = TRAIN
    if step < t["warmup"]:
        return t["lr"] * (step + 1) / (t["warmup"] + 1)
    if step > t["decay_steps"]:
        return t["min_lr"]
    ratio = (step - t["warmup"]) / (t["decay_steps"] - t["warmup"])
    return t["min_lr"] + 0.5 * (1 + math.cos(math.pi * ratio)) * (t["lr"] - t["min_lr"])


def main():
    os.makedirs(OUT, exist_ok=True)
    for arch, cfg in CONFIGS.items():
        g = torch.Generator().manual_seed(1234 if arch == "gpt2" else 5678)
        init = init_params(cfg, g)
        ids = torch.randint(0, cfg["vocabSize"], (TRAIN["steps"], B, T), generator=g, dtype=torch.int64)
        targets = torch.randint(0, cfg["vocabSize"], (TRAIN["steps"], B, T), generator=g, dtype=torch.int64)
        forward = gpt_forward if arch == "gpt2" else llama_forward
        params = {n: t.clone().requires_grad_(True) for n, t in init.items()}
        decay = [t for t in params.values() if t.dim() >= 2]
        no_decay = [t for t in params.values() if t.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": TRAIN["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=TRAIN["lr"], betas=(TRAIN["beta1"], TRAIN["beta2"]), eps=TRAIN["eps"])
        losses, grads = [], None
        for step in range(TRAIN["steps"]):
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            logits = forward(params, cfg, ids[step])
            loss = F.cross_entropy(logits.reshape(-1, cfg["vocabSize"]), targets[step].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if step == 0:
                grads = {n: t.grad.detach().clone() for n, t in params.items()}
            torch.nn.utils.clip_grad_norm_(list(params.values()), TRAIN["clip"])
            opt.step()
            losses.append(loss.item())
        tensors = {}
        for n in init:
            tensors[f"init.{n}"] = init[n]
            tensors[f"grad.{n}"] = grads[n]
            tensors[f"final.{n}"] = params[n].detach()
        tensors["ids"] = ids.to(torch.int32)
        tensors["targets"] = targets.to(torch.int32)
        meta = {"config": json.dumps(cfg), "train": json.dumps(TRAIN), "losses": json.dumps(losses), "torch": torch.__version__}
        write_safetensors(os.path.join(OUT, f"{arch}.safetensors"), tensors, meta)
        print(f"{arch}: {sum(t.numel() for t in init.values())} parameters, losses {losses[0]:.4f} → {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
