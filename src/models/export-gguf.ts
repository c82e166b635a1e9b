/**
 * Writes a Hugging Face checkpoint directory as GGUF, the way llama.cpp's convert_hf_to_gguf.py lays it
 * out, so the file loads in llama.cpp and in glassbox alike:
 *   - canonical tensor names; 1-D tensors (norms, biases) as F32, matrices in their stored float dtype;
 *   - gpt2: Conv1D weights transposed to (out, in); the fused attn_qkv kept fused;
 *   - llama (also Mistral, Mixtral): q and k rows permuted from HF's rotate-halves order back to
 *     interleaved pairs, since GGUF `llama` applies RoPE to adjacent pairs; qwen2 keeps halves (NeoX rope);
 *   - Mixtral experts stacked into ffn_{gate,up,down}_exps (E, F, C);
 *   - Llama-3 rope scaling as the `rope_freqs.weight` tensor of per-frequency divisors, as llama.cpp does.
 * Tokenizer metadata (tokenizer.ggml.*) is passed in by the caller.
 */
import { basename } from "node:path";
import { DTYPES } from "../core/dtype.js";
import { bf16ToF32, F16_TABLE } from "../core/half.js";
import { UserError } from "../core/errors.js";
import { GgufType } from "../formats/gguf.js";
import { ggufKey } from "../formats/gguf-keys.js";
import { writeGguf, type TensorToWrite, type TypedValue } from "../formats/gguf-writer.js";
import { TensorReader } from "../formats/stored-tensor.js";
import { openModelFile } from "./load.js";
import { ropeInverseFrequencies } from "../nn/positions.js";
import { Tensor } from "../tensor/tensor.js";
import type { TransformerConfig } from "./config.js";
import { transpose2d } from "./weight-loader.js";

const u32 = (value: number): TypedValue => ({ type: GgufType.Uint32, value });
const f32 = (value: number): TypedValue => ({ type: GgufType.Float32, value });
const str = (value: string): TypedValue => ({ type: GgufType.String, value });

/** GGUF architecture for a HF model_type. */
function ggufArchitecture(modelType: string): string {
  return modelType === "gpt2" ? "gpt2" : modelType === "qwen2" ? "qwen2" : "llama";
}

export function ggufMetadataFor(c: TransformerConfig, arch: string, name: string): Map<string, TypedValue> {
  const k = (key: Parameters<typeof ggufKey>[0]) => ggufKey(key, arch);
  const meta = new Map<string, TypedValue>([
    ["general.architecture", str(arch)],
    ["general.name", str(name)],
    [k("contextLength"), u32(c.contextLength)],
    [k("embeddingLength"), u32(c.dim)],
    [k("blockCount"), u32(c.nLayers)],
    [k("feedForwardLength"), u32(c.ffnDim)],
    [k("headCount"), u32(c.nHead)],
    [k("headCountKv"), u32(c.nKvHead)],
    [c.family === "gpt2" ? k("layerNormEps") : k("rmsEps"), f32(c.normEps)],
    [k("vocabSize"), u32(c.vocabSize)],
  ]);
  if (c.rope) {
    meta.set(k("ropeFreqBase"), f32(c.rope.theta));
    meta.set(k("ropeDimensionCount"), u32(c.rope.dim));
  }
  if (c.headDim * c.nHead !== c.dim) meta.set(k("keyLength"), u32(c.headDim));
  if (Number.isFinite(c.slidingWindow)) meta.set(k("slidingWindow"), u32(c.slidingWindow));
  if (c.nExperts) {
    meta.set(k("expertCount"), u32(c.nExperts));
    meta.set(k("expertUsedCount"), u32(c.nExpertsUsed));
  }
  return meta;
}

/** HF rows (head, half, i) → GGUF llama rows (head, i, half): rotate-halves order back to interleaved pairs. */
export function unpermuteHalves(t: Tensor, nHeads: number): Tensor {
  const rows = t.shape[0]!;
  const hs = rows / nHeads;
  const out = new Uint8Array(new ArrayBuffer(t.bytes.byteLength));
  const rb = t.rowBytes;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < hs / 2; i++) {
      for (let half = 0; half < 2; half++) {
        const from = h * hs + half * (hs / 2) + i;
        const to = h * hs + 2 * i + half;
        out.set(t.bytes.subarray(from * rb, (from + 1) * rb), to * rb);
      }
    }
  }
  return new Tensor(t.dtype, t.shape, out);
}

