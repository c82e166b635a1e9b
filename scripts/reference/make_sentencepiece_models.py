#!/usr/bin/python3
"""Trains the small SentencePiece models the tests use, with Debian's python3-sentencepiece.

usage: make_sentencepiece_models.py ../shared/data/tinyshakespeare.txt test/fixtures/tokenizers
Writes:
  spm-unigram.model  Unigram, default nmt_nfkc normalization (precompiled charsmap), extra-whitespace
                     removal, user-defined and control symbols
  spm-bpe.model      BPE with byte fallback, identity normalization, user-defined symbols
"""
import os
import sys
import tempfile

import sentencepiece as spm

text_path, out_dir = sys.argv[1], sys.argv[2]
extra = [
    "Ｆｕｌｌ－ｗｉｄｔｈ ｔｅｘｔ and ① ② ③ ligatures ﬁ ﬂ and café naïve",
    "日本語のテキストです。中文文本。한국어 텍스트. Ελληνικά. Русский текст.",
    "def f(x):\n    return x * 2  # tabs\tand  spaces",
]
with open(text_path, encoding="utf-8") as f:
    lines = f.read().split("\n")[:20000] + extra * 20
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as tmp:
    tmp.write("\n".join(lines))

common = dict(input=tmp.name, vocab_size=800, character_coverage=1.0, num_threads=2, minloglevel=2)
spm.SentencePieceTrainer.train(
    model_prefix=os.path.join(out_dir, "spm-unigram"), model_type="unigram",
    user_defined_symbols=["<tool>", "[MASK]", "@@"], control_symbols=["<ctrl>"], **common)
spm.SentencePieceTrainer.train(
    model_prefix=os.path.join(out_dir, "spm-bpe"), model_type="bpe", byte_fallback=True,
    normalization_rule_name="identity", remove_extra_whitespaces=False,
    user_defined_symbols=["<tool>", "[MASK]"], **common)
for name in ("spm-unigram", "spm-bpe"):
    os.remove(os.path.join(out_dir, name + ".vocab"))
os.remove(tmp.name)
