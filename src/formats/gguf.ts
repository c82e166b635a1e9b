/**
 * GGUF, llama.cpp's model file: a header of typed metadata, a table of tensors, then aligned tensor data.
 *
 *   u32 magic "GGUF" | u32 version (2, 3) | u64 tensor count | u64 metadata count
 *   metadata: string key, u32 value type, value        (strings: u64 length + UTF-8 bytes)
 *   tensors:  string name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset into the data section
 *   data section: starts at the next multiple of general.alignment (default 32)
 *
 * This reader parses the header (metadata and tensor table) by pulling the file in chunks, so a large model
 * costs only its header in memory. Counts and lengths are checked against the file size first, so a
 * corrupt file fails with a message instead of an allocation.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { DTYPES, dtypeFromGgml, ggmlTypeName, SUPPORTED_DTYPES } from "../core/dtype.js";
import { FormatError } from "../core/errors.js";
import { openForReading } from "./open.js";
import { checkStoredTensor, type StoredTensor } from "./stored-tensor.js";

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian

export enum GgufType {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
}

export type GgufValue = number | bigint | boolean | string | GgufValue[] | Float32Array | Int32Array;

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: dims[0] is the fastest-varying (row length) */
  readonly dims: number[];
  readonly type: number;
  /** relative to the start of the data section */
  readonly offset: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly metadata: Map<string, GgufValue>;
  /** each key's value type (and item type for arrays), so a file's metadata can be written back unchanged */
  readonly metadataTypes: Map<string, { readonly type: GgufType; readonly itemType?: GgufType }>;
  readonly tensors: GgufTensorInfo[];
  readonly alignment: number;
  /** absolute file offset of the data section */
  readonly dataOffset: number;
  readonly fileSize: number;
}

