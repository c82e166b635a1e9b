/**
 * Small random Hugging Face checkpoints (config.json + model.safetensors, f32) written by glassbox itself,
 * for tests that need a model of a given shape or vocabulary (CLI runs, the llama.cpp cross-check).
 * Correctness against PyTorch is covered by the committed fixtures; these only need to be valid models.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/core/rng.js";
import { writeSafetensors, type TensorToSave } from "../../src/formats/safetensors.js";

export interface RandomLlamaOptions {
  readonly modelType: "llama" | "qwen2" | "mistral";
  readonly vocabSize: number;
  readonly dim?: number;
  readonly ffn?: number;
  readonly layers?: number;
  readonly heads?: number;
  readonly kvHeads?: number;
  readonly context?: number;
  readonly seed?: number;
  readonly ropeScaling?: Record<string, unknown>;
  readonly tied?: boolean;
  readonly bosId?: number;
  readonly eosId?: number;
}

/** Box–Muller normal samples from the seeded RNG. */
function normal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return out;
}

export function writeRandomLlama(dir: string, o: RandomLlamaOptions): void {
  const { vocabSize: V, dim: C = 64, ffn: F = 128, layers = 2, heads: H = 4, kvHeads: Hkv = 2, context = 512, seed = 1 } = o;
  const hs = C / H;
  const rng = new Rng(seed);
  const tensors: TensorToSave[] = [];
  const add = (name: string, shape: number[], values: Float32Array) => tensors.push({ name, dtype: "f32", shape, bytes: new Uint8Array(values.buffer) });
  const matrix = (name: string, out: number, inp: number, scale = 1) => add(name, [out, inp], normal(rng, out * inp, scale / Math.sqrt(inp)));
  const norm = (name: string) => add(name, [C], normal(rng, C, 0.1).map((x) => 1 + x));
  add("model.embed_tokens.weight", [V, C], normal(rng, V * C, 1));
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}.`;
    norm(`${p}input_layernorm.weight`);
    matrix(`${p}self_attn.q_proj.weight`, H * hs, C);
    matrix(`${p}self_attn.k_proj.weight`, Hkv * hs, C);
    matrix(`${p}self_attn.v_proj.weight`, Hkv * hs, C);
    matrix(`${p}self_attn.o_proj.weight`, C, H * hs);
    if (o.modelType === "qwen2") {
      add(`${p}self_attn.q_proj.bias`, [H * hs], normal(rng, H * hs, 0.5));
      add(`${p}self_attn.k_proj.bias`, [Hkv * hs], normal(rng, Hkv * hs, 0.5));
      add(`${p}self_attn.v_proj.bias`, [Hkv * hs], normal(rng, Hkv * hs, 0.5));
    }
    norm(`${p}post_attention_layernorm.weight`);
    matrix(`${p}mlp.gate_proj.weight`, F, C);
    matrix(`${p}mlp.up_proj.weight`, F, C);
    matrix(`${p}mlp.down_proj.weight`, C, F);
  }
  norm("model.norm.weight");
  const tied = o.tied ?? false;
  if (!tied) matrix("lm_head.weight", V, C, 4);
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  const config = {
    model_type: o.modelType,
    hidden_size: C,
    intermediate_size: F,
    num_hidden_layers: layers,
    num_attention_heads: H,
    num_key_value_heads: Hkv,
    vocab_size: V,
    max_position_embeddings: context,
    rms_norm_eps: 1e-5,
    rope_theta: o.modelType === "qwen2" ? 1000000 : 10000,
    rope_scaling: o.ropeScaling ?? null,
    tie_word_embeddings: tied,
    bos_token_id: o.bosId ?? 1,
    eos_token_id: o.eosId ?? 2,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 1));
}
