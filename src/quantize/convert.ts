/**
 * Conversions between the model formats glassbox reads (the other direction of models/load.ts):
 *
 *   any → llama2.c .bin   version-0 float export as llama2.c's model.py writes it (Llama family, dense,
 *                         no biases, θ = 10000, no rope scaling: what run.c can run); q/k rows in
 *                         interleaved-pair order, which is llama2.c's and GGUF `llama`'s
 *   any → Hugging Face    config.json + model.safetensors with Hugging Face names; q/k rows in rotate-halves
 *                         order; f16/bf16 weights kept, quantized ones dequantized to f32
 * (HF → GGUF is models/export-gguf.ts.) Weights are read one tensor at a time.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic-write.js";
import { basename, join } from "node:path";
import { dequantize } from "../backends/reference/dequantize.js";
import { UserError } from "../core/errors.js";
import { TensorReader, type StoredTensor } from "../formats/stored-tensor.js";
import { writeSafetensors, type TensorToSave } from "../formats/safetensors.js";
import type { TransformerConfig } from "../models/config.js";
import { unpermuteHalves } from "../models/export-gguf.js";
import { openModelFile, type ModelFile } from "../models/load.js";
import { transpose2d } from "../models/weight-loader.js";
import { Tensor } from "../tensor/tensor.js";

/** HF rotate-halves rows (head, half, i) from interleaved rows (head, i, half): the inverse of unpermuteHalves. */
export function permuteToHalves(t: Tensor, nHeads: number): Tensor {
  const hs = t.shape[0]! / nHeads;
  const rb = t.rowBytes;
  const out = new Uint8Array(new ArrayBuffer(t.bytes.byteLength));
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < hs / 2; i++) {
      for (let half = 0; half < 2; half++) {
        const from = h * hs + 2 * i + half;
        const to = h * hs + half * (hs / 2) + i;
        out.set(t.bytes.subarray(from * rb, (from + 1) * rb), to * rb);
      }
    }
  }
  return new Tensor(t.dtype, t.shape, out);
}

