/**
 * Llama (Touvron et al. 2023), trainable:
 *   x = embed_tokens[ids]                                          (B, T, C)
 *   for each layer:  x = x + o_proj(attention(RoPE(q_proj(h)), RoPE(k_proj(h)), v_proj(h))),  h = RMSNorm₁(x)
 *                    x = x + down_proj(silu(gate_proj(h)) ⊙ up_proj(h)),                     h = RMSNorm₂(x)
 *   logits = RMSNorm(x) · lm_headᵀ                                 (B, T, V)
 * RoPE pairs dimension i with i + hs/2, as Hugging Face's checkpoints expect. Grouped-query attention:
 * nKvHead key/value heads, each shared by nHead / nKvHead query heads. No biases.
 */
import * as ag from "../../autograd/index.js";
import type { Rng } from "../../core/rng.js";
import type { Backend } from "../../tensor/backend.js";
import { ParameterSet } from "./parameters.js";
import type { ModelShape } from "./shape.js";
import type { TrainableModel } from "./trainable.js";

export class Llama implements TrainableModel {
  readonly parameters: ParameterSet;
  private readonly invFreq: Float32Array;

  constructor(readonly shape: ModelShape, backend: Backend, rng: Rng) {
    const { vocabSize: V, nEmbd: C, nLayer, nHead, nKvHead, ffnDim: F } = shape;
    const hs = C / nHead;
    const p = (this.parameters = new ParameterSet(backend, rng));
    const std = 0.02;
    const residualStd = 0.02 / Math.sqrt(2 * nLayer);
    p.add("model.embed_tokens.weight", [V, C], { kind: "normal", std });
    for (let l = 0; l < nLayer; l++) {
      const m = `model.layers.${l}`;
      p.add(`${m}.input_layernorm.weight`, [C], { kind: "ones" });
      p.add(`${m}.self_attn.q_proj.weight`, [nHead * hs, C], { kind: "normal", std });
      p.add(`${m}.self_attn.k_proj.weight`, [nKvHead * hs, C], { kind: "normal", std });
      p.add(`${m}.self_attn.v_proj.weight`, [nKvHead * hs, C], { kind: "normal", std });
      p.add(`${m}.self_attn.o_proj.weight`, [C, nHead * hs], { kind: "normal", std: residualStd });
      p.add(`${m}.post_attention_layernorm.weight`, [C], { kind: "ones" });
      p.add(`${m}.mlp.gate_proj.weight`, [F, C], { kind: "normal", std });
      p.add(`${m}.mlp.up_proj.weight`, [F, C], { kind: "normal", std });
      p.add(`${m}.mlp.down_proj.weight`, [C, F], { kind: "normal", std: residualStd });
    }
    p.add("model.norm.weight", [C], { kind: "ones" });
    if (!shape.tieEmbeddings) p.add("lm_head.weight", [V, C], { kind: "normal", std });
    // θ_i = base^(−2i/hs): the rotation speed of each dimension pair
    this.invFreq = Float32Array.from({ length: hs / 2 }, (_, i) => 1 / shape.ropeTheta ** ((2 * i) / hs));
  }

  forward(tape: ag.Tape, ids: Int32Array, B: number, T: number, dropoutRng?: Rng): ag.Variable {
    const { nEmbd: C, nHead, nKvHead, dropout, normEps: eps } = this.shape;
    const hs = C / nHead;
    const p = this.parameters;
    const drop = (x: ag.Variable) => (dropoutRng ? ag.dropout(tape, x, dropout, dropoutRng) : x);
    let x = drop(ag.embedding(tape, p.get("model.embed_tokens.weight"), ids, [B, T]));
    const attentionShape = { B, T, nHead, nKvHead, headDim: hs };
    for (let l = 0; l < this.shape.nLayer; l++) {
      const m = `model.layers.${l}`;
      const h1 = ag.rmsNorm(tape, x, p.get(`${m}.input_layernorm.weight`), eps);
      const q = ag.rope(tape, ag.linear(tape, h1, p.get(`${m}.self_attn.q_proj.weight`)), T, hs, this.invFreq);
      const k = ag.rope(tape, ag.linear(tape, h1, p.get(`${m}.self_attn.k_proj.weight`)), T, hs, this.invFreq);
      const v = ag.linear(tape, h1, p.get(`${m}.self_attn.v_proj.weight`));
      const attended = ag.causalSelfAttention(tape, q, k, v, attentionShape);
      x = ag.add(tape, x, drop(ag.linear(tape, attended, p.get(`${m}.self_attn.o_proj.weight`))));
      const h2 = ag.rmsNorm(tape, x, p.get(`${m}.post_attention_layernorm.weight`), eps);
      const gated = ag.swiglu(tape, ag.linear(tape, h2, p.get(`${m}.mlp.gate_proj.weight`)), ag.linear(tape, h2, p.get(`${m}.mlp.up_proj.weight`)));
      x = ag.add(tape, x, drop(ag.linear(tape, gated, p.get(`${m}.mlp.down_proj.weight`))));
    }
    const final = ag.rmsNorm(tape, x, p.get("model.norm.weight"), eps);
    return ag.linear(tape, final, p.get(this.shape.tieEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"));
  }
}
