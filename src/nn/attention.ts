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
import type { KvCache } from "./kv-cache.js";
import { linear } from "./linear.js";
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
  const { nHead, nKvHead, headDim } = cfg;
  const q = linear(backend, x, T, w.wq, w.bq); // (T, H, hs)
  const k = linear(backend, x, T, w.wk, w.bk); // (T, Hkv, hs)
  const v = linear(backend, x, T, w.wv, w.bv); // (T, Hkv, hs)
  if (cfg.rope) {
    const positions = positionRange(pos0, T);
    backend.rope(q, T, nHead, headDim, positions, cfg.rope.invFreq, cfg.rope.style);
    backend.rope(k, T, nKvHead, headDim, positions, cfg.rope.invFreq, cfg.rope.style);
  }
  cache.write(layer, pos0, k, v);

  const S = pos0 + T;
  const out = new Float32Array(T * nHead * headDim); // (T, H, hs)
  const probs = tracer.enabled ? new Float32Array(nHead * T * S) : undefined; // (H, T, S)
  backend.attention(out, q, cache.k[layer]!, cache.v[layer]!, { T, pos0, nHead, nKvHead, headDim, window: cfg.window }, probs);
  if (probs) tracer.record("attn_probs", probs, [nHead, T, S], layer);

  return linear(backend, out, T, w.wo, w.bo); // (T, C)
}
