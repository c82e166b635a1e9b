#!/usr/bin/python3
"""Reference SentencePiece encodings, from Debian's python3-sentencepiece (the library itself).

usage: sentencepiece_ref.py MODEL encode|decode < in.json > out.json
  encode: in = JSON array of strings      → out = JSON array of id arrays   (sp.encode(text))
  decode: in = JSON array of id arrays    → out = JSON array of strings     (sp.decode(ids))
"""
import json
import sys

import sentencepiece as spm

model, mode = sys.argv[1], sys.argv[2]
sp = spm.SentencePieceProcessor(model_file=model)
data = json.load(sys.stdin)
if mode == "encode":
    out = [sp.encode(text) for text in data]
elif mode == "decode":
    out = [sp.decode(ids) for ids in data]
else:
    raise SystemExit(f"unknown mode {mode}")
json.dump(out, sys.stdout, ensure_ascii=False)
