/**
 * Fine-tuning starts from a pretrained checkpoint: a Hugging Face directory of the gpt2 or llama family
 * (config.json + safetensors, f32/f16/bf16 — glassbox's own exports included). Its config becomes the
 * trainable model's shape, its weights (upcast to f32; GPT-2's Conv1D projections transposed to (out, in))
 * the initial parameters, and its tokenizer.json the tokenizer.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dequantize } from "../backends/reference/dequantize.js";
import { UserError } from "../core/errors.js";
import { TensorReader } from "../formats/stored-tensor.js";
import { openModelFile } from "../models/load.js";
import { transpose2d } from "../models/weight-loader.js";
import { isConv1dWeight } from "./export.js";
import { completeShape, type ModelShape } from "./models/shape.js";
import type { TrainableModel } from "./models/trainable.js";

export interface Pretrained {
  readonly shape: ModelShape;
  readonly tokenizerJson: string;
  /** Copies the checkpoint's weights into a model built from `shape`. */
  load(model: TrainableModel): void;
}

export function openPretrained(dir: string, overrides: { blockSize?: number; dropout?: number } = {}): Pretrained {
  const file = openModelFile(dir);
  if (file.format !== "safetensors") throw new UserError(dir, "--init-from takes a Hugging Face directory (config.json + model.safetensors); convert a GGUF first with `glassbox convert`");
  const c = file.config;
  const why =
    c.nExperts > 0 ? "mixture-of-experts models are not trainable yet" :
    c.slidingWindow !== Infinity ? "sliding-window attention is not trainable yet" :
    c.rope?.scaling ? "RoPE scaling is not trainable yet" :
    c.rope && c.rope.dim !== c.headDim ? "partial rotary embeddings are not trainable yet" :
    c.family === "llama" && file.tensors.some((t) => /_proj\.bias$/.test(t.name)) ? "attention biases (Qwen2) are not trainable yet" : undefined;
  if (why) throw new UserError(dir, why);
  const tokenizerPath = join(dir, "tokenizer.json");
  if (!existsSync(tokenizerPath)) throw new UserError(dir, "no tokenizer.json: fine-tuning needs the model's tokenizer");
  const bias = c.family === "gpt2" && file.tensors.some((t) => t.name.endsWith("attn.c_attn.bias"));
  const shape = completeShape({
    architecture: c.family,
    vocabSize: c.vocabSize,
    blockSize: Math.min(overrides.blockSize ?? c.contextLength, c.contextLength),
    nLayer: c.nLayers,
    nHead: c.nHead,
    nKvHead: c.nKvHead,
    nEmbd: c.dim,
    ffnDim: c.ffnDim,
    bias,
    tieEmbeddings: c.tiedEmbeddings && !file.tensors.some((t) => t.name === "lm_head.weight"),
    normEps: c.normEps,
    ropeTheta: c.rope?.theta ?? 10000,
    dropout: overrides.dropout ?? 0,
  });
  return {
    shape,
    tokenizerJson: readFileSync(tokenizerPath, "utf8"),
    load(model) {
      const byName = new Map(file.tensors.map((t) => [t.name, t]));
      const reader = new TensorReader();
      try {
        for (const p of model.parameters.list) {
          // GPT-2 checkpoints name their blocks with or without the "transformer." prefix
          const stored = byName.get(p.name) ?? byName.get(p.name.replace(/^transformer\./, ""));
          if (!stored) throw new UserError(dir, `checkpoint has no tensor "${p.name}"`);
          const tensor = reader.read(stored);
          let values = dequantize(file.conv1d && isConv1dWeight(p.name) ? transpose2d(tensor) : tensor); // (in, out) → (out, in)
          const v = p.variable;
          if (p.name.endsWith("wpe.weight")) values = values.subarray(0, v.size); // a shorter training window
          if (values.length !== v.size) throw new UserError(dir, `tensor "${p.name}" has ${values.length} values, the model expects ${v.size}`);
          v.data.set(values);
        }
      } finally {
        reader.close();
      }
    },
  };
}
