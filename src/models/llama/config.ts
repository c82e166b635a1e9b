/**
 * Llama-family configs from each source. The family covers Llama 1/2/3, Mistral, Qwen2 (q/k/v biases),
 * SmolLM, TinyLlama and Mixtral (mixture of experts): RMSNorm, RoPE, SwiGLU, grouped-query attention.
 */
import { UserError } from "../../core/errors.js";
import type { Llama2cHeader } from "../../formats/llama2c-checkpoint.js";
import { ggufKey } from "../../formats/gguf-keys.js";
import type { RopeScaling } from "../../nn/positions.js";
import type { TransformerConfig } from "../config.js";
import type { Fields } from "../source.js";

/** HF config.json (LlamaConfig, MistralConfig, Qwen2Config, MixtralConfig). HF checkpoints rotate halves. */
export function llamaConfigFromHf(f: Fields, modelType: string): TransformerConfig {
  const dim = f.size("hidden_size");
  const nHead = f.size("num_attention_heads");
  const headDim = f.size("head_dim", dim / nHead);
  const nExperts = f.optionalNumber("num_local_experts") ?? 0;
  const window = modelType === "qwen2" && !f.boolean("use_sliding_window", false) ? undefined : f.optionalNumber("sliding_window");
  return {
    family: "llama",
    architecture: modelType,
    vocabSize: f.size("vocab_size"),
    contextLength: f.size("max_position_embeddings", 2048),
    dim,
    nLayers: f.size("num_hidden_layers"),
    nHead,
    nKvHead: f.size("num_key_value_heads", nHead),
    headDim,
    ffnDim: f.size("intermediate_size"),
    normEps: f.number("rms_norm_eps", 1e-6),
    rope: { theta: f.number("rope_theta", 10000), dim: headDim, style: "halves", scaling: hfRopeScaling(f) },
    slidingWindow: window ?? Infinity,
    nExperts,
    nExpertsUsed: nExperts ? f.size("num_experts_per_tok", 2) : 0,
    tiedEmbeddings: f.boolean("tie_word_embeddings", false),
  };
}

function hfRopeScaling(f: Fields): RopeScaling | undefined {
  const s = f.raw("rope_scaling") as Record<string, unknown> | null | undefined;
  if (!s) return undefined;
  const type = s.rope_type ?? s.type;
  const factor = Number(s.factor);
  if (type === "default") return undefined;
  if (type === "linear") return { type: "linear", factor };
  if (type === "llama3") {
    return {
      type: "llama3",
      factor,
      lowFreqFactor: Number(s.low_freq_factor ?? 1),
      highFreqFactor: Number(s.high_freq_factor ?? 4),
      originalContextLength: Number(s.original_max_position_embeddings ?? 8192),
    };
  }
  throw new UserError(f.source, `rope_scaling type ${JSON.stringify(type)} is not supported (supported: linear, llama3)`);
}

/**
 * GGUF metadata. llama.cpp's converter stores `llama` q/k rows un-permuted (interleaved pairs) and
 * `qwen2` as Hugging Face has them (halves, "NeoX" rope).
 */
export function llamaConfigFromGguf(f: Fields, arch: string, vocabSize: number): TransformerConfig {
  const k = (key: Parameters<typeof ggufKey>[0]) => ggufKey(key, arch);
  const dim = f.size(k("embeddingLength"));
  const nHead = f.size(k("headCount"));
  const headDim = f.size(k("keyLength"), dim / nHead);
  const nExperts = f.optionalNumber(k("expertCount")) ?? 0;
  const scalingType = f.optionalString(k("ropeScalingType"));
  let scaling: RopeScaling | undefined;
  if (scalingType === "linear") scaling = { type: "linear", factor: f.number(k("ropeScalingFactor")) };
  else if (scalingType && scalingType !== "none") throw new UserError(f.source, `${k("ropeScalingType")} "${scalingType}" is not supported (supported: none, linear)`);
  return {
    family: "llama",
    architecture: arch,
    vocabSize,
    contextLength: f.size(k("contextLength")),
    dim,
    nLayers: f.size(k("blockCount")),
    nHead,
    nKvHead: f.size(k("headCountKv"), nHead),
    headDim,
    ffnDim: f.size(k("feedForwardLength")),
    normEps: f.number(k("rmsEps"), 1e-5),
    rope: { theta: f.number(k("ropeFreqBase"), 10000), dim: f.size(k("ropeDimensionCount"), headDim), style: arch === "llama" ? "interleaved" : "halves", scaling },
    slidingWindow: f.optionalNumber(k("slidingWindow")) ?? Infinity,
    nExperts,
    nExpertsUsed: nExperts ? f.size(k("expertUsedCount")) : 0,
    tiedEmbeddings: false, // decided by whether the file has output.weight
  };
}

/** llama2.c header: Llama 2 architecture, θ = 10000, interleaved RoPE, ε = 1e-5 (run.c). */
export function llamaConfigFromLlama2c(h: Llama2cHeader): TransformerConfig {
  return {
    family: "llama",
    architecture: "llama2.c",
    vocabSize: h.vocabSize,
    contextLength: h.seqLen,
    dim: h.dim,
    nLayers: h.nLayers,
    nHead: h.nHeads,
    nKvHead: h.nKvHeads,
    headDim: h.dim / h.nHeads,
    ffnDim: h.hiddenDim,
    normEps: 1e-5,
    rope: { theta: 10000, dim: h.dim / h.nHeads, style: "interleaved" },
    slidingWindow: Infinity,
    nExperts: 0,
    nExpertsUsed: 0,
    tiedEmbeddings: h.sharedClassifier,
  };
}
