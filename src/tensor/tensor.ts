/**
 * Tensor: a shape, a storage dtype and the bytes. Shapes are row-major, last dimension fastest, as in
 * PyTorch: a weight matrix of a linear layer is (out, in), one row per output. (GGUF lists dimensions the
 * other way round; formats/ reverses them once on load.)
 *
 * Weights keep the dtype they were stored in (f16, q4_k, ...) and are dequantized only inside kernels;
 * activations are always f32.
 */
import { byteSize, DTYPES, type DType } from "../core/dtype.js";

export class Tensor {
  /** @param bytes exactly byteSize(dtype, size) bytes; for f32 they start 4-byte aligned */
  constructor(
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly bytes: Uint8Array,
  ) {
    const expected = byteSize(dtype, this.size);
    if (bytes.byteLength !== expected) throw new Error(`tensor (${shape.join(", ")}) ${dtype} needs ${expected} bytes, got ${bytes.byteLength}`);
  }

  static fromF32(shape: readonly number[], data: Float32Array): Tensor {
    return new Tensor("f32", shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Length of the last dimension: the row that one block-quantized run covers. */
  get rowLength(): number {
    return this.shape[this.shape.length - 1] ?? 1;
  }

  get rows(): number {
    return this.size / this.rowLength;
  }

  /** Bytes of one row (a whole number of blocks). */
  get rowBytes(): number {
    return byteSize(this.dtype, this.rowLength);
  }

  /** The f32 values, viewed without copying. Only for dtype f32. */
  f32(): Float32Array {
    if (this.dtype !== "f32") throw new Error(`tensor is ${this.dtype}, not f32`);
    return new Float32Array(this.bytes.buffer, this.bytes.byteOffset, this.size);
  }

  /** Whether a row length fits the dtype's block size. */
  static rowFits(dtype: DType, rowLength: number): boolean {
    return rowLength % DTYPES[dtype].blockSize === 0;
  }
}

/** Allocates bytes for a tensor on its own buffer, so f32 views are always aligned. */
export function allocateBytes(byteLength: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(byteLength));
}