/** The model's tensors by canonical name, each read on demand; q/k in the requested pairing. */
class CanonicalTensors {
  private readonly byName = new Map<string, StoredTensor>();
  private readonly reader = new TensorReader();
  constructor(
    readonly file: ModelFile,
    private readonly pairing: "interleaved" | "halves",
  ) {
    for (const t of file.tensors) {
      const name = file.toCanonical(t.name);
      if (name !== null) this.byName.set(name, t);
    }
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  read(name: string): Tensor {
    const stored = this.byName.get(name);
    if (!stored) throw new UserError(this.file.path, `missing tensor "${name}"`);
    let t = this.reader.read(stored);
    const c = this.file.config;
    const role = /\.attn_(q|k)\.(weight|bias)$/.exec(name);
    if (role && c.rope && c.rope.style !== this.pairing) {
      const heads = role[1] === "q" ? c.nHead : c.nKvHead;
      const matrix = t.shape.length === 1 ? new Tensor(t.dtype, [t.shape[0]!, 1], t.bytes) : t;
      const permuted = this.pairing === "interleaved" ? unpermuteHalves(matrix, heads) : permuteToHalves(matrix, heads);
      t = new Tensor(t.dtype, t.shape, permuted.bytes);
    }
    return t;
  }
  f32(name: string): Float32Array {
    const t = this.read(name);
    return t.dtype === "f32" ? t.f32() : dequantize(t);
  }
  close(): void {
    this.reader.close();
  }
}

function llama2cProblem(c: TransformerConfig, w: CanonicalTensors): string | undefined {
  if (c.family !== "llama") return `is a ${c.family} model; llama2.c runs Llama-family models`;
  if (c.nExperts) return "is a mixture of experts, which llama2.c cannot run";
  if (w.names().some((n) => n.endsWith(".bias"))) return "has biases (e.g. Qwen2's q/k/v), which llama2.c cannot hold";
  if (!c.rope || c.rope.theta !== 10000 || c.rope.scaling || c.rope.dim !== c.headDim) return "uses RoPE settings llama2.c cannot express (it assumes θ = 10000, no scaling, all dims rotate)";
  if (Number.isFinite(c.slidingWindow)) return "uses a sliding attention window, which llama2.c does not have";
  if (c.headDim * c.nHead !== c.dim) return "has a head size other than dim / heads";
  return undefined;
}

/** Writes a llama2.c checkpoint (version 0, f32). */
export function exportLlama2c(input: string, output: string): void {
  const file = openModelFile(input);
  const w = new CanonicalTensors(file, "interleaved");
  try {
    const c = file.config;
    const problem = llama2cProblem(c, w);
    if (problem) throw new UserError(input, `cannot be written as llama2.c: it ${problem}`);
    const tied = !w.has("output.weight");
    const fd = openSync(output + ".tmp", "w");
    const put = (values: Float32Array) => writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    try {
      put(new Float32Array(new Int32Array([c.dim, c.ffnDim, c.nLayers, c.nHead, c.nKvHead, tied ? c.vocabSize : -c.vocabSize, c.contextLength]).buffer));
      put(w.f32("token_embd.weight"));
      for (const part of ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_down", "ffn_up"]) {
        for (let l = 0; l < c.nLayers; l++) put(w.f32(`blk.${l}.${part}.weight`));
      }
      put(w.f32("output_norm.weight"));
      // freq_cis_real, freq_cis_imag (seq_len × hs/2): run.c recomputes them, but the layout has them
      const half = c.headDim / 2;
      const cos = new Float32Array(c.contextLength * half);
      const sin = new Float32Array(c.contextLength * half);
      for (let p = 0; p < c.contextLength; p++) {
        for (let i = 0; i < half; i++) {
          const angle = p / 10000 ** ((2 * i) / c.headDim);
          cos[p * half + i] = Math.cos(angle);
          sin[p * half + i] = Math.sin(angle);
        }
      }
      put(cos);
      put(sin);
      if (!tied) put(w.f32("output.weight"));
    } finally {
      closeSync(fd);
    }
    renameSync(output + ".tmp", output); // atomic: the checkpoint appears whole or not at all
  } finally {
    w.close();
  }
}

/** HF names for canonical ones (the inverse of models/llama/weights.ts and gpt2/weights.ts). */
function hfName(name: string, c: TransformerConfig): string {
  if (c.family === "gpt2") {
    const top: Record<string, string> = { "token_embd.weight": "transformer.wte.weight", "position_embd.weight": "transformer.wpe.weight", "output_norm.weight": "transformer.ln_f.weight", "output_norm.bias": "transformer.ln_f.bias", "output.weight": "lm_head.weight" };
    if (top[name]) return top[name]!;
    const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name)!;
    const parts: Record<string, string> = { attn_norm: "ln_1", attn_qkv: "attn.c_attn", attn_output: "attn.c_proj", ffn_norm: "ln_2", ffn_up: "mlp.c_fc", ffn_down: "mlp.c_proj" };
    return `transformer.h.${m[1]}.${parts[m[2]!]}.${m[3]}`;
  }
  const top: Record<string, string> = { "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight" };
  if (top[name]) return top[name]!;
  const expert = /^blk\.(\d+)\.ffn_(gate|up|down)\.(\d+)\.weight$/.exec(name);
  if (expert) return `model.layers.${expert[1]}.block_sparse_moe.experts.${expert[3]}.${{ gate: "w1", down: "w2", up: "w3" }[expert[2] as "gate"]}.weight`;
  const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name)!;
  const parts: Record<string, string> = { attn_norm: "input_layernorm", attn_q: "self_attn.q_proj", attn_k: "self_attn.k_proj", attn_v: "self_attn.v_proj", attn_output: "self_attn.o_proj", ffn_norm: "post_attention_layernorm", ffn_gate: "mlp.gate_proj", ffn_up: "mlp.up_proj", ffn_down: "mlp.down_proj", ffn_gate_inp: "block_sparse_moe.gate" };
  return `model.layers.${m[1]}.${parts[m[2]!]}.${m[3]}`;
}

