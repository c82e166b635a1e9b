/**
 * The only place GPT-2 file names meet canonical names. Hugging Face GPT-2 stores its projections as
 * Conv1D, weight (in, out): they are transposed once here to the (out, in) every other layer uses
 * (llama.cpp's converter does the same, so GGUF gpt2 files are already (out, in)).
 * The fused query/key/value projection c_attn (3C, C) is split into three row ranges without copying.
 * Legend: V = vocab, P = positions, C = dim, F = ffnDim.
 */
import type { AttentionWeights } from "../../nn/attention.js";
import type { GeluMlpWeights } from "../../nn/feed-forward.js";
import type { NormWeights } from "../../nn/norm.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { TransformerConfig } from "../config.js";
import { sliceRows, type WeightLoader } from "../weight-loader.js";

export interface Gpt2LayerWeights {
  readonly ln1: NormWeights;
  readonly attn: AttentionWeights;
  readonly ln2: NormWeights;
  readonly mlp: GeluMlpWeights;
}

export interface Gpt2Weights {
  readonly tokenEmbedding: Tensor; // wte (V, C)
  readonly positionEmbedding: Tensor; // wpe (P, C)
  readonly layers: readonly Gpt2LayerWeights[];
  readonly lnF: NormWeights;
  readonly output: Tensor; // (V, C): wte when tied
}

/** Hugging Face GPT2LMHeadModel names (with or without the "transformer." prefix) → canonical. */
export function gpt2HfName(name: string): string | null {
  const n = name.replace(/^transformer\./, "");
  if (/\.attn\.(masked_)?bias$/.test(n)) return null; // the causal-mask buffer of old checkpoints
  const top: Record<string, string> = {
    "wte.weight": "token_embd.weight",
    "wpe.weight": "position_embd.weight",
    "ln_f.weight": "output_norm.weight",
    "ln_f.bias": "output_norm.bias",
    "lm_head.weight": "output.weight",
  };
  if (top[n]) return top[n]!;
  const m = /^h\.(\d+)\.(.+)\.(weight|bias)$/.exec(n);
  if (!m) return name;
  const parts: Record<string, string> = { ln_1: "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", ln_2: "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down" };
  return parts[m[2]!] ? `blk.${m[1]}.${parts[m[2]!]}.${m[3]}` : name;
}

/** @param conv1d whether matrices are stored (in, out), as in Hugging Face checkpoints */
export function loadGpt2Weights(c: TransformerConfig, w: WeightLoader, conv1d: boolean): Gpt2Weights {
  const { vocabSize: V, dim: C, ffnDim: F, contextLength: P } = c;
  const matrix = (name: string, out: number, inp: number): Tensor => (conv1d ? w.transposed(name, [out, inp]) : w.tensor(name, [out, inp]));
  const tokenEmbedding = w.tensor("token_embd.weight", [V, C]);
  const layers = Array.from({ length: c.nLayers }, (_, l): Gpt2LayerWeights => {
    const b = `blk.${l}`;
    const qkv = matrix(`${b}.attn_qkv.weight`, 3 * C, C); // rows: q (C), k (C), v (C)
    const qkvBias = w.vector(`${b}.attn_qkv.bias`, 3 * C);
    return {
      ln1: { weight: w.vector(`${b}.attn_norm.weight`, C), bias: w.vector(`${b}.attn_norm.bias`, C) },
      attn: {
        wq: sliceRows(qkv, 0, C),
        wk: sliceRows(qkv, C, C),
        wv: sliceRows(qkv, 2 * C, C),
        wo: matrix(`${b}.attn_output.weight`, C, C),
        bq: qkvBias.subarray(0, C),
        bk: qkvBias.subarray(C, 2 * C),
        bv: qkvBias.subarray(2 * C),
        bo: w.vector(`${b}.attn_output.bias`, C),
      },
      ln2: { weight: w.vector(`${b}.ffn_norm.weight`, C), bias: w.vector(`${b}.ffn_norm.bias`, C) },
      mlp: {
        fc: matrix(`${b}.ffn_up.weight`, F, C),
        fcBias: w.vector(`${b}.ffn_up.bias`, F),
        proj: matrix(`${b}.ffn_down.weight`, C, F),
        projBias: w.vector(`${b}.ffn_down.bias`, C),
      },
    };
  });
  const tied = c.tiedEmbeddings || !w.has("output.weight");
  return {
    tokenEmbedding,
    positionEmbedding: w.tensor("position_embd.weight", [P, C]),
    layers,
    lnF: { weight: w.vector("output_norm.weight", C), bias: w.vector("output_norm.bias", C) },
    output: tied ? tokenEmbedding : w.tensor("output.weight", [V, C]),
  };
}
