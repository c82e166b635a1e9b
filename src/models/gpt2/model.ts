/**
 * GPT-2's forward pass, the figure of the paper:
 *
 *   x = wte[ids] + wpe[positions]                          (T, C)
 *   for each layer:  x = x + attention(LayerNorm₁(x))       multi-head, causal, with biases
 *                    x = x + mlp(LayerNorm₂(x))             GELU (tanh) MLP
 *   logits = LayerNorm_f(x) · wteᵀ                          (T, V)
 */
import { ActivationArena } from "../../nn/activations.js";
import { batchedAttention, type AttentionConfig, type AttentionSegment } from "../../nn/attention.js";
import { geluMlp } from "../../nn/feed-forward.js";
import { KvCache } from "../../nn/kv-cache.js";
import { embedding, linear } from "../../nn/linear.js";
import { norm } from "../../nn/norm.js";
import type { Backend } from "../../tensor/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { NO_TRACE, type Tracer } from "../../trace/trace.js";
import type { TransformerConfig } from "../config.js";
import { outputRows, type LanguageModel, type Outputs, type Segment } from "../language-model.js";
import type { Gpt2Weights } from "./weights.js";

export class Gpt2Model implements LanguageModel {
  private readonly attentionConfig: AttentionConfig;
  private readonly activations: ActivationArena;

  constructor(
    readonly config: TransformerConfig,
    private readonly weights: Gpt2Weights,
    private readonly backend: Backend,
  ) {
    this.activations = new ActivationArena(backend);
    this.attentionConfig = { nHead: config.nHead, nKvHead: config.nHead, headDim: config.headDim, window: Infinity };
  }

  newCache(capacity = this.config.contextLength): KvCache {
    return new KvCache(this.config.nLayers, Math.min(capacity, this.config.contextLength), this.config.nHead, this.config.headDim, this.backend);
  }

  forward(ids: readonly number[], cache: KvCache, tracer: Tracer = NO_TRACE, outputs: Outputs = "all"): Float32Array {
    return this.run([{ ids, cache }], tracer, outputs);
  }

  forwardBatch(segments: readonly Segment[]): Float32Array {
    return this.run(segments, NO_TRACE, "all");
  }

  /** The forward pass over one or more sequences stacked as rows (T below counts all of them). */
  private run(segments: readonly Segment[], tracer: Tracer, outputs: Outputs): Float32Array {
    const { backend: be, weights: w, config: c } = this;
    const rowsOf: AttentionSegment[] = [];
    const positionIds: number[] = [];
    let T = 0;
    for (const s of segments) {
      const pos0 = s.cache.length;
      if (pos0 + s.ids.length > c.contextLength) throw new RangeError(`GPT-2 has learned positions for ${c.contextLength} tokens; asked for ${pos0 + s.ids.length}`);
      rowsOf.push({ row0: T, T: s.ids.length, cache: s.cache, pos0 });
      for (let t = 0; t < s.ids.length; t++) positionIds.push(pos0 + t);
      T += s.ids.length;
    }
    const C = c.dim;
    const alloc = this.activations.begin(T); // every array below but the logits: given back at the next pass
    const x = embedding(be, w.tokenEmbedding, segments.length === 1 ? segments[0]!.ids : segments.flatMap((s) => s.ids), alloc); // (T, C)
    const positions = embedding(be, w.positionEmbedding, positionIds, alloc); // (T, C)
    be.add(x, x, positions);
    if (tracer.enabled) tracer.record("embed", x, [T, C]);
    w.layers.forEach((layer, l) => {
      const h = norm(be, "layernorm", x, layer.ln1, c.normEps, alloc);
      if (tracer.enabled) tracer.record("attn_norm", h, [T, C], l);
      const attnOut = batchedAttention(be, h, rowsOf, layer.attn, this.attentionConfig, l, tracer, alloc);
      if (tracer.enabled) tracer.record("attn_out", attnOut, [T, C], l);
      be.add(x, x, attnOut);

      const f = norm(be, "layernorm", x, layer.ln2, c.normEps, alloc);
      if (tracer.enabled) tracer.record("ffn_norm", f, [T, C], l);
      const ffnOut = geluMlp(be, f, T, layer.mlp, alloc);
      if (tracer.enabled) tracer.record("ffn_out", ffnOut, [T, C], l);
      be.add(x, x, ffnOut);
      if (tracer.enabled) tracer.record("resid", x, [T, C], l);
    });
    for (const s of rowsOf) s.cache.length = s.pos0 + s.T;
    const { rows, count } = outputRows(x, T, C, tracer.enabled ? "all" : outputs); // (count, C)
    const final = norm(be, "layernorm", rows, w.lnF, c.normEps, alloc);
    if (tracer.enabled) tracer.record("final_norm", final, [T, C]);
    const logits = linear(be, final, count, w.output); // (count, V): a fresh array, the caller's to keep
    if (tracer.enabled) tracer.record("logits", logits, [T, c.vocabSize]);
    return logits;
  }

  tensors(): Tensor[] {
    const w = this.weights;
    const list: Tensor[] = [w.tokenEmbedding, w.positionEmbedding];
    for (const l of w.layers) list.push(l.attn.wq, l.attn.wk, l.attn.wv, l.attn.wo, l.mlp.fc, l.mlp.proj);
    if (w.output !== w.tokenEmbedding) list.push(w.output);
    return list;
  }
}
