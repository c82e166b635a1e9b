/**
 * GPT-2's forward pass, the figure of the paper:
 *
 *   x = wte[ids] + wpe[positions]                          (T, C)
 *   for each layer:  x = x + attention(LayerNorm₁(x))       multi-head, causal, with biases
 *                    x = x + mlp(LayerNorm₂(x))             GELU (tanh) MLP
 *   logits = LayerNorm_f(x) · wteᵀ                          (T, V)
 */
import { attention, type AttentionConfig } from "../../nn/attention.js";
import { geluMlp } from "../../nn/feed-forward.js";
import { KvCache } from "../../nn/kv-cache.js";
import { embedding, linear } from "../../nn/linear.js";
import { norm } from "../../nn/norm.js";
import type { Backend } from "../../tensor/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { NO_TRACE, type Tracer } from "../../trace/trace.js";
import type { TransformerConfig } from "../config.js";
import type { LanguageModel } from "../language-model.js";
import type { Gpt2Weights } from "./weights.js";

export class Gpt2Model implements LanguageModel {
  private readonly attentionConfig: AttentionConfig;

  constructor(
    readonly config: TransformerConfig,
    private readonly weights: Gpt2Weights,
    private readonly backend: Backend,
  ) {
    this.attentionConfig = { nHead: config.nHead, nKvHead: config.nHead, headDim: config.headDim, window: Infinity };
  }

  newCache(capacity = this.config.contextLength): KvCache {
    return new KvCache(this.config.nLayers, Math.min(capacity, this.config.contextLength), this.config.nHead, this.config.headDim);
  }

  forward(ids: readonly number[], cache: KvCache, tracer: Tracer = NO_TRACE): Float32Array {
    const { backend: be, weights: w, config: c } = this;
    const T = ids.length;
    const pos0 = cache.length;
    const C = c.dim;
    if (pos0 + T > c.contextLength) throw new RangeError(`GPT-2 has learned positions for ${c.contextLength} tokens; asked for ${pos0 + T}`);
    const x = embedding(be, w.tokenEmbedding, ids); // (T, C)
    const positions = embedding(be, w.positionEmbedding, Array.from({ length: T }, (_, t) => pos0 + t)); // (T, C)
    be.add(x, x, positions);
    if (tracer.enabled) tracer.record("embed", x, [T, C]);
    w.layers.forEach((layer, l) => {
      const h = norm(be, "layernorm", x, layer.ln1, c.normEps);
      if (tracer.enabled) tracer.record("attn_norm", h, [T, C], l);
      const attnOut = attention(be, h, T, layer.attn, this.attentionConfig, cache, l, pos0, tracer);
      if (tracer.enabled) tracer.record("attn_out", attnOut, [T, C], l);
      be.add(x, x, attnOut);

      const f = norm(be, "layernorm", x, layer.ln2, c.normEps);
      if (tracer.enabled) tracer.record("ffn_norm", f, [T, C], l);
      const ffnOut = geluMlp(be, f, T, layer.mlp);
      if (tracer.enabled) tracer.record("ffn_out", ffnOut, [T, C], l);
      be.add(x, x, ffnOut);
      if (tracer.enabled) tracer.record("resid", x, [T, C], l);
    });
    cache.length = pos0 + T;
    const final = norm(be, "layernorm", x, w.lnF, c.normEps);
    if (tracer.enabled) tracer.record("final_norm", final, [T, C]);
    const logits = linear(be, final, T, w.output); // (T, V)
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
