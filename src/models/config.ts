/**
 * The shape of a decoder-only transformer, whatever file it came from. Each family's config.ts builds one
 * from HF config.json, GGUF metadata or a llama2.c header.
 */
import type { RopeStyle } from "../tensor/backend.js";
import type { RopeScaling } from "../nn/positions.js";

export type Family = "gpt2" | "llama";

export interface RopeConfig {
  readonly theta: number; // base of the frequencies: invFreq[i] = theta^(−2i/dim)
  readonly dim: number; // dimensions of each head that rotate (= headDim unless partial rotary)
  readonly style: RopeStyle; // pairing convention of this checkpoint's q/k rows
  readonly scaling?: RopeScaling;
}

export interface TransformerConfig {
  readonly family: Family;
  readonly architecture: string; // as the source names it: HF model_type or GGUF general.architecture
  readonly vocabSize: number; // V
  readonly contextLength: number; // positions the model was trained for
  readonly dim: number; // C, the width of the residual stream
  readonly nLayers: number; // L
  readonly nHead: number; // H, query heads
  readonly nKvHead: number; // Hkv ≤ H: grouped-query attention when smaller, multi-query at 1
  readonly headDim: number; // hs
  readonly ffnDim: number; // F, hidden width of the feed-forward (of each expert)
  readonly normEps: number; // ε in LayerNorm / RMSNorm
  readonly rope: RopeConfig | null; // null: learned absolute positions (GPT-2)
  readonly slidingWindow: number; // Mistral's attention window; Infinity when unlimited
  readonly nExperts: number; // 0: dense feed-forward; E > 0: mixture of experts
  readonly nExpertsUsed: number; // k experts per token
  readonly tiedEmbeddings: boolean; // the output head reuses the token embedding
}

/** Parameters, counted once when tied. */
export function parameterCount(c: TransformerConfig): number {
  const attn = c.dim * c.nHead * c.headDim * 2 + c.dim * c.nKvHead * c.headDim * 2;
  const ffn = c.nExperts > 0 ? c.nExperts * 3 * c.dim * c.ffnDim + c.nExperts * c.dim : (c.family === "gpt2" ? 2 : 3) * c.dim * c.ffnDim;
  const embeddings = c.vocabSize * c.dim * (c.tiedEmbeddings ? 1 : 2) + (c.rope ? 0 : c.contextLength * c.dim);
  return embeddings + c.nLayers * (attn + ffn + 2 * c.dim) + c.dim;
}

/** f32 bytes of keys and values one position adds to the KV cache. */
export function kvBytesPerToken(c: TransformerConfig): number {
  return 2 * c.nLayers * c.nKvHead * c.headDim * 4;
}
