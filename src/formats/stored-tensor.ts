/**
 * A tensor as it lies in a file: where, which dtype, which shape. Every weight format (GGUF, safetensors,
 * llama2.c .bin) lists its tensors as StoredTensors; `readStoredTensor` then reads each one straight from
 * the file into its own buffer, so a model is held in memory once, never as file buffer plus copies.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { byteSize, DTYPES, type DType } from "../core/dtype.js";
import { FormatError } from "../core/errors.js";
import { allocateBytes, Tensor } from "../tensor/tensor.js";

export interface StoredTensor {
  readonly name: string; // as the file names it
  readonly dtype: DType;
  readonly shape: readonly number[]; // row-major, last dimension fastest (PyTorch order)
  readonly file: string;
  readonly offset: number; // absolute byte offset in the file
  readonly byteLength: number;
}

/** Checks that a tensor's bytes fit its dtype and shape and lie inside the file. */
export function checkStoredTensor(t: StoredTensor, fileSize: number): void {
  const rowLength = t.shape[t.shape.length - 1] ?? 1;
  const { blockSize } = DTYPES[t.dtype];
  if (rowLength % blockSize !== 0) {
    throw new FormatError(t.file, `tensor "${t.name}" has rows of ${rowLength}, not a multiple of the ${t.dtype} block size ${blockSize}`);
  }
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.byteLength !== byteSize(t.dtype, size)) {
    throw new FormatError(t.file, `tensor "${t.name}" (${t.shape.join(", ")}) ${t.dtype} should take ${byteSize(t.dtype, size)} bytes, the file gives ${t.byteLength}`);
  }
  if (t.offset < 0 || t.offset + t.byteLength > fileSize) {
    throw new FormatError(t.file, `truncated: tensor "${t.name}" needs bytes ${t.offset}..${t.offset + t.byteLength}, file has ${fileSize}`);
  }
}

/** Reads tensors from their files, keeping one descriptor per file open until closed. */
export class TensorReader {
  private readonly fds = new Map<string, number>();

  /** @param allocate where tensor bytes go (a backend's memory); ordinary buffers by default */
  constructor(private readonly allocate: (byteLength: number) => Uint8Array = allocateBytes) {}

  read(t: StoredTensor): Tensor {
    let fd = this.fds.get(t.file);
    if (fd === undefined) {
      fd = openSync(t.file, "r");
      this.fds.set(t.file, fd);
    }
    const bytes = this.allocate(t.byteLength);
    const CHUNK = 1 << 30; // readSync reads at most 2 GiB at once
    for (let done = 0; done < t.byteLength; ) {
      const n = readSync(fd, bytes, done, Math.min(CHUNK, t.byteLength - done), t.offset + done);
      if (n === 0) throw new FormatError(t.file, `truncated: tensor "${t.name}" ends past the end of the file`);
      done += n;
    }
    return new Tensor(t.dtype, t.shape, bytes);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
