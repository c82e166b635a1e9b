/**
 * What every model family provides: logits for a run of tokens, continuing a KV cache.
 * Legend: T = positions in this call, V = vocabulary.
 */
import type { KvCache } from "../nn/kv-cache.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tracer } from "../trace/trace.js";
import type { TransformerConfig } from "./config.js";

export interface Segment {
  readonly ids: readonly number[];
  readonly cache: KvCache;
}

/** Which positions' logits a forward pass computes. */
export type Outputs = "all" | "last";

/** The rows of x (T, C) that reach the classifier: all of them, or the last one. */
export function outputRows(x: Float32Array, T: number, C: number, outputs: Outputs): { rows: Float32Array; count: number } {
  return outputs === "last" && T > 1 ? { rows: x.subarray((T - 1) * C, T * C), count: 1 } : { rows: x, count: T };
}

export interface LanguageModel {
  readonly config: TransformerConfig;
  /**
   * logits (T, V) for `ids` placed at positions cache.length .. cache.length + T − 1; their keys and values
   * are appended to the cache. With outputs "last", only the last position's logits (1, V): what generation
   * needs after a prompt, and it skips the classifier (often the largest matrix) for the other T − 1 rows.
   */
  forward(ids: readonly number[], cache: KvCache, tracer?: Tracer, outputs?: Outputs): Float32Array;
  /**
   * Several sequences in one pass (a server's decode step): each segment's ids continue its own cache.
   * Rows of the result follow the segments in order, (Σ T, V). The matrix products run once over all rows,
   * so weights are read once per step however many sequences there are; attention runs per segment.
   */
  forwardBatch(segments: readonly Segment[]): Float32Array;
  /** A cache for up to `capacity` positions (default: the context length). */
  newCache(capacity?: number): KvCache;
  /** Every weight tensor, for counting parameters and bytes (tied tensors once). */
  tensors(): Tensor[];
}
