/**
 * The Llama family's forward pass (Touvron et al. 2023; Mistral, Qwen2, Mixtral are the same figure):
 *
 *   x = embed(ids)                                          (T, C)
 *   for each layer:  x = x + attention(rmsNorm(x))           RoPE on q, k; grouped-query attention
 *                    x = x + feedForward(rmsNorm(x))         SwiGLU, or a mixture of SwiGLU experts
 *   logits = rmsNorm(x) · Woutᵀ                              (T, V)
 */
import { ActivationArena } from "../../nn/activations.js";
import { batchedAttention, type AttentionConfig, type AttentionSegment } from "../../nn/attention.js";
import { swiGlu } from "../../nn/feed-forward.js";
import { KvCache } from "../../nn/kv-cache.js";
import { embedding, linear } from "../../nn/linear.js";
import { mixtureOfExperts } from "../../nn/moe.js";
import { norm } from "../../nn/norm.js";
import { ropeInverseFrequencies } from "../../nn/positions.js";
import type { Backend } from "../../tensor/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { NO_TRACE, type Tracer } from "../../trace/trace.js";
import type { TransformerConfig } from "../config.js";
import { outputRows, type LanguageModel, type Outputs, type Segment } from "../language-model.js";
import type { LlamaWeights } from "./weights.js";

export class LlamaModel implements LanguageModel {
  private readonly attentionConfig: AttentionConfig;
  private readonly activations: ActivationArena;

  constructor(
    readonly config: TransformerConfig,
    private readonly weights: LlamaWeights,
    private readonly backend: Backend,
  ) {
    this.activations = new ActivationArena(backend);
    const rope = config.rope!;
    const invFreq = ropeInverseFrequencies(rope.dim, rope.theta, rope.scaling);
    weights.ropeFreqFactors?.forEach((factor, i) => (invFreq[i] = invFreq[i]! / factor));
    this.attentionConfig = {
      nHead: config.nHead,
      nKvHead: config.nKvHead,
      headDim: config.headDim,
      window: config.slidingWindow,
      rope: { invFreq, style: rope.style },
    };
  }

  newCache(capacity = this.config.contextLength): KvCache {
    return new KvCache(this.config.nLayers, capacity, this.config.nKvHead, this.config.headDim, this.backend);
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
    let T = 0;
    for (const s of segments) {
      rowsOf.push({ row0: T, T: s.ids.length, cache: s.cache, pos0: s.cache.length });
      T += s.ids.length;
    }
    const C = c.dim;
    const alloc = this.activations.begin(T); // every array below but the logits: given back at the next pass
    let x = embedding(be, w.tokenEmbedding, segments.length === 1 ? segments[0]!.ids : segments.flatMap((s) => s.ids), alloc); // (T, C)
    if (tracer.enabled) tracer.record("embed", x, [T, C]);
    w.layers.forEach((layer, l) => {
      const h = norm(be, "rmsnorm", x, { weight: layer.attnNorm }, c.normEps, alloc); // (T, C)
      if (tracer.enabled) tracer.record("attn_norm", h, [T, C], l);
      const attnOut = batchedAttention(be, h, rowsOf, layer.attn, this.attentionConfig, l, tracer, alloc); // (T, C)
      if (tracer.enabled) tracer.record("attn_out", attnOut, [T, C], l);
      be.add(x, x, attnOut);

      const f = norm(be, "rmsnorm", x, { weight: layer.ffnNorm }, c.normEps, alloc); // (T, C)
      if (tracer.enabled) tracer.record("ffn_norm", f, [T, C], l);
      const ffnOut = layer.ffn.kind === "moe" ? mixtureOfExperts(be, f, T, layer.ffn.w, c.nExpertsUsed, tracer, l) : swiGlu(be, f, T, layer.ffn.w, alloc); // (T, C)
      if (tracer.enabled) tracer.record("ffn_out", ffnOut, [T, C], l);
      be.add(x, x, ffnOut);
      if (tracer.enabled) tracer.record("resid", x, [T, C], l);
    });
    for (const s of rowsOf) s.cache.length = s.pos0 + s.T;
    const { rows, count } = outputRows(x, T, C, tracer.enabled ? "all" : outputs); // (count, C)
    const final = norm(be, "rmsnorm", rows, { weight: w.outputNorm }, c.normEps, alloc);
    if (tracer.enabled) tracer.record("final_norm", final, [T, C]);
    const logits = linear(be, final, count, w.output); // (count, V): a fresh array, the caller's to keep
    if (tracer.enabled) tracer.record("logits", logits, [T, c.vocabSize]);
    return logits;
  }

  tensors(): Tensor[] {
    const w = this.weights;
    const list: Tensor[] = [w.tokenEmbedding];
    for (const l of w.layers) {
      list.push(l.attn.wq, l.attn.wk, l.attn.wv, l.attn.wo);
      if (l.ffn.kind === "dense") list.push(l.ffn.w.gate, l.ffn.w.up, l.ffn.w.down);
      else list.push(l.ffn.w.router, ...l.ffn.w.experts.flatMap((e) => [e.gate, e.up, e.down]));
    }
    if (w.output !== w.tokenEmbedding) list.push(w.output);
    return list;
  }
}
