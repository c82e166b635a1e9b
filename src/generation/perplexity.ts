/**
 * Perplexity over a text, computed exactly as llama.cpp's llama-perplexity computes it, so the two can be
 * compared number for number:
 *
 *   ids = tokenize(text) with BOS as the vocabulary says;  N = ctx;  chunks = ⌊len(ids) / N⌋
 *   for each chunk c: window = ids[c·N : (c+1)·N], its first id replaced by BOS (when the vocabulary adds BOS),
 *       evaluated from an empty cache; only the second half is scored:
 *       nll += Σ_{j = N/2}^{N−2} −log softmax(logits[j])[window[j + 1]]
 *   perplexity = exp(nll / count), count = chunks · (N − N/2 − 1)
 * The ± figure is llama.cpp's standard error: ppl · sqrt((E[nll²] − E[nll]²) / (count − 1)).
 */
import { UserError } from "../core/errors.js";
import type { LanguageModel } from "../models/language-model.js";
import type { Tokenizer } from "../tokenizers/types.js";

export interface PerplexityOptions {
  readonly ctx?: number; // window length N (default 512)
  readonly chunks?: number; // at most this many windows (default: all)
  readonly onChunk?: (chunk: number, chunks: number, runningPerplexity: number) => void;
}

export interface PerplexityResult {
  readonly perplexity: number;
  readonly standardError: number;
  readonly tokens: number; // ids in the whole text
  readonly scored: number; // predictions that count
  readonly chunks: number;
  readonly ctx: number;
}

/** −log softmax(logits)[target], as llama.cpp's log_softmax: max subtracted, sum of exp in double. */
export function negativeLogLikelihood(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return -(logits[target]! - max - Math.log(sum));
}

export function perplexity(lm: LanguageModel, tokenizer: Tokenizer, text: string, o: PerplexityOptions = {}): PerplexityResult {
  const N = o.ctx ?? 512;
  if (!Number.isInteger(N) || N < 4) throw new UserError("--ctx", `must be a whole number of at least 4, got ${N}`);
  if (N > lm.config.contextLength) throw new UserError("--ctx", `${N} is longer than the model's context of ${lm.config.contextLength}`);
  const ids = tokenizer.encode(text, { addSpecial: true });
  if (ids.length < 2 * N) throw new UserError("--file", `tokenizes to ${ids.length} tokens; a context of ${N} needs at least ${2 * N}`);
  const addsBos = ids.length > 0 && tokenizer.bosId !== undefined && ids[0] === tokenizer.bosId;
  const chunks = Math.min(Math.floor(ids.length / N), o.chunks ?? Infinity);
  const first = Math.floor(N / 2);
  const V = lm.config.vocabSize;
  let nll = 0;
  let nll2 = 0;
  let count = 0;
  const cache = lm.newCache(N); // one cache, emptied for each window (each window is scored from scratch)
  for (let c = 0; c < chunks; c++) {
    const window = ids.slice(c * N, (c + 1) * N);
    if (addsBos) window[0] = tokenizer.bosId!;
    cache.truncate(0);
    const logits = lm.forward(window, cache);
    for (let j = first; j < N - 1; j++) {
      const v = negativeLogLikelihood(logits.subarray(j * V, (j + 1) * V), ids[c * N + j + 1]!);
      nll += v;
      nll2 += v * v;
      count++;
    }
    o.onChunk?.(c + 1, chunks, Math.exp(nll / count));
  }
  cache.release();
  const mean = nll / count;
  const variance = nll2 / count - mean * mean;
  const ppl = Math.exp(mean);
  return { perplexity: ppl, standardError: variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : 0, tokens: ids.length, scored: count, chunks, ctx: N };
}
