/**
 * Exports a trained model in Hugging Face's layout — model.safetensors + config.json + tokenizer.json
 * (+ generation_config.json) — which glassbox loads with `--model DIR` and which transformers' GPT2LMHeadModel
 * / LlamaForCausalLM read. GPT-2 stores its projections as Conv1D, (in, out): those are transposed from the
 * (out, in) layout training keeps; a model trained without biases gets zero biases (GPT-2's layout has them).
 * Every file is written atomically.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { writeSafetensors, type TensorToSave } from "../formats/safetensors.js";
import { transpose2d } from "../models/weight-loader.js";
import { Tensor } from "../tensor/tensor.js";
import type { TrainableModel } from "./models/trainable.js";

export interface SpecialIds {
  readonly bos?: number;
  readonly eos?: number;
}

/** GPT-2's projections that Hugging Face stores as Conv1D, (in, out). */
export const isConv1dWeight = (name: string) => /\.(c_attn|c_proj|c_fc)\.weight$/.test(name);

/** The tensors as the Hugging Face checkpoint stores them. */
export function hfTensors(model: TrainableModel): TensorToSave[] {
  const { shape } = model;
  const out: TensorToSave[] = [];
  for (const p of model.parameters.list) {
    const t = Tensor.fromF32(p.variable.shape, p.variable.data);
    const stored = shape.architecture === "gpt2" && isConv1dWeight(p.name) ? transpose2d(t) : t;
    out.push({ name: p.name, dtype: "f32", shape: stored.shape, bytes: stored.bytes });
  }
  if (shape.architecture === "gpt2" && !shape.bias) {
    const have = new Set(out.map((t) => t.name));
    for (const p of model.parameters.list) {
      const m = /^(.*)\.weight$/.exec(p.name);
      if (!m || p.name.endsWith("wte.weight") || p.name.endsWith("wpe.weight") || have.has(`${m[1]}.bias`)) continue;
      const width = p.name.endsWith("ln_1.weight") || p.name.endsWith("ln_2.weight") || p.name.endsWith("ln_f.weight") ? p.variable.size : p.variable.shape[0]!;
      out.push({ name: `${m[1]}.bias`, dtype: "f32", shape: [width], bytes: new Uint8Array(width * 4) });
    }
  }
  return out;
}

export function hfConfig(model: TrainableModel, special: SpecialIds): Record<string, unknown> {
  const s = model.shape;
  const ids = { bos_token_id: special.bos ?? null, eos_token_id: special.eos ?? null };
  if (s.architecture === "gpt2") {
    return {
      architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: s.vocabSize, n_positions: s.blockSize, n_ctx: s.blockSize,
      n_embd: s.nEmbd, n_layer: s.nLayer, n_head: s.nHead, n_inner: s.ffnDim, activation_function: "gelu_new",
      layer_norm_epsilon: s.normEps, tie_word_embeddings: s.tieEmbeddings, torch_dtype: "float32", ...ids,
    };
  }
  return {
    architectures: ["LlamaForCausalLM"], model_type: "llama", vocab_size: s.vocabSize, max_position_embeddings: s.blockSize,
    hidden_size: s.nEmbd, intermediate_size: s.ffnDim, num_hidden_layers: s.nLayer, num_attention_heads: s.nHead,
    num_key_value_heads: s.nKvHead, hidden_act: "silu", rms_norm_eps: s.normEps, rope_theta: s.ropeTheta,
    tie_word_embeddings: s.tieEmbeddings, attention_bias: false, torch_dtype: "float32", ...ids,
  };
}

/** Writes model.safetensors, config.json, generation_config.json and tokenizer.json into `dir`. */
export function exportHf(dir: string, model: TrainableModel, tokenizerJson: string, special: SpecialIds = {}): void {
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, "model.safetensors"), hfTensors(model), { format: "pt" });
  writeFileAtomic(join(dir, "config.json"), JSON.stringify(hfConfig(model, special), null, 2) + "\n");
  writeFileAtomic(join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: special.bos ?? null, eos_token_id: special.eos ?? null }, null, 2) + "\n");
  writeFileAtomic(join(dir, "tokenizer.json"), tokenizerJson);
}
