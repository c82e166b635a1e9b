#!/usr/bin/python3
"""Reference llama2.c encodings: `encode()` from llama2.c's run.c, transcribed step for step into Python
(its naive quadratic merge loop, C-string semantics), as an oracle independent of glassbox's heap version.

usage: llama2c_encode.py TOKENIZER_BIN VOCAB_SIZE < strings.json > ids.json
  (bos=0, eos=0: no BOS/EOS, as `glassbox tokenize` encodes)
"""
import json
import struct
import sys

path, vocab_size = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    data = f.read()
max_token_length = struct.unpack_from("<i", data, 0)[0]
vocab, scores, pos = [], [], 4
for _ in range(vocab_size):
    score, length = struct.unpack_from("<fi", data, pos)
    piece = data[pos + 8 : pos + 8 + length]
    vocab.append(piece.split(b"\0")[0])  # a C string ends at its first NUL
    scores.append(score)
    pos += 8 + length
lookup = {}
for i, piece in enumerate(vocab):
    lookup.setdefault(piece, i)


def encode(text: str):
    raw = text.encode("utf-8").split(b"\0")[0]
    tokens = []
    if raw:
        tokens.append(lookup.get(b" ", -1))
    buf = b""
    for i, c in enumerate(raw):
        if c & 0xC0 != 0x80:
            buf = b""
        buf += bytes([c])
        nxt = raw[i + 1] if i + 1 < len(raw) else 0
        if nxt & 0xC0 == 0x80 and len(buf) < 4:
            continue
        tid = lookup.get(buf, -1)
        if tid != -1:
            tokens.append(tid)
        else:
            tokens.extend(b + 3 for b in buf)
        buf = b""
    while True:
        best_score, best_id, best_idx = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            tid = lookup.get(vocab[tokens[i]] + vocab[tokens[i + 1]], -1)
            if tid != -1 and scores[tid] > best_score:
                best_score, best_id, best_idx = scores[tid], tid, i
        if best_idx == -1:
            break
        tokens[best_idx] = best_id
        del tokens[best_idx + 1]
    return tokens


json.dump([encode(t) for t in json.load(sys.stdin)], sys.stdout)