function hfConfig(c: TransformerConfig): Record<string, unknown> {
  if (c.family === "gpt2") {
    return { model_type: "gpt2", architectures: ["GPT2LMHeadModel"], n_embd: c.dim, n_layer: c.nLayers, n_head: c.nHead, n_positions: c.contextLength, n_inner: c.ffnDim, vocab_size: c.vocabSize, layer_norm_epsilon: c.normEps, activation_function: "gelu_new", tie_word_embeddings: true };
  }
  const modelType = c.nExperts ? "mixtral" : c.architecture === "qwen2" ? "qwen2" : "llama";
  const rope = c.rope!;
  return {
    model_type: modelType,
    architectures: [{ mixtral: "MixtralForCausalLM", qwen2: "Qwen2ForCausalLM", llama: "LlamaForCausalLM" }[modelType]],
    hidden_size: c.dim,
    intermediate_size: c.ffnDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.headDim,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.contextLength,
    rms_norm_eps: c.normEps,
    rope_theta: rope.theta,
    rope_scaling: rope.scaling?.type === "linear" ? { rope_type: "linear", factor: rope.scaling.factor } : null,
    tie_word_embeddings: c.tiedEmbeddings,
    ...(c.nExperts ? { num_local_experts: c.nExperts, num_experts_per_tok: c.nExpertsUsed } : {}),
    ...(Number.isFinite(c.slidingWindow) ? { sliding_window: c.slidingWindow } : {}),
  };
}

/** Writes a Hugging Face directory (config.json + model.safetensors). */
export function exportHf(input: string, outDir: string): void {
  const file = openModelFile(input);
  const w = new CanonicalTensors(file, "halves");
  try {
    const c = file.config;
    if (w.has("rope_freqs.weight")) throw new UserError(input, "uses Llama-3.1 rope scaling stored as rope_freqs; writing it back to config.json is not supported yet");
    const tensors: TensorToSave[] = [];
    for (const name of w.names()) {
      if (name === "rope_freqs.weight") continue;
      let t = w.read(name);
      const exps = /^blk\.(\d+)\.ffn_(gate|up|down)_exps\.weight$/.exec(name);
      const dtype = t.dtype === "f16" || t.dtype === "bf16" || t.dtype === "f32" ? t.dtype : "f32";
      const bytes = dtype === t.dtype ? t.bytes : new Uint8Array(dequantize(t).buffer);
      t = new Tensor(dtype, t.shape, bytes);
      if (exps) {
        const [E, rows, cols] = t.shape as [number, number, number];
        const per = t.bytes.byteLength / E;
        for (let e = 0; e < E; e++) tensors.push({ name: hfName(`blk.${exps[1]}.ffn_${exps[2]}.${e}.weight`, c), dtype, shape: [rows, cols], bytes: t.bytes.slice(e * per, (e + 1) * per) });
        continue;
      }
      if (c.family === "gpt2" && t.shape.length === 2 && name !== "token_embd.weight" && name !== "position_embd.weight" && name !== "output.weight") {
        t = transpose2d(t); // Conv1D stores (in, out)
      }
      tensors.push({ name: hfName(name, c), dtype, shape: t.shape, bytes: t.bytes });
    }
    mkdirSync(outDir, { recursive: true });
    writeSafetensors(join(outDir, "model.safetensors"), tensors, { format: "pt", converted_from: basename(input) });
    writeFileAtomic(join(outDir, "config.json"), JSON.stringify(hfConfig(c), null, 1) + "\n");
  } finally {
    w.close();
  }
}
