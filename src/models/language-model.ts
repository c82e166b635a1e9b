/**
 * What every model family provides: logits for a run of tokens, continuing a KV cache.
 * Legend: T = positions in this call, V = vocabulary.
 */
import type { KvCache } from "../nn/kv-cache.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tracer } from "../trace/trace.js";
import type { TransformerConfig } from "./config.js";

export interface LanguageModel {
  readonly config: TransformerConfig;
  /**
   * logits (T, V) for `ids` placed at positions cache.length .. cache.length + T − 1; their keys and values
   * are appended to the cache.
   */
  forward(ids: readonly number[], cache: KvCache, tracer?: Tracer): Float32Array;
  /** A cache for up to `capacity` positions (default: the context length). */
  newCache(capacity?: number): KvCache;
  /** Every weight tensor, for counting parameters and bytes (tied tensors once). */
  tensors(): Tensor[];
}
