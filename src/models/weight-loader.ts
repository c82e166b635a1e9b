/**
 * Pulls a model's weights out of a file's tensor list by canonical (GGUF) name, checking each shape
 * against the config, so a file that disagrees with its config fails with the tensor's own name.
 */
import { UserError } from "../core/errors.js";
import { DTYPES } from "../core/dtype.js";
import type { StoredTensor } from "../formats/stored-tensor.js";
import { TensorReader } from "../formats/stored-tensor.js";
import type { Backend } from "../tensor/backend.js";
import { Tensor } from "../tensor/tensor.js";

export class WeightLoader {
  private readonly byCanonical = new Map<string, StoredTensor>();
  private readonly reader: TensorReader;

  /**
   * @param source the file or directory, for messages
   * @param toCanonical maps the file's tensor name to the canonical one; null for tensors to ignore
   */
  constructor(
    readonly source: string,
    stored: readonly StoredTensor[],
    toCanonical: (name: string) => string | null,
    private readonly backend: Backend,
  ) {
    this.reader = new TensorReader(backend.allocate ? (n) => backend.allocate!(n) : undefined);
    for (const t of stored) {
      const canonical = toCanonical(t.name);
      if (canonical !== null) this.byCanonical.set(canonical, t);
    }
  }

  has(name: string): boolean {
    return this.byCanonical.has(name);
  }

  private stored(name: string): StoredTensor {
    const t = this.byCanonical.get(name);
    if (!t) throw new UserError(this.source, `missing tensor "${name}"`);
    return t;
  }

  /** The tensor in its stored dtype, after checking its shape. */
  tensor(name: string, shape: readonly number[]): Tensor {
    const t = this.stored(name);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new UserError(t.file, `tensor "${t.name}" has shape (${t.shape.join(", ")}), the config implies (${shape.join(", ")})`);
    }
    return this.reader.read(t);
  }

  /** A matrix whose stored layout is (in, out) (GPT-2's Conv1D), transposed to (out, in). */
  transposed(name: string, shapeOutIn: readonly [number, number]): Tensor {
    const stored = this.tensor(name, [shapeOutIn[1], shapeOutIn[0]]);
    return transpose2d(stored);
  }

  /** A small tensor (norm weight, bias) as f32; in the backend's memory when it allocates (wasm: its norm
   *  kernels then read it in place, instead of copying it in at every call). */
  vector(name: string, length: number): Float32Array {
    const t = this.tensor(name, [length]);
    const bytes = this.backend.allocate?.(length * 4);
    const out = bytes ? new Float32Array(bytes.buffer, bytes.byteOffset, length) : new Float32Array(length);
    this.backend.embedding(out, new Tensor(t.dtype, [1, length], t.bytes), [0]);
    return out;
  }

  optionalVector(name: string, length: number): Float32Array | undefined {
    return this.has(name) ? this.vector(name, length) : undefined;
  }

  close(): void {
    this.reader.close();
  }
}

/** Rows start .. start + count − 1 of a matrix, sharing its bytes. */
export function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const bytes = t.bytes.subarray(start * t.rowBytes, (start + count) * t.rowBytes);
  return new Tensor(t.dtype, [count, ...t.shape.slice(1)], bytes);
}

/** Slice i along the first axis of a 3-D tensor (one expert of a stacked (E, F, C) tensor), sharing bytes. */
export function sliceFirst(t: Tensor, i: number): Tensor {
  const inner = t.shape.slice(1);
  const rows = inner.slice(0, -1).reduce((a, b) => a * b, 1);
  return new Tensor(t.dtype, inner, t.bytes.subarray(i * rows * t.rowBytes, (i + 1) * rows * t.rowBytes));
}

/** (R, K) → (K, R) for plain-float dtypes (element-wise copy of the raw bytes). */
export function transpose2d(t: Tensor): Tensor {
  const [R, K] = t.shape as [number, number];
  const size = DTYPES[t.dtype].bytesPerBlock;
  if (DTYPES[t.dtype].blockSize !== 1) throw new Error(`cannot transpose a block-quantized ${t.dtype} tensor`);
  const out = new Uint8Array(new ArrayBuffer(t.bytes.byteLength));
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) out.set(t.bytes.subarray((r * K + k) * size, (r * K + k + 1) * size), (k * R + r) * size);
  }
  return new Tensor(t.dtype, [K, R], out);
}
