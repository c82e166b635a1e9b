#!/usr/bin/env python3
"""
The PyTorch peer of `npm run bench -- train`: nanoGPT's model.py and train.py loop for the Shakespeare
character configuration (CPU: 4 layers, 4 heads, 128 wide, block 64, batch 12, no dropout, bias=False,
AdamW betas (0.9, 0.99), weight decay 0.1 on ≥2-D parameters, clip 1.0, warmup + cosine lr), written out
plainly so it runs on Debian's python3-torch 1.13 (which has no scaled_dot_product_attention: nanoGPT then
uses its manual attention, as here). GELU is nn.GELU() as in nanoGPT.

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/train_pytorch.py --data ../shared/data/tinyshakespeare.txt --iters 50

Prints one JSON line: {"msPerIter": [...] (one per timed iteration, batch sampling included, as nanoGPT's
log times it), "losses": [...], "torch", "threads", "blas"}. --full runs all 2000 iterations with
nanoGPT's evaluations and adds "valLoss" (mean of 20 validation batches at iteration 2000).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH = 4, 4, 128, 64, 12
LR, MIN_LR, WARMUP, DECAY, MAX_ITERS = 1e-3, 1e-4, 100, 2000, 2000


class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm without bias (torch 1.13's nn.LayerNorm cannot drop it)."""

    def __init__(self, ndim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = LayerNorm(N_EMBD)
        self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD, bias=False)
        self.c_proj = nn.Linear(N_EMBD, N_EMBD, bias=False)
        self.ln_2 = LayerNorm(N_EMBD)
        self.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD, bias=False)
        self.mlp_proj = nn.Linear(4 * N_EMBD, N_EMBD, bias=False)
        self.gelu = nn.GELU()
        self.register_buffer("mask", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

    def attention(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
        q = q.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        k = k.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        v = v.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, N_EMBD)
        self.wpe = nn.Embedding(BLOCK, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = LayerNorm(N_EMBD)
        self.lm_head = nn.Linear(N_EMBD, vocab, bias=False)
        self.wte.weight = self.lm_head.weight  # tied, as nanoGPT
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * N_LAYER) if name.endswith(("c_proj.weight", "mlp_proj.weight")) else 0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def get_lr(it):
    if it < WARMUP:
        return LR * (it + 1) / (WARMUP + 1)
    if it > DECAY:
        return MIN_LR
    ratio = (it - WARMUP) / (DECAY - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (LR - MIN_LR)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--skip", type=int, default=5, help="untimed warm-up iterations first")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    text = open(args.data, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    train, val = data[:n], data[n:]

    def batch(split):
        d = train if split == "train" else val
        ix = torch.randint(len(d) - BLOCK, (BATCH,))
        return torch.stack([d[i:i + BLOCK] for i in ix]), torch.stack([d[i + 1:i + 1 + BLOCK] for i in ix])

    model = GPT(len(chars))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=(0.9, 0.99))

    @torch.no_grad()
    def val_loss():
        model.eval()
        losses = [model(*batch("val")).item() for _ in range(20)]
        model.train()
        return sum(losses) / len(losses)

    iters = MAX_ITERS if args.full else args.skip + args.iters
    times, losses, result = [], [], {}
    for it in range(iters + (1 if args.full else 0)):
        if args.full and (it % 250 == 0 or it == MAX_ITERS):
            result[f"valLoss@{it}"] = val_loss()
            if it == MAX_ITERS:
                break
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = get_lr(it)
        X, Y = batch("train")
        loss = model(X, Y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        lossf = loss.item()
        dt = (time.time() - t0) * 1000
        if it >= args.skip:
            times.append(dt)
            losses.append(lossf)
    if args.full:
        result["valLoss"] = result[f"valLoss@{MAX_ITERS}"]
    blas = "openblas" if "openblas" in open("/proc/self/maps").read() else "reference or other"
    print(json.dumps({"msPerIter": times, "losses": losses, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, **result}))


if __name__ == "__main__":
    main()
