/**
 * Writes GGUF files (version 3): metadata, tensor table and aligned tensor data. The inverse of gguf.ts.
 * Values are typed explicitly, since a JavaScript number does not say whether it is a u32 or an f32.
 */
import { GGUF_MAGIC, GgufType } from "./gguf.js";
import { writeFileAtomic } from "../core/atomic-write.js";

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

export function serializeGguf(metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorToWrite[] = [], alignment = 32): Buffer {
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
    offset += t.data.length;
  }
  tensors.forEach((t, i) => {
    sink.string(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type);
    sink.u64(offsets[i]);
  });
  const pad = (to: number) => sink.push(Buffer.alloc(Math.ceil(to / alignment) * alignment - to));
  pad(sink.length);
  const dataStart = sink.length;
  tensors.forEach((t, i) => {
    sink.push(Buffer.alloc(dataStart + offsets[i] - sink.length));
    sink.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
  return sink.concat();
}

export function writeGguf(path: string, metadata: ReadonlyMap<string, TypedValue>, tensors: readonly TensorToWrite[] = []): void {
  writeFileAtomic(path, serializeGguf(metadata, tensors));
}
