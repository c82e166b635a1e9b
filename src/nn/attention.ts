/**
 * Causal self-attention (Vaswani et al. 2017), multi-head or grouped-query (Ainslie et al. 2023).
 * Legend: T = positions in this call, C = channels, H = query heads, Hkv = key/value heads, hs = head size,
 * S = positions in the cache after this call (pos0 + T).
 *
 *   q = x Wqᵀ (+ bq)   (T, H, hs)        k = x Wkᵀ (+ bk)   (T, Hkv, hs)        v = x Wvᵀ (+ bv)   (T, Hkv, hs)
 *   q, k = RoPE(q, k)                    (when the model uses rotary positions)
 *   cache[pos0 : S] = k, v
 *   out = softmax(q kᵀ / √hs + causal mask) v    (T, H, hs): each group of H / Hkv query heads shares one k, v head
 *   y = out Woᵀ (+ bo)   (T, C)
 */
import type { Backend, RopeStyle } from "../tensor/backend.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tracer } from "../trace/trace.js";
import { freshFloats, type Floats } from "./activations.js";
import type { KvCache } from "./kv-cache.js";
import { linear, linears } from "./linear.js";
import { positionRange } from "./positions.js";

export interface AttentionWeights {
  readonly wq: Tensor; // (H·hs, C)
  readonly wk: Tensor; // (Hkv·hs, C)
  readonly wv: Tensor; // (Hkv·hs, C)
  readonly wo: Tensor; // (C, H·hs)
  readonly bq?: Float32Array;
  readonly bk?: Float32Array;
  readonly bv?: Float32Array;
  readonly bo?: Float32Array;
}

export interface AttentionConfig {
  readonly nHead: number;
  readonly nKvHead: number; // < nHead: grouped-query attention; 1: multi-query
  readonly headDim: number;
  readonly window: number; // sliding window (Mistral); Infinity: see the whole prefix
  readonly rope?: { readonly invFreq: Float32Array; readonly style: RopeStyle }; // absent: positions come from elsewhere
}

/** Where one sequence's rows sit in a batch: rows row0 .. row0 + T − 1, continuing `cache` at position pos0. */
export interface AttentionSegment {
  readonly row0: number;
  readonly T: number;
  readonly cache: KvCache;
  readonly pos0: number;
}

/** y (T, C) = attention(x (T, C)) for positions pos0 .. pos0 + T − 1; writes this call's k, v to the cache. */
export function attention(
  backend: Backend,
  x: Float32Array,
  T: number,
  w: AttentionWeights,
  cfg: AttentionConfig,
  cache: KvCache,
  layer: number,
  pos0: number,
  tracer: Tracer,
): Float32Array {
  return batchedAttention(backend, x, [{ row0: 0, T, cache, pos0 }], w, cfg, layer, tracer);
}

/**
 * The same over several sequences stacked as rows of x: the projections and RoPE run once over all rows
 * (each row at its own position), then each segment attends over its own cache.
 */
export function batchedAttention(backend: Backend, x: Float32Array, segments: readonly AttentionSegment[], w: AttentionWeights, cfg: AttentionConfig, layer: number, tracer: Tracer, alloc: Floats = freshFloats): Float32Array {
  const { nHead, nKvHead, headDim } = cfg;
  const rows = segments.reduce((n, s) => n + s.T, 0);
  // q (rows, H, hs), k and v (rows, Hkv, hs)
  const [q, k, v] = linears(backend, x, rows, [w.wq, w.wk, w.wv], [w.bq, w.bk, w.bv], alloc) as [Float32Array, Float32Array, Float32Array];
  if (cfg.rope) {
    const positions = new Int32Array(rows);
    for (const s of segments) positions.set(positionRange(s.pos0, s.T), s.row0);
    backend.rope(q, rows, nHead, headDim, positions, cfg.rope.invFreq, cfg.rope.style);
    backend.rope(k, rows, nKvHead, headDim, positions, cfg.rope.invFreq, cfg.rope.style);
  }
  const qWidth = nHead * headDim;
  const kvWidth = nKvHead * headDim;
  const heads = alloc(rows * qWidth); // (rows, H, hs)
  for (const s of segments) {
    s.cache.write(layer, s.pos0, k.subarray(s.row0 * kvWidth, (s.row0 + s.T) * kvWidth), v.subarray(s.row0 * kvWidth, (s.row0 + s.T) * kvWidth));
    const S = s.pos0 + s.T;
    const probs = tracer.enabled && segments.length === 1 ? new Float32Array(nHead * s.T * S) : undefined; // (H, T, S)
    const shape = { T: s.T, pos0: s.pos0, nHead, nKvHead, headDim, window: cfg.window };
    backend.attention(heads.subarray(s.row0 * qWidth, (s.row0 + s.T) * qWidth), q.subarray(s.row0 * qWidth, (s.row0 + s.T) * qWidth), s.cache.k[layer]!, s.cache.v[layer]!, shape, probs);
    if (probs) tracer.record("attn_probs", probs, [nHead, s.T, S], layer);
  }
  return linear(backend, heads, rows, w.wo, w.bo, alloc); // (rows, C)
}
