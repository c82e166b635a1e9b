/**
 * The only place Llama-family file names meet canonical (GGUF) names, and where each weight's shape is
 * checked against the config. Legend: V = vocab, C = dim, F = ffnDim, H = heads, Hkv = kv heads,
 * hs = head size, E = experts.
 */
import type { AttentionWeights } from "../../nn/attention.js";
import type { SwiGluWeights } from "../../nn/feed-forward.js";
import type { MoeWeights } from "../../nn/moe.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { TransformerConfig } from "../config.js";
import { sliceFirst, type WeightLoader } from "../weight-loader.js";

export interface LlamaLayerWeights {
  readonly attnNorm: Float32Array; // (C)
  readonly attn: AttentionWeights;
  readonly ffnNorm: Float32Array; // (C)
  readonly ffn: { readonly kind: "dense"; readonly w: SwiGluWeights } | { readonly kind: "moe"; readonly w: MoeWeights };
}

export interface LlamaWeights {
  readonly tokenEmbedding: Tensor; // (V, C)
  readonly layers: readonly LlamaLayerWeights[];
  readonly outputNorm: Float32Array; // (C)
  readonly output: Tensor; // (V, C); the token embedding itself when tied
  readonly ropeFreqFactors?: Float32Array; // (rotary dims / 2): GGUF rope_freqs, each frequency is divided by its factor
}

/** Hugging Face names (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, MixtralForCausalLM) → canonical. */
export function llamaHfName(name: string): string | null {
  if (name.endsWith("rotary_emb.inv_freq")) return null; // a buffer, recomputed from the config
  const top: Record<string, string> = { "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight" };
  if (top[name]) return top[name]!;
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (!m) return name;
  const [, layer, part, kind] = m;
  const expert = /^block_sparse_moe\.experts\.(\d+)\.(w1|w2|w3)$/.exec(part!);
  if (expert) return `blk.${layer}.${{ w1: "ffn_gate", w2: "ffn_down", w3: "ffn_up" }[expert[2] as "w1"]}.${expert[1]}.${kind}`;
  const parts: Record<string, string> = {
    input_layernorm: "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    post_attention_layernorm: "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
    "block_sparse_moe.gate": "ffn_gate_inp",
  };
  return parts[part!] ? `blk.${layer}.${parts[part!]}.${kind}` : name;
}

/** Meta's names (as in llama2.c checkpoints) → canonical. */
export function llamaMetaName(name: string): string | null {
  const top: Record<string, string> = { "tok_embeddings.weight": "token_embd.weight", "norm.weight": "output_norm.weight", "output.weight": "output.weight" };
  if (top[name]) return top[name]!;
  const m = /^layers\.(\d+)\.(.+)\.weight$/.exec(name);
  if (!m) return name;
  const parts: Record<string, string> = {
    attention_norm: "attn_norm",
    "attention.wq": "attn_q",
    "attention.wk": "attn_k",
    "attention.wv": "attn_v",
    "attention.wo": "attn_output",
    ffn_norm: "ffn_norm",
    "feed_forward.w1": "ffn_gate",
    "feed_forward.w2": "ffn_down",
    "feed_forward.w3": "ffn_up",
  };
  return parts[m[2]!] ? `blk.${m[1]}.${parts[m[2]!]}.weight` : name;
}

export function loadLlamaWeights(c: TransformerConfig, w: WeightLoader): LlamaWeights {
  const { vocabSize: V, dim: C, ffnDim: F, nHead: H, nKvHead: Hkv, headDim: hs } = c;
  const tokenEmbedding = w.tensor("token_embd.weight", [V, C]);
  const layers = Array.from({ length: c.nLayers }, (_, l): LlamaLayerWeights => {
    const b = `blk.${l}`;
    const attn: AttentionWeights = {
      wq: w.tensor(`${b}.attn_q.weight`, [H * hs, C]),
      wk: w.tensor(`${b}.attn_k.weight`, [Hkv * hs, C]),
      wv: w.tensor(`${b}.attn_v.weight`, [Hkv * hs, C]),
      wo: w.tensor(`${b}.attn_output.weight`, [C, H * hs]),
      bq: w.optionalVector(`${b}.attn_q.bias`, H * hs), // Qwen2
      bk: w.optionalVector(`${b}.attn_k.bias`, Hkv * hs),
      bv: w.optionalVector(`${b}.attn_v.bias`, Hkv * hs),
      bo: w.optionalVector(`${b}.attn_output.bias`, C),
    };
    return {
      attnNorm: w.vector(`${b}.attn_norm.weight`, C),
      attn,
      ffnNorm: w.vector(`${b}.ffn_norm.weight`, C),
      ffn: c.nExperts > 0 ? { kind: "moe", w: loadExperts(c, w, l) } : { kind: "dense", w: { gate: w.tensor(`${b}.ffn_gate.weight`, [F, C]), up: w.tensor(`${b}.ffn_up.weight`, [F, C]), down: w.tensor(`${b}.ffn_down.weight`, [C, F]) } },
    };
  });
  const tied = c.tiedEmbeddings || !w.has("output.weight");
  return {
    tokenEmbedding,
    layers,
    outputNorm: w.vector("output_norm.weight", C),
    output: tied ? tokenEmbedding : w.tensor("output.weight", [V, C]),
    ropeFreqFactors: w.optionalVector("rope_freqs.weight", c.rope!.dim / 2), // Llama 3.1 scaling in GGUF
  };
}

/** Experts either stacked in one tensor each (GGUF ffn_*_exps: (E, F, C)) or one tensor per expert. */
function loadExperts(c: TransformerConfig, w: WeightLoader, l: number): MoeWeights {
  const { nExperts: E, dim: C, ffnDim: F } = c;
  const b = `blk.${l}`;
  const router = w.tensor(`${b}.ffn_gate_inp.weight`, [E, C]);
  if (w.has(`${b}.ffn_gate_exps.weight`)) {
    const gate = w.tensor(`${b}.ffn_gate_exps.weight`, [E, F, C]);
    const up = w.tensor(`${b}.ffn_up_exps.weight`, [E, F, C]);
    const down = w.tensor(`${b}.ffn_down_exps.weight`, [E, C, F]);
    return { router, experts: Array.from({ length: E }, (_, e) => ({ gate: sliceFirst(gate, e), up: sliceFirst(up, e), down: sliceFirst(down, e) })) };
  }
  const experts = Array.from({ length: E }, (_, e) => ({
    gate: w.tensor(`${b}.ffn_gate.${e}.weight`, [F, C]),
    up: w.tensor(`${b}.ffn_up.${e}.weight`, [F, C]),
    down: w.tensor(`${b}.ffn_down.${e}.weight`, [C, F]),
  }));
  return { router, experts };
}
