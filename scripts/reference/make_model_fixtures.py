#!/usr/bin/env python3
"""
Golden fixtures for glassbox's inference engine, from an independent reference: small random checkpoints
of each family in Hugging Face layout (config.json + model.safetensors) in f32, f16 and bf16, and the
logits of a plain-PyTorch forward pass in float64 written from each family's published semantics
(Hugging Face transformers' modeling_{gpt2,llama,mistral,qwen2,mixtral}.py, which is not installable here).

    /usr/bin/python3 scripts/reference/make_model_fixtures.py      # writes test/fixtures/models/

Each fixture directory holds config.json, model.safetensors and reference.json:
    {"ids": [T ids], "logits_file": "logits.f64"}  with logits.f64 = T × V little-endian float64.
The reference runs in float64 on the weights exactly as stored (f16/bf16 values upcast), so the
comparison measures glassbox's arithmetic, not the rounding of the checkpoint.
"""
import json
import math
import os
import sys

import torch

from safetensors_io import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "models")
T = 24  # positions in the reference sequence (longer than mistral's window of 16)
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


# ---------------------------------------------------------------- random weights

def randn(g, *shape, std=1.0):
    return torch.randn(*shape, generator=g, dtype=torch.float64) * std


def linear_w(g, out_f, in_f):
    return randn(g, out_f, in_f, std=1 / math.sqrt(in_f))


def llama_weights(g, c):
    C, F, H, Hkv, hs, V = c["hidden_size"], c["intermediate_size"], c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"] // c["num_attention_heads"], c["vocab_size"]
    w = {"model.embed_tokens.weight": randn(g, V, C), "model.norm.weight": 1 + randn(g, C, std=0.1)}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + randn(g, C, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + randn(g, C, std=0.1)
        w[p + "self_attn.q_proj.weight"] = linear_w(g, H * hs, C)
        w[p + "self_attn.k_proj.weight"] = linear_w(g, Hkv * hs, C)
        w[p + "self_attn.v_proj.weight"] = linear_w(g, Hkv * hs, C)
        w[p + "self_attn.o_proj.weight"] = linear_w(g, C, H * hs)
        if c["model_type"] == "qwen2":
            w[p + "self_attn.q_proj.bias"] = randn(g, H * hs, std=0.5)
            w[p + "self_attn.k_proj.bias"] = randn(g, Hkv * hs, std=0.5)
            w[p + "self_attn.v_proj.bias"] = randn(g, Hkv * hs, std=0.5)
        if c["model_type"] == "mixtral":
            w[p + "block_sparse_moe.gate.weight"] = linear_w(g, c["num_local_experts"], C) * 3
            for e in range(c["num_local_experts"]):
                q = p + f"block_sparse_moe.experts.{e}."
                w[q + "w1.weight"] = linear_w(g, F, C)
                w[q + "w2.weight"] = linear_w(g, C, F)
                w[q + "w3.weight"] = linear_w(g, F, C)
        else:
            w[p + "mlp.gate_proj.weight"] = linear_w(g, F, C)
            w[p + "mlp.up_proj.weight"] = linear_w(g, F, C)
            w[p + "mlp.down_proj.weight"] = linear_w(g, C, F)
    if not c.get("tie_word_embeddings", False):
        w["lm_head.weight"] = linear_w(g, V, C) * 4
    return w


def gpt2_weights(g, c):
    C, V, P = c["n_embd"], c["vocab_size"], c["n_positions"]
    F = 4 * C
    w = {"transformer.wte.weight": randn(g, V, C, std=0.5), "transformer.wpe.weight": randn(g, P, C, std=0.5),
         "transformer.ln_f.weight": 1 + randn(g, C, std=0.1), "transformer.ln_f.bias": randn(g, C, std=0.1)}
    for l in range(c["n_layer"]):
        p = f"transformer.h.{l}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = 1 + randn(g, C, std=0.1)
            w[p + ln + ".bias"] = randn(g, C, std=0.1)
        # Conv1D stores (in, out)
        w[p + "attn.c_attn.weight"] = linear_w(g, 3 * C, C).T.contiguous()
        w[p + "attn.c_attn.bias"] = randn(g, 3 * C, std=0.1)
        w[p + "attn.c_proj.weight"] = linear_w(g, C, C).T.contiguous()
        w[p + "attn.c_proj.bias"] = randn(g, C, std=0.1)
        w[p + "mlp.c_fc.weight"] = linear_w(g, F, C).T.contiguous()
        w[p + "mlp.c_fc.bias"] = randn(g, F, std=0.1)
        w[p + "mlp.c_proj.weight"] = linear_w(g, C, F).T.contiguous()
        w[p + "mlp.c_proj.bias"] = randn(g, C, std=0.1)
    return w


# ---------------------------------------------------------------- reference forward passes (float64)

def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def layer_norm(x, weight, bias, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def rope_inv_freq(c, hs):
    inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, hs, 2, dtype=torch.float64) / hs))
    s = c.get("rope_scaling")
    if s and s.get("rope_type") == "llama3":
        # transformers' _compute_llama3_parameters
        factor, low, high, old = s["factor"], s["low_freq_factor"], s["high_freq_factor"], s["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def causal_mask(Tq, window=None):
    i = torch.arange(Tq)[:, None]
    j = torch.arange(Tq)[None, :]
    allowed = j <= i
    if window is not None:
        allowed &= j > i - window  # Mistral: a query at i sees keys in (i - window, i]
    return torch.where(allowed, 0.0, float("-inf")).to(torch.float64)


def llama_forward(w, c, ids):
    C, H, Hkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hs, eps, Tn = C // H, c["rms_norm_eps"], len(ids)
    x = w["model.embed_tokens.weight"][ids]  # (T, C)
    inv = rope_inv_freq(c, hs)
    freqs = torch.outer(torch.arange(Tn, dtype=torch.float64), inv)  # (T, hs/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    window = c.get("sliding_window") if c["model_type"] == "mistral" else None
    mask = causal_mask(Tn, window)
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = h @ w[p + "self_attn.q_proj.weight"].T
        k = h @ w[p + "self_attn.k_proj.weight"].T
        v = h @ w[p + "self_attn.v_proj.weight"].T
        if p + "self_attn.q_proj.bias" in w:
            q, k, v = q + w[p + "self_attn.q_proj.bias"], k + w[p + "self_attn.k_proj.bias"], v + w[p + "self_attn.v_proj.bias"]
        q = q.view(Tn, H, hs).transpose(0, 1)  # (H, T, hs)
        k = k.view(Tn, Hkv, hs).transpose(0, 1)  # (Hkv, T, hs)
        v = v.view(Tn, Hkv, hs).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, dim=0)  # repeat_kv: query head h uses kv head h // (H / Hkv)
        v = v.repeat_interleave(H // Hkv, dim=0)
        att = q @ k.transpose(-2, -1) / math.sqrt(hs) + mask  # (H, T, T)
        out = torch.softmax(att, dim=-1) @ v  # (H, T, hs)
        out = out.transpose(0, 1).reshape(Tn, H * hs)
        x = x + out @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if c["model_type"] == "mixtral":
            probs = torch.softmax(h @ w[p + "block_sparse_moe.gate.weight"].T, dim=-1)  # (T, E)
            top_w, top_e = torch.topk(probs, c["num_experts_per_tok"], dim=-1)
            top_w = top_w / top_w.sum(-1, keepdim=True)
            y = torch.zeros_like(h)
            for t in range(Tn):
                for j in range(top_e.shape[1]):
                    q_ = p + f"block_sparse_moe.experts.{int(top_e[t, j])}."
                    ht = h[t]
                    y[t] += top_w[t, j] * (w[q_ + "w2.weight"] @ (torch.nn.functional.silu(w[q_ + "w1.weight"] @ ht) * (w[q_ + "w3.weight"] @ ht)))
            x = x + y
        else:
            gate = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
            x = x + (gate * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(w, c, ids):
    C, H, eps, Tn = c["n_embd"], c["n_head"], c["layer_norm_epsilon"], len(ids)
    hs = C // H
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:Tn]
    mask = causal_mask(Tn)
    for l in range(c["n_layer"]):
        p = f"transformer.h.{l}."
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: x W + b, W (in, out)
        q, k, v = qkv.split(C, dim=-1)
        q, k, v = (t.view(Tn, H, hs).transpose(0, 1) for t in (q, k, v))
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hs) + mask, dim=-1)
        out = (att @ v).transpose(0, 1).reshape(Tn, C)
        x = x + out @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]) @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ w["transformer.wte.weight"].T


