/**
 * Trace: named intermediates of a forward pass, for the inspector and `glassbox forward --trace`.
 * A model calls `trace.record("attn_probs", values, shape, layer)` at each named point; with tracing off
 * the tracer is NO_TRACE, whose `enabled` is false, and models skip building anything (free when off).
 *
 * Names (one per point in the figure of a block):
 *   embed           (T, C)          token embedding (+ positions for learned-position models)
 *   attn_norm       (T, C)          input of attention after the norm, per layer
 *   attn_probs      (H, T, S)       attention weights per head, S = keys visible (pos0 + T)
 *   attn_out        (T, C)          attention output after the output projection, per layer
 *   ffn_norm        (T, C)          input of the feed-forward after the norm, per layer
 *   moe_experts     (T, k)          chosen experts per position, with moe_weights (T, k) their weights
 *   ffn_out         (T, C)          feed-forward (or mixture) output, per layer
 *   resid           (T, C)          the residual stream after the layer
 *   final_norm      (T, C)          after the last norm
 *   logits          (T, V)
 */
export type TraceName =
  | "embed"
  | "attn_norm"
  | "attn_probs"
  | "attn_out"
  | "ffn_norm"
  | "moe_experts"
  | "moe_weights"
  | "ffn_out"
  | "resid"
  | "final_norm"
  | "logits";

export interface TraceEntry {
  readonly name: TraceName;
  readonly layer: number | null; // null for points outside the blocks
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface Tracer {
  readonly enabled: boolean;
  record(name: TraceName, values: Float32Array, shape: readonly number[], layer?: number): void;
}

/** Tracing off: nothing is copied or kept. */
export const NO_TRACE: Tracer = { enabled: false, record() {} };

/** Keeps a copy of every recorded intermediate, in order. */
export class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly entries: TraceEntry[] = [];
  /** @param only record just these names (all when omitted) */
  constructor(private readonly only?: ReadonlySet<TraceName>) {}

  record(name: TraceName, values: Float32Array, shape: readonly number[], layer?: number): void {
    if (this.only && !this.only.has(name)) return;
    this.entries.push({ name, layer: layer ?? null, shape: [...shape], values: values.slice(0, shape.reduce((a, b) => a * b, 1)) });
  }

  /** The entry for a name (and layer), or undefined. */
  get(name: TraceName, layer?: number): TraceEntry | undefined {
    return this.entries.find((e) => e.name === name && e.layer === (layer ?? null));
  }
}
