/**
 * Writes GGUF files (version 3): metadata, tensor table and aligned tensor data. The inverse of gguf.ts.
 * Values are typed explicitly, since a JavaScript number does not say whether it is a u32 or an f32.
 */
import { GGUF_MAGIC, GgufType, type GgufHeader } from "./gguf.js";
import { writeFileAtomic, writeFileAtomicWith } from "../core/atomic-write.js";

export type TypedValue =
  | { type: GgufType.String; value: string }
  | { type: GgufType.Uint32 | GgufType.Int32 | GgufType.Float32 | GgufType.Uint64 | GgufType.Float64 | GgufType.Uint8 | GgufType.Int8 | GgufType.Uint16 | GgufType.Int16 | GgufType.Int64; value: number }
  | { type: GgufType.Bool; value: boolean }
  | { type: GgufType.Array; itemType: GgufType; value: readonly (string | number | boolean)[] };

export interface TensorToWrite {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  scalar(type: GgufType, v: string | number | boolean): void {
    const b = Buffer.alloc(8);
    switch (type) {
      case GgufType.String:
        return this.string(v as string);
      case GgufType.Uint8:
        return this.push(Buffer.from([v as number]));
      case GgufType.Int8:
        b.writeInt8(v as number);
        return this.push(b.subarray(0, 1));
      case GgufType.Bool:
        return this.push(Buffer.from([v ? 1 : 0]));
      case GgufType.Uint16:
        b.writeUInt16LE(v as number);
        return this.push(b.subarray(0, 2));
      case GgufType.Int16:
        b.writeInt16LE(v as number);
        return this.push(b.subarray(0, 2));
      case GgufType.Uint32:
        b.writeUInt32LE(v as number);
        return this.push(b.subarray(0, 4));
      case GgufType.Int32:
        b.writeInt32LE(v as number);
        return this.push(b.subarray(0, 4));
      case GgufType.Float32:
        b.writeFloatLE(v as number);
        return this.push(b.subarray(0, 4));
      case GgufType.Uint64:
        return this.u64(v as number);
      case GgufType.Int64:
        b.writeBigInt64LE(BigInt(v as number));
        return this.push(b);
      case GgufType.Float64:
        b.writeDoubleLE(v as number);
        return this.push(b);
      default:
        throw new Error(`cannot write GGUF scalar of type ${type}`);
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** The header of a GGUF file (magic, metadata, tensor table, padding) and each tensor's offset after it. */
function serializeHeader(metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorInfoToWrite[], alignment: number): { header: Buffer; offsets: number[] } {
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(metadata.size);
  for (const [key, v] of metadata) {
    sink.string(key);
    sink.u32(v.type);
    if (v.type === GgufType.Array) {
      sink.u32(v.itemType);
      sink.u64(v.value.length);
      for (const item of v.value) sink.scalar(v.itemType, item);
    } else sink.scalar(v.type, v.value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offset = Math.ceil(offset / alignment) * alignment;
    offsets.push(offset);
    offset += t.byteLength;
  }
  tensors.forEach((t, i) => {
    sink.string(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type);
    sink.u64(offsets[i]);
  });
  sink.push(Buffer.alloc(Math.ceil(sink.length / alignment) * alignment - sink.length));
  return { header: sink.concat(), offsets };
}

export function serializeGguf(metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorToWrite[] = [], alignment = 32): Buffer {
  const { header, offsets } = serializeHeader(metadata, tensors.map((t) => ({ ...t, byteLength: t.data.byteLength })), alignment);
  const parts: Buffer[] = [header];
  let at = 0;
  tensors.forEach((t, i) => {
    parts.push(Buffer.alloc(offsets[i]! - at), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    at = offsets[i]! + t.data.byteLength;
  });
  return Buffer.concat(parts);
}

export interface TensorInfoToWrite {
  readonly name: string;
  readonly dims: readonly number[]; // GGUF order: dims[0] is the row length
  readonly type: number;
  readonly byteLength: number;
}

/**
 * Writes a GGUF file one tensor at a time: `produce(i)` is called in order and its bytes written at once,
 * so only one tensor is in memory. Atomic: a temporary file is renamed over `path` at the end.
 */
export function writeGgufStreaming(path: string, metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorInfoToWrite[], produce: (i: number) => Uint8Array, alignment = 32): void {
  const { header, offsets } = serializeHeader(metadata, tensors, alignment);
  writeFileAtomicWith(path, (write) => {
    write(header);
    let at = 0;
    tensors.forEach((t, i) => {
      write(new Uint8Array(offsets[i]! - at));
      const data = produce(i);
      if (data.byteLength !== t.byteLength) throw new Error(`tensor ${t.name}: produced ${data.byteLength} bytes, expected ${t.byteLength}`);
      write(data);
      at = offsets[i]! + t.byteLength;
    });
  });
}

/** A read file's metadata as typed values, to be written back (e.g. by quantize) unchanged. */
export function typedMetadata(header: GgufHeader): Map<string, TypedValue> {
  const out = new Map<string, TypedValue>();
  for (const [key, value] of header.metadata) {
    const { type, itemType } = header.metadataTypes.get(key)!;
    if (type === GgufType.Array) {
      const items = Array.from(value as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? Number(v) : v)) as (string | number | boolean)[];
      out.set(key, { type, itemType: itemType!, value: items });
    } else out.set(key, { type, value: typeof value === "bigint" ? Number(value) : value } as TypedValue);
  }
  return out;
}

export function writeGguf(path: string, metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorToWrite[] = []): void {
  writeFileAtomic(path, serializeGguf(metadata, tensors));
}
