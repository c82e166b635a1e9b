#!/usr/bin/env python3
"""
Writes a small random Llama model as an F32 GGUF with llama.cpp's own gguf-py (never with glassbox code),
so glassbox's reader is tested on a file it did not write. The vocabulary is a real SentencePiece model's
(pieces, scores, token types as llama.cpp's converter sets them); q/k rows are in GGUF `llama` order.

    PYTHONPATH=bench/peers/llama.cpp/gguf-py /usr/bin/python3 scripts/reference/gguf_py_write_llama.py \
        TOKENIZER.model OUT.gguf [--dim 256 --ffn 512 --layers 2 --heads 4 --kv-heads 2 --seed 0]
"""
import argparse

import gguf
import numpy as np
import sentencepiece as spm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tokenizer")
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    V = sp.get_piece_size()
    tokens, scores, types = [], [], []
    for i in range(V):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(sp.get_score(i))
        t = gguf.TokenType.NORMAL
        if sp.is_unknown(i):
            t = gguf.TokenType.UNKNOWN
        elif sp.is_control(i):
            t = gguf.TokenType.CONTROL
        elif sp.is_unused(i):
            t = gguf.TokenType.UNUSED
        elif sp.is_byte(i):
            t = gguf.TokenType.BYTE
        types.append(t)

    rng = np.random.default_rng(a.seed)
    C, F, H, Hkv = a.dim, a.ffn, a.heads, a.kv_heads
    hs = C // H
    lin = lambda o, i, s=1.0: (rng.standard_normal((o, i)) * s / np.sqrt(i)).astype(np.float32)

    w = gguf.GGUFWriter(a.out, "llama")
    w.add_name("gguf-py random llama")
    w.add_context_length(a.ctx)
    w.add_embedding_length(C)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(Hkv)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(hs)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_unk_token_id(sp.unk_id())
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    w.add_tensor("token_embd.weight", rng.standard_normal((V, C)).astype(np.float32))
    for l in range(a.layers):
        w.add_tensor(f"blk.{l}.attn_norm.weight", (1 + 0.1 * rng.standard_normal(C)).astype(np.float32))
        w.add_tensor(f"blk.{l}.attn_q.weight", lin(H * hs, C))
        w.add_tensor(f"blk.{l}.attn_k.weight", lin(Hkv * hs, C))
        w.add_tensor(f"blk.{l}.attn_v.weight", lin(Hkv * hs, C))
        w.add_tensor(f"blk.{l}.attn_output.weight", lin(C, H * hs))
        w.add_tensor(f"blk.{l}.ffn_norm.weight", (1 + 0.1 * rng.standard_normal(C)).astype(np.float32))
        w.add_tensor(f"blk.{l}.ffn_gate.weight", lin(F, C))
        w.add_tensor(f"blk.{l}.ffn_up.weight", lin(F, C))
        w.add_tensor(f"blk.{l}.ffn_down.weight", lin(C, F))
    w.add_tensor("output_norm.weight", (1 + 0.1 * rng.standard_normal(C)).astype(np.float32))
    w.add_tensor("output.weight", lin(V, C, 4.0))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
