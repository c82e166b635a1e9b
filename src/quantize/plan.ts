/**
 * Which storage type each tensor of a model gets for a llama.cpp file type ("Q4_K_M", ...): llama.cpp's
 * own choices (llama-quant.cpp llama_tensor_get_type), so `glassbox quantize` writes the same mixture as
 * `llama-quantize`:
 *   - only 2-D/3-D tensors named "*weight" are quantized; norms, the MoE router (ffn_gate_inp) and learned
 *     position embeddings keep their type;
 *   - the output head (or a tied token embedding) gets Q6_K unless the file type is Q8_0 (Q8_0 when its
 *     rows do not fit 256-blocks);
 *   - Q4_K_M / Q5_K_M give Q6_K to attn_v and ffn_down in the layers `useMoreBits` picks (the first and last
 *     eighth and every third layer between); Q4_K_S gives Q5_K to the first 4 attn_v and the first eighth of
 *     ffn_down; a fused attn_qkv counts as attn_v; 8-expert models get Q8_0 attn_k/attn_v and Q5_K
 *     attn_output;
 *   - `--pure` skips all of that: every quantizable tensor gets the base type;
 *   - rows that are not a whole number of blocks fall back: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, and to
 *     F16 when even 32-blocks do not fit.
 */
import { DTYPES, type DType } from "../core/dtype.js";
import { UserError } from "../core/errors.js";

/** llama.cpp's LLAMA_FTYPE values, for general.file_type. */
export const FILE_TYPES = {
  f32: { id: 0, base: "f32" },
  f16: { id: 1, base: "f16" },
  q4_0: { id: 2, base: "q4_0" },
  q4_1: { id: 3, base: "q4_1" },
  q8_0: { id: 7, base: "q8_0" },
  q5_0: { id: 8, base: "q5_0" },
  q5_1: { id: 9, base: "q5_1" },
  q4_k_s: { id: 14, base: "q4_k" },
  q4_k_m: { id: 15, base: "q4_k" },
  q5_k_s: { id: 16, base: "q5_k" },
  q5_k_m: { id: 17, base: "q5_k" },
  q6_k: { id: 18, base: "q6_k" },
  bf16: { id: 32, base: "bf16" },
} as const satisfies Record<string, { id: number; base: DType }>;

export type FileType = keyof typeof FILE_TYPES;

export function parseFileType(text: string, source = "--type"): FileType {
  const key = text.toLowerCase() as FileType;
  if (!(key in FILE_TYPES)) throw new UserError(source, `"${text}" is not a supported type (supported: ${Object.keys(FILE_TYPES).join(", ")})`);
  return key;
}

export interface TensorShape {
  readonly name: string; // canonical (GGUF) name
  readonly shape: readonly number[]; // PyTorch order: the last dimension is the row
  readonly dtype: DType;
}

export interface PlanOptions {
  readonly pure?: boolean; // every quantizable tensor gets the base type
  readonly nLayers: number;
  readonly nExperts: number;
  readonly architecture: string; // GGUF general.architecture
}

function quantizable(t: TensorShape): boolean {
  if (t.shape.length < 2) return false;
  const n = t.name;
  return n.endsWith("weight") && !n.includes("_norm.weight") && !n.includes("ffn_gate_inp.weight") && n !== "position_embd.weight";
}

/** i in the first or last eighth of n, or every third one between (llama.cpp's use_more_bits). */
export function useMoreBits(i: number, n: number): boolean {
  return i < Math.trunc(n / 8) || i >= Math.trunc((7 * n) / 8) || (i - Math.trunc(n / 8)) % 3 === 2;
}

function layerOf(name: string): number {
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : 0;
}

/** The fallback when rows do not fit the chosen type's block size (tensor_type_fallback). */
function fitRows(type: DType, rowLength: number): DType {
  if (rowLength % DTYPES[type].blockSize === 0) return type;
  const fallback: Partial<Record<DType, DType>> = { q4_k: "q5_0", q5_k: "q5_1", q6_k: "q8_0" };
  const next = fallback[type] ?? type;
  return rowLength % DTYPES[next].blockSize === 0 ? next : "f16";
}

/** The storage type of every tensor, in order, for a file type. */
export function planQuantization(tensors: readonly TensorShape[], fileType: FileType, o: PlanOptions): Map<string, DType> {
  const base: DType = FILE_TYPES[fileType].base;
  const quantized = DTYPES[base].blockSize > 1;
  const tied = !tensors.some((t) => t.name === "output.weight");
  const nAttnV = tensors.filter((t) => /attn_(v|qkv)\.weight/.test(t.name)).length;
  let iAttnV = 0;
  let iFfnDown = 0;
  const plan = new Map<string, DType>();
  for (const t of tensors) {
    if (!quantizable(t)) {
      plan.set(t.name, t.dtype);
      continue;
    }
    let type: DType = base;
    if (quantized && !o.pure) type = chooseType(t, fileType, base, o, tied, { iAttnV, nAttnV, iFfnDown });
    if (/attn_(v|qkv)\.weight/.test(t.name)) iAttnV++;
    if (t.name.includes("ffn_down")) iFfnDown++;
    plan.set(t.name, quantized ? fitRows(type, t.shape[t.shape.length - 1]!) : type);
  }
  return plan;
}

function chooseType(t: TensorShape, ft: FileType, base: DType, o: PlanOptions, tied: boolean, counters: { iAttnV: number; nAttnV: number; iFfnDown: number }): DType {
  const name = t.name;
  const rowLength = t.shape[t.shape.length - 1]!;
  const eightExperts = o.nExperts === 8;
  if (name === "output.weight" || (tied && name === "token_embd.weight")) {
    if (rowLength % DTYPES[base].blockSize !== 0) return "q8_0";
    return base === "q8_0" ? "q8_0" : "q6_k";
  }
  if (name === "token_embd.weight") return base;
  if (/attn_(v|qkv)\.weight/.test(name)) {
    // subtle: llama.cpp treats a fused attn_qkv as attn_v (category_is_attn_v); its own attn_qkv rule is never reached
    let type = base;
    if ((ft === "q4_k_m" || ft === "q5_k_m") && useMoreBits(counters.iAttnV, counters.nAttnV)) type = "q6_k";
    else if (ft === "q4_k_s" && counters.iAttnV < 4) type = "q5_k";
    if (o.architecture === "llama" && o.nLayers === 80 && type === "q4_k") type = "q5_k"; // LLM_TYPE_70B: 8 heads share attn_v
    if (eightExperts) type = "q8_0";
    return type;
  }
  if (/attn_k\.weight/.test(name)) return eightExperts ? "q8_0" : base;
  if (name.includes("ffn_down")) {
    const layer = o.nExperts > 1 ? layerOf(name) : counters.iFfnDown;
    if (ft === "q4_k_m" && useMoreBits(layer, o.nLayers)) return "q6_k";
    if (ft === "q5_k_m" && useMoreBits(layer, o.nLayers)) return "q6_k";
    if (ft === "q4_k_s" && layer < Math.trunc(o.nLayers / 8)) return "q5_k";
    return base;
  }
  if (/attn_output\.weight/.test(name) && eightExperts && (ft === "q4_k_s" || ft === "q4_k_m")) return "q5_k";
  return base;
}