/** A forward-only cursor over a file descriptor that reads ahead in chunks. */
class FileCursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0; // file offset of buf[0]
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly source: string,
  ) {}

  private ensure(n: number, what: string): void {
    if (this.pos + n > this.size) throw new FormatError(this.source, `truncated: ${what} needs ${n} bytes at offset ${this.pos}, file has ${this.size}`);
    if (this.pos + n <= this.bufStart + this.buf.length) return;
    const length = Math.min(Math.max(n, 1 << 22), this.size - this.pos);
    const chunk = Buffer.alloc(length);
    readSync(this.fd, chunk, 0, length, this.pos);
    this.buf = chunk;
    this.bufStart = this.pos;
  }
  private at(n: number, what: string): number {
    this.ensure(n, what);
    const offset = this.pos - this.bufStart;
    this.pos += n;
    return offset;
  }
  u8(what: string): number {
    const at = this.at(1, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readUInt8(at);
  }
  i8(what: string): number {
    const at = this.at(1, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readInt8(at);
  }
  u16(what: string): number {
    const at = this.at(2, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readUInt16LE(at);
  }
  i16(what: string): number {
    const at = this.at(2, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readInt16LE(at);
  }
  u32(what: string): number {
    const at = this.at(4, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readUInt32LE(at);
  }
  i32(what: string): number {
    const at = this.at(4, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readInt32LE(at);
  }
  f32(what: string): number {
    const at = this.at(4, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readFloatLE(at);
  }
  f64(what: string): number {
    const at = this.at(8, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readDoubleLE(at);
  }
  u64(what: string): bigint {
    const at = this.at(8, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readBigUInt64LE(at);
  }
  i64(what: string): bigint {
    const at = this.at(8, what); // subtle: at() may load a new chunk into this.buf
    return this.buf.readBigInt64LE(at);
  }
  /** A u64 that must be a count of things of at least `minBytes` each that fit in the rest of the file. */
  count(what: string, minBytes: number): number {
    const n = this.u64(what);
    if (n > BigInt(Math.floor((this.size - this.pos) / Math.max(minBytes, 1)))) {
      throw new FormatError(this.source, `${what} ${n} at offset ${this.pos - 8} is larger than the file can hold: corrupt or truncated file`);
    }
    return Number(n);
  }
  string(what: string): string {
    const length = this.count(`${what} length`, 1);
    const offset = this.at(length, what);
    return this.buf.toString("utf8", offset, offset + length);
  }
}

function readValue(c: FileCursor, type: number, key: string): GgufValue {
  switch (type) {
    case GgufType.Uint8:
      return c.u8(key);
    case GgufType.Int8:
      return c.i8(key);
    case GgufType.Uint16:
      return c.u16(key);
    case GgufType.Int16:
      return c.i16(key);
    case GgufType.Uint32:
      return c.u32(key);
    case GgufType.Int32:
      return c.i32(key);
    case GgufType.Float32:
      return c.f32(key);
    case GgufType.Bool:
      return c.u8(key) !== 0;
    case GgufType.String:
      return c.string(key);
    case GgufType.Uint64:
      return toNumber(c.u64(key));
    case GgufType.Int64:
      return toNumber(c.i64(key));
    case GgufType.Float64:
      return c.f64(key);
    case GgufType.Array: {
      const itemType = c.u32(`${key} item type`);
      const n = c.count(`${key} array length`, itemType === GgufType.String ? 8 : 1);
      if (itemType === GgufType.Float32) {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = c.f32(key);
        return out;
      }
      if (itemType === GgufType.Int32) {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = c.i32(key);
        return out;
      }
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, itemType, key);
      return out;
    }
    default:
      throw new FormatError(c.source, `metadata "${key}" has unknown value type ${type}`);
  }
}

/** A 64-bit integer as a number when it is exactly representable, else as a bigint. */
function toNumber(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function peekItemType(path: string, at: number): GgufType {
  const fd = openForReading(path);
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, at);
    return b.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}

export function readGgufHeader(path: string): GgufHeader {
  const fd = openForReading(path);
  try {
    const c = new FileCursor(fd, fstatSync(fd).size, path);
    if (c.size < 4 || c.u32("magic") !== GGUF_MAGIC) throw new FormatError(path, 'not a GGUF file (magic is not "GGUF")');
    const version = c.u32("version");
    if (version !== 2 && version !== 3) throw new FormatError(path, `unsupported GGUF version ${version} (supported: 2, 3)`);
    const tensorCount = c.count("tensor count", 24);
    const kvCount = c.count("metadata count", 12);
    const metadata = new Map<string, GgufValue>();
    const metadataTypes = new Map<string, { type: GgufType; itemType?: GgufType }>();
    for (let i = 0; i < kvCount; i++) {
      const key = c.string(`metadata key ${i}`);
      const type = c.u32(`type of ${key}`);
      const start = c.pos;
      metadata.set(key, readValue(c, type, key));
      // subtle: an array's item type is the u32 right after its type; remember it to write the array back
      metadataTypes.set(key, type === GgufType.Array ? { type, itemType: peekItemType(path, start) } : { type });
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = c.string(`tensor ${i} name`);
      const nDims = c.u32(`tensor ${name} n_dims`);
      if (nDims > 8) throw new FormatError(path, `tensor "${name}" has ${nDims} dimensions (at most 8 are possible)`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(Number(c.u64(`tensor ${name} dim ${d}`)));
      tensors.push({ name, dims, type: c.u32(`tensor ${name} type`), offset: Number(c.u64(`tensor ${name} offset`)) });
    }
    const alignment = Number(metadata.get("general.alignment") ?? 32);
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new FormatError(path, `general.alignment ${alignment} is not a power of two`);
    }
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    return { version, metadata, metadataTypes, tensors, alignment, dataOffset, fileSize: c.size };
  } finally {
    closeSync(fd);
  }
}

/**
 * The GGUF tensor table as StoredTensors: shapes reversed to PyTorch order (GGUF's dims[0] is the row
 * length), dtypes checked, every tensor checked to lie inside the file.
 */
export function ggufStoredTensors(path: string, header: GgufHeader): StoredTensor[] {
  return header.tensors.map((info) => {
    const dtype = dtypeFromGgml(info.type);
    if (!dtype) {
      throw new FormatError(path, `tensor "${info.name}" has unsupported quantization type ${ggmlTypeName(info.type)} (supported: ${SUPPORTED_DTYPES.join(", ")})`);
    }
    if (info.offset % header.alignment !== 0) throw new FormatError(path, `tensor "${info.name}" offset ${info.offset} is not aligned to ${header.alignment}`);
    const shape = [...info.dims].reverse();
    const size = shape.reduce((a, b) => a * b, 1);
    const rowLength = shape[shape.length - 1] ?? 1;
    const { blockSize, bytesPerBlock } = DTYPES[dtype];
    const byteLength = rowLength % blockSize === 0 ? (size / blockSize) * bytesPerBlock : -1;
    const t: StoredTensor = { name: info.name, dtype, shape, file: path, offset: header.dataOffset + info.offset, byteLength };
    checkStoredTensor(t, header.fileSize);
    return t;
  });
}