function toF32Bytes(t: Tensor): Uint8Array {
  if (t.dtype === "f32") return t.bytes;
  const out = new Float32Array(t.size);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  for (let i = 0; i < t.size; i++) {
    const bits = view.getUint16(2 * i, true);
    out[i] = t.dtype === "f16" ? F16_TABLE[bits]! : bf16ToF32(bits);
  }
  return new Uint8Array(out.buffer);
}

function tensorToWrite(name: string, dtype: Tensor["dtype"], shape: readonly number[], data: Uint8Array): TensorToWrite {
  return { name, dims: [...shape].reverse(), type: DTYPES[dtype].ggmlType, data };
}

/**
 * Converts a HF checkpoint directory to a GGUF file.
 * @param tokenizerMetadata tokenizer.ggml.* keys (from tokenizers/gguf-vocab-export.ts), if any
 */
export function writeHfAsGguf(dir: string, out: string, tokenizerMetadata: ReadonlyMap<string, TypedValue> = new Map()): void {
  const file = openModelFile(dir);
  if (file.format !== "safetensors") throw new UserError(dir, "expected a Hugging Face checkpoint directory");
  const { config: c, toCanonical } = file;
  const arch = ggufArchitecture(c.architecture);
  const reader = new TensorReader();
  const written: TensorToWrite[] = [];
  const experts = new Map<string, Tensor[]>(); // "blk.N.ffn_gate" → per-expert tensors
  try {
    for (const s of file.tensors) {
      const name = toCanonical(s.name);
      if (name === null) continue;
      let t = reader.read(s);
      if (t.shape.length === 1) {
        written.push(tensorToWrite(name, "f32", t.shape, toF32Bytes(t)));
        continue;
      }
      if (c.family === "gpt2" && /\.(attn_qkv|attn_output|ffn_up|ffn_down)\.weight$/.test(name)) t = transpose2d(t);
      if (arch === "llama" && /\.attn_q\.weight$/.test(name)) t = unpermuteHalves(t, c.nHead);
      if (arch === "llama" && /\.attn_k\.weight$/.test(name)) t = unpermuteHalves(t, c.nKvHead);
      const expert = /^(blk\.\d+\.ffn_(?:gate|up|down))\.(\d+)\.weight$/.exec(name);
      if (expert) {
        const list = experts.get(expert[1]!) ?? [];
        list[Number(expert[2])] = t;
        experts.set(expert[1]!, list);
        continue;
      }
      written.push(tensorToWrite(name, t.dtype, t.shape, t.bytes));
    }
  } finally {
    reader.close();
  }
  for (const [prefix, list] of experts) {
    const first = list[0]!;
    const data = new Uint8Array(list.reduce((n, t) => n + t.bytes.byteLength, 0));
    list.reduce((offset, t) => (data.set(t.bytes, offset), offset + t.bytes.byteLength), 0);
    written.push(tensorToWrite(`${prefix}_exps.weight`, first.dtype, [list.length, ...first.shape], data));
  }
  if (c.rope?.scaling?.type === "llama3") {
    // llama.cpp divides each frequency by rope_freqs[i]; the divisor is base / scaled
    const base = ropeInverseFrequencies(c.rope.dim, c.rope.theta);
    const scaled = ropeInverseFrequencies(c.rope.dim, c.rope.theta, c.rope.scaling);
    const factors = Float32Array.from(base, (b, i) => b / scaled[i]!);
    written.push(tensorToWrite("rope_freqs.weight", "f32", [factors.length], new Uint8Array(factors.buffer)));
  }
  const metadata = new Map([...ggufMetadataFor(c, arch, basename(dir)), ...tokenizerMetadata]);
  writeGguf(out, metadata, written);
}
