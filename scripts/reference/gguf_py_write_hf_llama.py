#!/usr/bin/env python3
"""
Writes a Hugging Face Llama checkpoint (config.json, model.safetensors in f32, a byte-level BPE
tokenizer.json) as an F32 GGUF with llama.cpp's own gguf-py and numpy — never with glassbox code — so that
glassbox's reader is tested on a file it did not write, with trained weights. q/k rows are permuted from
Hugging Face's pairing (i, i + hs/2) to GGUF `llama`'s interleaved pairing, as convert_hf_to_gguf.py does.

    PYTHONPATH=bench/peers/llama.cpp/gguf-py /usr/bin/python3 scripts/reference/gguf_py_write_hf_llama.py DIR OUT.gguf
"""
import json
import struct
import sys

import gguf
import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", f"{name}: only F32 checkpoints ({e['dtype']})"
        a, b = e["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(e["shape"])
    return out


def to_interleaved(w, heads):
    """Rows of each head: [x_0 … x_{hs/2−1}, y_0 … y_{hs/2−1}] → [x_0, y_0, x_1, y_1, …]."""
    rows, cols = w.shape
    hs = rows // heads
    return w.reshape(heads, 2, hs // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def main():
    src, out = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{src}/config.json"))
    tok = json.load(open(f"{src}/tokenizer.json"))
    t = read_safetensors(f"{src}/model.safetensors")
    V, C, L = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"]
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]

    vocab = tok["model"]["vocab"]
    tokens = [None] * V
    for piece, i in vocab.items():
        tokens[i] = piece
    types = [gguf.TokenType.NORMAL] * V
    for added in tok.get("added_tokens", []):
        tokens[added["id"]] = added["content"]
        types[added["id"]] = gguf.TokenType.CONTROL if added.get("special") else gguf.TokenType.USER_DEFINED
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]

    w = gguf.GGUFWriter(out, "llama")
    w.add_name("gguf-py " + src.rstrip("/").split("/")[-1])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(C)
    w.add_block_count(L)
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(H)
    w.add_head_count_kv(Hkv)
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_freq_base(cfg.get("rope_theta", 10000.0))
    w.add_rope_dimension_count(C // H)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("llama-bpe")  # the GPT-4 split pattern `glassbox tokenizer train --pattern gpt4` uses
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    if cfg.get("eos_token_id") is not None:
        w.add_eos_token_id(cfg["eos_token_id"])
    w.add_add_bos_token(False)

    w.add_tensor("token_embd.weight", t["model.embed_tokens.weight"])
    for l in range(L):
        p = f"model.layers.{l}."
        w.add_tensor(f"blk.{l}.attn_norm.weight", t[p + "input_layernorm.weight"])
        w.add_tensor(f"blk.{l}.attn_q.weight", to_interleaved(t[p + "self_attn.q_proj.weight"], H))
        w.add_tensor(f"blk.{l}.attn_k.weight", to_interleaved(t[p + "self_attn.k_proj.weight"], Hkv))
        w.add_tensor(f"blk.{l}.attn_v.weight", t[p + "self_attn.v_proj.weight"])
        w.add_tensor(f"blk.{l}.attn_output.weight", t[p + "self_attn.o_proj.weight"])
        w.add_tensor(f"blk.{l}.ffn_norm.weight", t[p + "post_attention_layernorm.weight"])
        w.add_tensor(f"blk.{l}.ffn_gate.weight", t[p + "mlp.gate_proj.weight"])
        w.add_tensor(f"blk.{l}.ffn_up.weight", t[p + "mlp.up_proj.weight"])
        w.add_tensor(f"blk.{l}.ffn_down.weight", t[p + "mlp.down_proj.weight"])
    w.add_tensor("output_norm.weight", t["model.norm.weight"])
    if "lm_head.weight" in t:
        w.add_tensor("output.weight", t["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
