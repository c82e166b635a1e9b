/**
 * GPT-2 (Radford et al. 2019) configs: learned positions, LayerNorm with biases, GELU (tanh) MLP,
 * multi-head attention with biases, the output head tied to the token embedding.
 */
import { ggufKey } from "../../formats/gguf-keys.js";
import type { TransformerConfig } from "../config.js";
import type { Fields } from "../source.js";

/** HF GPT2Config: n_embd, n_layer, n_head, n_positions, n_inner (default 4·n_embd). */
export function gpt2ConfigFromHf(f: Fields): TransformerConfig {
  const dim = f.size("n_embd");
  const nHead = f.size("n_head");
  return {
    family: "gpt2",
    architecture: "gpt2",
    vocabSize: f.size("vocab_size"),
    contextLength: f.size("n_positions", f.optionalNumber("n_ctx") ?? 1024),
    dim,
    nLayers: f.size("n_layer"),
    nHead,
    nKvHead: nHead,
    headDim: dim / nHead,
    ffnDim: f.size("n_inner", 4 * dim),
    normEps: f.number("layer_norm_epsilon", 1e-5),
    rope: null,
    slidingWindow: Infinity,
    nExperts: 0,
    nExpertsUsed: 0,
    tiedEmbeddings: f.boolean("tie_word_embeddings", true),
  };
}

export function gpt2ConfigFromGguf(f: Fields, vocabSize: number): TransformerConfig {
  const k = (key: Parameters<typeof ggufKey>[0]) => ggufKey(key, "gpt2");
  const dim = f.size(k("embeddingLength"));
  const nHead = f.size(k("headCount"));
  return {
    family: "gpt2",
    architecture: "gpt2",
    vocabSize,
    contextLength: f.size(k("contextLength")),
    dim,
    nLayers: f.size(k("blockCount")),
    nHead,
    nKvHead: nHead,
    headDim: dim / nHead,
    ffnDim: f.size(k("feedForwardLength"), 4 * dim),
    normEps: f.number(k("layerNormEps"), 1e-5),
    rope: null,
    slidingWindow: Infinity,
    nExperts: 0,
    nExpertsUsed: 0,
    tiedEmbeddings: false, // decided by whether the file has output.weight
  };
}
