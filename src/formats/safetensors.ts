/**
 * safetensors (Hugging Face): u64 header length N | N bytes of JSON | raw tensor bytes.
 *   header: { "<name>": { "dtype": "F32" | "F16" | "BF16" | ..., "shape": [..], "data_offsets": [begin, end] },
 *             "__metadata__"?: { string: string } }
 *   offsets are relative to the first byte after the header; tensors are row-major, little-endian.
 * Sharded checkpoints add `model.safetensors.index.json`: { "weight_map": { "<name>": "<shard file>" } }.
 */
import { closeSync, existsSync, fstatSync, readFileSync, readSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DType } from "../core/dtype.js";
import { FormatError } from "../core/errors.js";
import { openForReading } from "./open.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import { checkStoredTensor, type StoredTensor } from "./stored-tensor.js";

const DTYPE_NAMES: Record<string, DType> = { F32: "f32", F16: "f16", BF16: "bf16" };
const MAX_HEADER = 100 * 1024 * 1024; // the reference implementation's own limit

/** The tensors of one .safetensors file. */
export function readSafetensorsHeader(path: string): StoredTensor[] {
  const fd = openForReading(path);
  try {
    const fileSize = fstatSync(fd).size;
    if (fileSize < 8) throw new FormatError(path, `truncated: ${fileSize} bytes, a safetensors file starts with an 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength > BigInt(Math.min(MAX_HEADER, fileSize - 8))) {
      throw new FormatError(path, `header length ${headerLength} is larger than the file (${fileSize} bytes): not a safetensors file or truncated`);
    }
    const headerBytes = Buffer.alloc(Number(headerLength));
    readSync(fd, headerBytes, 0, headerBytes.length, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString("utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new FormatError(path, `header is not valid JSON (${(e as Error).message}): not a safetensors file or corrupt`);
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) throw new FormatError(path, "header is not a JSON object");
    const dataStart = 8 + Number(headerLength);
    const tensors: StoredTensor[] = [];
    for (const [name, entry] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = DTYPE_NAMES[String(e.dtype)];
      if (!dtype) throw new FormatError(path, `tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${Object.keys(DTYPE_NAMES).join(", ")}`);
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new FormatError(path, `tensor "${name}" has an invalid shape`);
      const offsets = e.data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
        throw new FormatError(path, `tensor "${name}" has invalid data_offsets`);
      }
      const t: StoredTensor = { name, dtype, shape: e.shape as number[], file: path, offset: dataStart + offsets[0], byteLength: offsets[1] - offsets[0] };
      checkStoredTensor(t, fileSize);
      tensors.push(t);
    }
    return tensors;
  } finally {
    closeSync(fd);
  }
}

/** The string-to-string `__metadata__` of a .safetensors file ({} when it has none). */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  const fd = openForReading(path);
  try {
    const lengthBytes = Buffer.alloc(8);
    if (readSync(fd, lengthBytes, 0, 8, 0) < 8) throw new FormatError(path, "truncated: no header length");
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength > Math.min(MAX_HEADER, fstatSync(fd).size - 8)) throw new FormatError(path, "header length is larger than the file: not a safetensors file or truncated");
    const headerBytes = Buffer.alloc(headerLength);
    readSync(fd, headerBytes, 0, headerLength, 8);
    const header = JSON.parse(headerBytes.toString("utf8")) as { __metadata__?: Record<string, string> };
    return header.__metadata__ ?? {};
  } catch (e) {
    if (e instanceof SyntaxError) throw new FormatError(path, `header is not valid JSON (${e.message})`);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** All tensors of a checkpoint directory: model.safetensors, or the shards its index names. */
export function readSafetensorsDirectory(dir: string): StoredTensor[] {
  const indexPath = join(dir, "model.safetensors.index.json");
  if (existsSync(indexPath)) {
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(readFileSync(indexPath, "utf8")) as typeof index;
    } catch (e) {
      throw new FormatError(indexPath, `not valid JSON: ${(e as Error).message}`);
    }
    if (!index.weight_map || typeof index.weight_map !== "object") throw new FormatError(indexPath, 'missing "weight_map"');
    const shards = [...new Set(Object.values(index.weight_map))];
    const tensors = shards.flatMap((shard) => readSafetensorsHeader(join(dirname(indexPath), shard)));
    const found = new Set(tensors.map((t) => t.name));
    const missing = Object.keys(index.weight_map).find((name) => !found.has(name));
    if (missing) throw new FormatError(join(dir, index.weight_map[missing]!), `tensor "${missing}" is listed in model.safetensors.index.json but not in its shard`);
    return tensors;
  }
  const single = join(dir, "model.safetensors");
  if (!existsSync(single)) throw new FormatError(dir, "no model.safetensors or model.safetensors.index.json in this directory");
  return readSafetensorsHeader(single);
}

export interface TensorToSave {
  readonly name: string;
  readonly dtype: "f32" | "f16" | "bf16";
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** Writes a .safetensors file atomically, tensors in the given order. */
export function writeSafetensors(path: string, tensors: readonly TensorToSave[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype.toUpperCase(), shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // pad so tensor data starts 8-byte aligned
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileAtomic(path, Buffer.concat([length, Buffer.from(json, "utf8"), ...tensors.map((t) => Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength))]));
}
