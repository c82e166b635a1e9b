/**
 * nanoGPT's GPT (Karpathy), trainable: GPT-2's architecture with optional biases.
 *   x = wte[ids] + wpe[t]                                       (B, T, C)
 *   for each layer:  x = x + c_proj(attention(split(c_attn(LN₁(x)))))
 *                    x = x + mlp.c_proj(GELU(c_fc(LN₂(x))))
 *   logits = LN_f(x) · wteᵀ                                     (B, T, V), the head tied to the embedding
 * Initialization as nanoGPT: N(0, 0.02) for weights, N(0, 0.02/√(2·layers)) for the two residual
 * projections, zero biases, unit LayerNorm gains.
 */
import * as ag from "../../autograd/index.js";
import type { Rng } from "../../core/rng.js";
import type { Backend } from "../../tensor/backend.js";
import { ParameterSet } from "./parameters.js";
import type { ModelShape } from "./shape.js";
import type { TrainableModel } from "./trainable.js";

export class Gpt implements TrainableModel {
  readonly parameters: ParameterSet;

  constructor(readonly shape: ModelShape, backend: Backend, rng: Rng) {
    const { vocabSize: V, blockSize, nEmbd: C, nLayer, ffnDim: F, bias } = shape;
    const p = (this.parameters = new ParameterSet(backend, rng));
    const std = 0.02;
    const residualStd = 0.02 / Math.sqrt(2 * nLayer);
    p.add("transformer.wte.weight", [V, C], { kind: "normal", std });
    p.add("transformer.wpe.weight", [blockSize, C], { kind: "normal", std });
    const norm = (name: string) => {
      p.add(`${name}.weight`, [C], { kind: "ones" });
      if (bias) p.add(`${name}.bias`, [C], { kind: "zeros" });
    };
    const linear = (name: string, out: number, inp: number, s: number) => {
      p.add(`${name}.weight`, [out, inp], { kind: "normal", std: s });
      if (bias) p.add(`${name}.bias`, [out], { kind: "zeros" });
    };
    for (let l = 0; l < nLayer; l++) {
      const h = `transformer.h.${l}`;
      norm(`${h}.ln_1`);
      linear(`${h}.attn.c_attn`, 3 * C, C, std);
      linear(`${h}.attn.c_proj`, C, C, residualStd);
      norm(`${h}.ln_2`);
      linear(`${h}.mlp.c_fc`, F, C, std);
      linear(`${h}.mlp.c_proj`, C, F, residualStd);
    }
    norm("transformer.ln_f");
    if (!shape.tieEmbeddings) p.add("lm_head.weight", [V, C], { kind: "normal", std });
  }

  forward(tape: ag.Tape, ids: Int32Array, B: number, T: number, dropoutRng?: Rng): ag.Variable {
    const { nEmbd: C, nHead, dropout, normEps: eps } = this.shape;
    const p = this.parameters;
    const has = (name: string) => (this.shape.bias ? p.get(name) : undefined);
    const drop = (x: ag.Variable) => (dropoutRng ? ag.dropout(tape, x, dropout, dropoutRng) : x);
    const positions = Int32Array.from({ length: B * T }, (_, i) => i % T);
    let x = ag.add(tape, ag.embedding(tape, p.get("transformer.wte.weight"), ids, [B, T]), ag.embedding(tape, p.get("transformer.wpe.weight"), positions, [B, T]));
    x = drop(x);
    const attentionShape = { B, T, nHead, nKvHead: nHead, headDim: C / nHead };
    for (let l = 0; l < this.shape.nLayer; l++) {
      const h = `transformer.h.${l}`;
      const ln1 = ag.layerNorm(tape, x, p.get(`${h}.ln_1.weight`), has(`${h}.ln_1.bias`), eps);
      const [q, k, v] = ag.splitColumns(tape, ag.linear(tape, ln1, p.get(`${h}.attn.c_attn.weight`), has(`${h}.attn.c_attn.bias`)), [C, C, C]);
      const attended = ag.causalSelfAttention(tape, q!, k!, v!, attentionShape);
      x = ag.add(tape, x, drop(ag.linear(tape, attended, p.get(`${h}.attn.c_proj.weight`), has(`${h}.attn.c_proj.bias`))));
      const ln2 = ag.layerNorm(tape, x, p.get(`${h}.ln_2.weight`), has(`${h}.ln_2.bias`), eps);
      const hidden = ag.gelu(tape, ag.linear(tape, ln2, p.get(`${h}.mlp.c_fc.weight`), has(`${h}.mlp.c_fc.bias`)));
      x = ag.add(tape, x, drop(ag.linear(tape, hidden, p.get(`${h}.mlp.c_proj.weight`), has(`${h}.mlp.c_proj.bias`))));
    }
    const final = ag.layerNorm(tape, x, p.get("transformer.ln_f.weight"), has("transformer.ln_f.bias"), eps);
    return ag.linear(tape, final, p.get(this.shape.tieEmbeddings ? "transformer.wte.weight" : "lm_head.weight"));
  }
}
