/**
 * Model quantization: reads a GGUF file tensor by tensor, converts each to the type the plan gives it
 * (plan.ts: llama.cpp's choices), and writes a new GGUF with the same metadata plus general.file_type and
 * general.quantization_version and the tensors in llama.cpp's order, as llama-quantize does (for the same
 * input the output is byte-identical). One tensor is in memory at a time.
 *
 *   tensor (any stored dtype) ─▶ f32 (dequantize) ─▶ f16 / bf16 / GGML blocks (quantize, byte-identical to llama.cpp)
 */
import { dequantize } from "../backends/reference/dequantize.js";
import { quantizeRow } from "../backends/reference/quantize.js";
import { byteSize, DTYPES, type DType } from "../core/dtype.js";
import { UserError } from "../core/errors.js";
import { f32ToBf16, f32ToF16 } from "../core/half.js";
import { GgufType, ggufStoredTensors, readGgufHeader } from "../formats/gguf.js";
import { typedMetadata, writeGgufStreaming } from "../formats/gguf-writer.js";
import { TensorReader } from "../formats/stored-tensor.js";
import { openModelFile } from "../models/load.js";
import { Tensor } from "../tensor/tensor.js";
import { FILE_TYPES, planQuantization, type FileType } from "./plan.js";

export interface QuantizeOptions {
  readonly pure?: boolean;
  /** called before each tensor is converted */
  readonly onTensor?: (index: number, count: number, name: string, from: DType, to: DType) => void;
}

export interface QuantizeSummary {
  readonly tensors: number;
  readonly types: Record<string, number>; // tensors per output dtype
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Converts f32 values to a storage dtype's bytes. */
export function encodeTensor(values: Float32Array, dtype: DType, rowLength: number): Uint8Array {
  if (dtype === "f32") return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(byteSize(dtype, values.length));
  if (dtype === "f16" || dtype === "bf16") {
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setUint16(2 * i, dtype === "f16" ? f32ToF16(values[i]!) : f32ToBf16(values[i]!), true);
    return out;
  }
  const rowBytes = byteSize(dtype, rowLength);
  for (let r = 0; r < values.length / rowLength; r++) quantizeRow(dtype, values.subarray(r * rowLength, (r + 1) * rowLength), out.subarray(r * rowBytes, (r + 1) * rowBytes));
  return out;
}

/** llama.cpp's tensor order (llama_model_loader weight_name_comparer): by layer (others first), then name. */
function sortAsLlamaCpp<T extends { name: string }>(tensors: T[]): T[] {
  const layer = (name: string) => Number(/^blk\.(\d+)\./.exec(name)?.[1] ?? -1);
  return [...tensors].sort((a, b) => layer(a.name) - layer(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function quantizeGguf(inPath: string, outPath: string, fileType: FileType, o: QuantizeOptions = {}): QuantizeSummary {
  const file = openModelFile(inPath);
  if (file.format !== "gguf" || !file.gguf) throw new UserError(inPath, "quantize reads GGUF files; convert other formats first (glassbox convert IN OUT.gguf)");
  const header = readGgufHeader(inPath);
  const stored = sortAsLlamaCpp(ggufStoredTensors(inPath, header));
  const c = file.config;
  const plan = planQuantization(stored, fileType, { pure: o.pure, nLayers: c.nLayers, nExperts: c.nExperts, architecture: c.architecture });
  const metadata = typedMetadata(header);
  // as gguf_set_val_u32 does: a key that is set again moves to the end
  for (const [key, value] of [["general.quantization_version", 2], ["general.file_type", FILE_TYPES[fileType].id]] as const) {
    metadata.delete(key);
    metadata.set(key, { type: GgufType.Uint32, value });
  }
  const infos = stored.map((t) => {
    const to = plan.get(t.name)!;
    return { name: t.name, dims: [...t.shape].reverse(), type: DTYPES[to].ggmlType, byteLength: byteSize(to, t.shape.reduce((a, b) => a * b, 1)) };
  });
  const reader = new TensorReader();
  const types: Record<string, number> = {};
  try {
    writeGgufStreaming(outPath, metadata, infos, (i) => {
      const t = stored[i]!;
      const to = plan.get(t.name)!;
      types[to] = (types[to] ?? 0) + 1;
      o.onTensor?.(i, stored.length, t.name, t.dtype, to);
      const tensor = reader.read(t);
      if (to === t.dtype) return tensor.bytes;
      return encodeTensor(dequantize(new Tensor(t.dtype, t.shape, tensor.bytes)), to, t.shape[t.shape.length - 1]!);
    }, header.alignment);
  } finally {
    reader.close();
  }
  return { tensors: stored.length, types, bytesIn: stored.reduce((n, t) => n + t.byteLength, 0), bytesOut: infos.reduce((n, t) => n + t.byteLength, 0) };
}
