/**
 * Memory for one training step: every activation and activation-gradient of a forward and backward pass is
 * bump-allocated here and released all at once by `reset()` before the next step, so a training loop
 * allocates nothing per op after its first step. The blocks come from the backend (wasm: inside its
 * memory, where its kernels read them in place, without copies).
 */
import type { Backend } from "../tensor/backend.js";

const BLOCK_FLOATS = 1 << 22; // 16 MiB per block by default

export class Arena {
  private readonly blocks: Float32Array[] = [];
  private block = 0; // index of the block being filled
  private used = 0; // floats used in that block

  /** @param blockFloats floats per block (bigger requests get a block of their own) */
  constructor(private readonly backend: Backend, private readonly blockFloats = BLOCK_FLOATS) {}

  /** n floats, contents undefined (ops that overwrite every element use this). */
  floats(n: number): Float32Array {
    const size = Math.ceil(n / 16) * 16; // keep 64-byte alignment for the SIMD kernels
    for (;;) {
      const current = this.blocks[this.block];
      if (current && this.used + size <= current.length) {
        const view = current.subarray(this.used, this.used + n);
        this.used += size;
        return view;
      }
      if (current && this.block + 1 < this.blocks.length) {
        this.block++;
        this.used = 0;
        continue;
      }
      this.blocks.push(allocateFloats(this.backend, Math.max(this.blockFloats, size)));
      this.block = this.blocks.length - 1;
      this.used = 0;
    }
  }

  /** n floats, all zero (gradients accumulate into these). */
  zeros(n: number): Float32Array {
    return this.floats(n).fill(0);
  }

  /** Releases everything handed out since the last reset (the blocks are kept for the next step). */
  reset(): void {
    this.block = 0;
    this.used = 0;
  }

  /** Floats held in blocks. */
  get capacity(): number {
    return this.blocks.reduce((sum, b) => sum + b.length, 0);
  }
}

/** Zeroed floats that live as long as the program: parameters, their gradients, optimizer moments. */
export function allocateFloats(backend: Backend, n: number): Float32Array {
  if (!backend.allocate) return new Float32Array(n);
  const bytes = backend.allocate(n * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, n);
}
