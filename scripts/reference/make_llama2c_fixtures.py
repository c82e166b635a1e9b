#!/usr/bin/env python3
"""
llama2.c fixtures: two small random checkpoints in llama2.c's version-0 float format (grouped-query
attention, a vocabulary of 800, one with the classifier shared with the embedding and one separate), a
llama2.c tokenizer.bin exported from test/fixtures/tokenizers/spm-bpe.model as llama2.c's tokenizer.py
does, and the greedy continuation of a prompt computed by an independent PyTorch forward written from
llama2.c's model.py (complex-number RoPE on interleaved pairs, repeat_kv, RMSNorm ε = 1e-5, SwiGLU).

    /usr/bin/python3 scripts/reference/make_llama2c_fixtures.py     # writes test/fixtures/llama2c/
"""
import json
import math
import os
import struct
import sys

import sentencepiece as spm
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "test", "fixtures", "llama2c")
SPM = os.path.join(ROOT, "test", "fixtures", "tokenizers", "spm-bpe.model")
DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, SEQ_LEN = 32, 64, 2, 4, 2, 128
PROMPT = "the king said"
STEPS = 40


def export_tokenizer(sp, path):
    """llama2.c tokenizer.py export(): pieces with ▁ as space, BOS/EOS spelled as run.c expects."""
    tokens, scores = [], []
    for i in range(sp.get_piece_size()):
        t = sp.id_to_piece(i)
        if i == sp.bos_id():
            t = "\n<s>\n"
        elif i == sp.eos_id():
            t = "\n</s>\n"
        tokens.append(t.replace("▁", " ").encode("utf-8"))
        scores.append(sp.get_score(i))
    with open(path, "wb") as f:
        f.write(struct.pack("I", max(len(t) for t in tokens)))
        for b, s in zip(tokens, scores):
            f.write(struct.pack("fI", s, len(b)))
            f.write(b)


def random_weights(g, vocab, shared):
    def lin(o, i):
        return torch.randn(o, i, generator=g) / math.sqrt(i)
    kv = DIM * KV_HEADS // HEADS
    # a tied classifier scores tokens by similarity to the residual stream, so with a large embedding the
    # model just repeats its last token; a small one lets the layers decide
    w = {"tok": torch.randn(vocab, DIM, generator=g) * (0.1 if shared else 1.0), "norm": 1 + 0.1 * torch.randn(DIM, generator=g), "layers": []}
    for _ in range(LAYERS):
        w["layers"].append({
            "att_norm": 1 + 0.1 * torch.randn(DIM, generator=g), "wq": lin(DIM, DIM), "wk": lin(kv, DIM), "wv": lin(kv, DIM), "wo": lin(DIM, DIM),
            "ffn_norm": 1 + 0.1 * torch.randn(DIM, generator=g), "w1": lin(HIDDEN, DIM), "w2": lin(DIM, HIDDEN), "w3": lin(HIDDEN, DIM)})
    w["out"] = w["tok"] if shared else 4 * lin(vocab, DIM)
    return w


def write_checkpoint(w, vocab, shared, path):
    """model.py legacy_export(): header, then each weight stacked over layers, RoPE tables, classifier."""
    hs = DIM // HEADS
    freqs = 1.0 / (10000.0 ** (torch.arange(0, hs, 2)[: hs // 2].float() / hs))
    angles = torch.outer(torch.arange(SEQ_LEN).float(), freqs)
    with open(path, "wb") as f:
        f.write(struct.pack("iiiiiii", DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, vocab if shared else -vocab, SEQ_LEN))
        put = lambda t: f.write(t.detach().to(torch.float32).contiguous().numpy().tobytes())
        put(w["tok"])
        for key in ("att_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3"):
            for layer in w["layers"]:
                put(layer[key])
        put(w["norm"])
        put(torch.cos(angles))
        put(torch.sin(angles))
        if not shared:
            put(w["out"])


def forward(w, ids):
    """llama2.c model.py Transformer.forward, in float64, for all positions of ids."""
    T, hs = len(ids), DIM // HEADS
    d = lambda t: t.to(torch.float64)
    rms = lambda x, weight: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * d(weight)
    freqs = 1.0 / (10000.0 ** (torch.arange(0, hs, 2)[: hs // 2].double() / hs))
    cis = torch.polar(torch.ones(T, hs // 2, dtype=torch.float64), torch.outer(torch.arange(T).double(), freqs))  # (T, hs/2)

    def rope(x):  # x (T, nh, hs): rotate interleaved pairs as complex numbers
        xc = torch.view_as_complex(x.reshape(T, x.shape[1], hs // 2, 2).contiguous())
        return torch.view_as_real(xc * cis[:, None, :]).reshape(x.shape)

    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    x = d(w["tok"])[ids]
    for L in w["layers"]:
        h = rms(x, L["att_norm"])
        q = rope((h @ d(L["wq"]).T).view(T, HEADS, hs))
        k = rope((h @ d(L["wk"]).T).view(T, KV_HEADS, hs))
        v = (h @ d(L["wv"]).T).view(T, KV_HEADS, hs)
        k = k.repeat_interleave(HEADS // KV_HEADS, dim=1)
        v = v.repeat_interleave(HEADS // KV_HEADS, dim=1)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hs) + mask, dim=-1)
        x = x + (att @ v).transpose(0, 1).reshape(T, DIM) @ d(L["wo"]).T
        h = rms(x, L["ffn_norm"])
        x = x + (torch.nn.functional.silu(h @ d(L["w1"]).T) * (h @ d(L["w3"]).T)) @ d(L["w2"]).T
    return rms(x, w["norm"]) @ d(w["out"]).T


def greedy(w, ids, steps):
    ids, margins = list(ids), []
    for _ in range(steps):
        logits = forward(w, ids)[-1]
        top2 = torch.topk(logits, 2).values
        margins.append(float(top2[0] - top2[1]))
        ids.append(int(torch.argmax(logits)))
    return ids, min(margins)


def main():
    os.makedirs(OUT, exist_ok=True)
    sp = spm.SentencePieceProcessor(model_file=SPM)
    vocab = sp.get_piece_size()
    export_tokenizer(sp, os.path.join(OUT, "tokenizer.bin"))
    prompt_ids = [sp.bos_id()] + sp.encode(PROMPT)
    reference = {"prompt": PROMPT, "prompt_ids": prompt_ids, "steps": STEPS, "made_by": "scripts/reference/make_llama2c_fixtures.py", "checkpoints": {}}
    for seed, shared in ((11, True), (12, False)):
        w = random_weights(torch.Generator().manual_seed(seed), vocab, shared)
        name = "shared.bin" if shared else "separate.bin"
        write_checkpoint(w, vocab, shared, os.path.join(OUT, name))
        f32 = {k: v for k, v in w.items()}  # the checkpoint stores f32: run the reference on exactly those values
        ids, margin = greedy(f32, prompt_ids, STEPS)
        reference["checkpoints"][name] = {"ids": ids[len(prompt_ids):], "min_top2_margin": margin}
        print(f"{name}: greedy {ids[len(prompt_ids):][:12]}..., smallest top-2 logit margin {margin:.4f}", file=sys.stderr)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)


if __name__ == "__main__":
    main()