# ---------------------------------------------------------------- the fixtures

V = 320
BASE_LLAMA = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "vocab_size": V, "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2}
CONFIGS = {
    "gpt2": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 512, "n_inner": None,
             "vocab_size": V, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "bos_token_id": 0, "eos_token_id": 0},
    # Llama 3.1-style rope scaling, with theta and original context chosen so all three branches occur at hs = 8
    "llama": {**BASE_LLAMA, "model_type": "llama", "architectures": ["LlamaForCausalLM"], "tie_word_embeddings": False,
              "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}},
    "mistral": {**BASE_LLAMA, "model_type": "mistral", "architectures": ["MistralForCausalLM"], "tie_word_embeddings": False, "sliding_window": 16},
    "qwen2": {**BASE_LLAMA, "model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "tie_word_embeddings": True, "rope_theta": 1000000.0,
              "rms_norm_eps": 1e-6, "use_sliding_window": False, "sliding_window": 4096},
    "mixtral": {**BASE_LLAMA, "model_type": "mixtral", "architectures": ["MixtralForCausalLM"], "tie_word_embeddings": False,
                "num_local_experts": 4, "num_experts_per_tok": 2},
}


def main():
    for i, (family, config) in enumerate(CONFIGS.items()):
        g = torch.Generator().manual_seed(1000 + i)
        weights = gpt2_weights(g, config) if family == "gpt2" else llama_weights(g, config)
        ids = torch.randint(0, V, (T,), generator=g).tolist()
        for dname, dtype in DTYPES.items():
            stored = {k: t.to(dtype) for k, t in weights.items()}
            as_f64 = {k: t.to(torch.float64) for k, t in stored.items()}
            logits = (gpt2_forward if family == "gpt2" else llama_forward)(as_f64, config, ids)
            d = os.path.join(OUT, f"{family}-{dname}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump({**config, "torch_dtype": {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}[dname]}, f, indent=1)
            write_safetensors(os.path.join(d, "model.safetensors"), stored)
            with open(os.path.join(d, "logits.f64"), "wb") as f:
                f.write(logits.numpy().astype("<f8").tobytes())
            with open(os.path.join(d, "reference.json"), "w") as f:
                json.dump({"ids": ids, "logits_file": "logits.f64", "made_by": "scripts/reference/make_model_fixtures.py", "torch": torch.__version__}, f)
            print(f"{family}-{dname}: {sum(t.numel() for t in stored.values())} parameters, logits {tuple(logits.shape)}, max |logit| {logits.abs().max():.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
