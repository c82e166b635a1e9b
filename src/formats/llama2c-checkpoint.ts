/**
 * llama2.c checkpoints (Karpathy's run.c, "version 0" / legacy float export of model.py):
 *   header: 7 × int32  dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
 *           vocab_size < 0 means the classifier is stored separately (not shared with the embedding)
 *   then f32 tensors, each layer-stacked:
 *     token_embedding (V, dim) | rms_att (L, dim) | wq (L, dim, dim) | wk (L, kv_dim, dim) | wv (L, kv_dim, dim)
 *     | wo (L, dim, dim) | rms_ffn (L, dim) | w1 (L, hidden, dim) | w2 (L, dim, hidden) | w3 (L, hidden, dim)
 *     | rms_final (dim) | freq_cis_real (seq_len, hs/2) | freq_cis_imag (seq_len, hs/2) | [wcls (V, dim)]
 *   kv_dim = dim · n_kv_heads / n_heads, hs = dim / n_heads.
 * Tensors are listed per layer under Meta's names (`layers.N.attention.wq.weight`), which
 * models/llama/weights.ts maps to canonical names like any other source.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { FormatError } from "../core/errors.js";
import { openForReading } from "./open.js";
import type { StoredTensor } from "./stored-tensor.js";

export interface Llama2cHeader {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly vocabSize: number;
  readonly seqLen: number;
  readonly sharedClassifier: boolean;
}

export function readLlama2cCheckpoint(path: string): { header: Llama2cHeader; tensors: StoredTensor[] } {
  const fd = openForReading(path);
  let fileSize: number;
  const raw = Buffer.alloc(28);
  try {
    fileSize = fstatSync(fd).size;
    if (fileSize < 28) throw new FormatError(path, `truncated: ${fileSize} bytes, a llama2.c checkpoint starts with a 28-byte header`);
    readSync(fd, raw, 0, 28, 0);
  } finally {
    closeSync(fd);
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = Array.from({ length: 7 }, (_, i) => raw.readInt32LE(4 * i)) as [number, number, number, number, number, number, number];
  const header: Llama2cHeader = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(vocab), seqLen, sharedClassifier: vocab > 0 };
  const positive = { dim, hidden_dim: hiddenDim, n_layers: nLayers, n_heads: nHeads, n_kv_heads: nKvHeads, seq_len: seqLen, vocab_size: Math.abs(vocab) };
  for (const [field, value] of Object.entries(positive)) {
    if (!(value > 0 && value < 1 << 24)) throw new FormatError(path, `header field ${field} = ${value} is not a plausible size: not a llama2.c checkpoint (version 0)`);
  }
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0) throw new FormatError(path, `header: dim ${dim}, n_heads ${nHeads}, n_kv_heads ${nKvHeads} do not divide evenly`);

  const hs = dim / nHeads;
  const kvDim = (dim * nKvHeads) / nHeads;
  const V = header.vocabSize;
  const tensors: StoredTensor[] = [];
  let offset = 28;
  const take = (name: string, shape: number[]): void => {
    const byteLength = shape.reduce((a, b) => a * b, 4);
    tensors.push({ name, dtype: "f32", shape, file: path, offset, byteLength });
    offset += byteLength;
  };
  const perLayer = (name: string, shape: number[]): void => {
    for (let l = 0; l < nLayers; l++) take(`layers.${l}.${name}`, shape);
  };
  take("tok_embeddings.weight", [V, dim]);
  perLayer("attention_norm.weight", [dim]);
  perLayer("attention.wq.weight", [dim, dim]);
  perLayer("attention.wk.weight", [kvDim, dim]);
  perLayer("attention.wv.weight", [kvDim, dim]);
  perLayer("attention.wo.weight", [dim, dim]);
  perLayer("ffn_norm.weight", [dim]);
  perLayer("feed_forward.w1.weight", [hiddenDim, dim]);
  perLayer("feed_forward.w2.weight", [dim, hiddenDim]);
  perLayer("feed_forward.w3.weight", [hiddenDim, dim]);
  take("norm.weight", [dim]);
  offset += 2 * seqLen * (hs / 2) * 4; // freq_cis_real, freq_cis_imag: RoPE tables, recomputed (θ = 10000) as run.c does
  if (!header.sharedClassifier) take("output.weight", [V, dim]);
  if (offset > fileSize) throw new FormatError(path, `truncated: the header's sizes need ${offset} bytes, the file has ${fileSize}`);
  if (offset < fileSize) throw new FormatError(path, `the header's sizes account for ${offset} bytes but the file has ${fileSize}: not a version-0 llama2.c checkpoint, or a header that disagrees with the weights`);
  return { header, tensors };
}
