#!/usr/bin/python3
"""Reference BPE training: minbpe's RegexTokenizer.train, transcribed step for step (a full recount of
pair statistics per merge; ties go to the pair seen first, as Python's dict order and max() give).

usage: minbpe_train.py < {"chunks": [...text chunks in order...], "vocab_size": N} > [[left, right], ...]
The chunks are the text already split by the regex (glassbox's split is checked against Hugging Face
tokenizers elsewhere), so this checks the merge algorithm itself.
"""
import json
import sys


def get_stats(ids, counts):
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1


def merge(ids, pair, idx):
    out, i = [], 0
    while i < len(ids):
        if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(idx)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


data = json.load(sys.stdin)
ids = [list(chunk.encode("utf-8")) for chunk in data["chunks"]]
merges = []
for i in range(data["vocab_size"] - 256):
    stats = {}
    for chunk_ids in ids:
        get_stats(chunk_ids, stats)
    if not stats:
        break
    pair = max(stats, key=stats.get)
    ids = [merge(chunk_ids, pair, 256 + i) for chunk_ids in ids]
    merges.append(list(pair))
json.dump(merges, sys.stdout)
