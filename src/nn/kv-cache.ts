import type { Backend } from "../tensor/backend.js";

/**
 * KV cache: the keys and values of every position seen so far, per layer, so that decoding one more token
 * costs one position of work instead of re-running the whole prefix.
 *   k[layer], v[layer]: (Hkv, capacity, hs); positions 0 .. length − 1 of each head are filled.
 * Head-major, so each head's history is one contiguous run that attention reads front to back (a thread
 * given some of the heads then streams its own part of memory, not pieces of every position's row).
 * Given a backend that allocates (wasm), the cache lives in the backend's memory, where its attention
 * kernel reads it without a copy; the memory goes back to the backend when the cache is collected.
 */
export class KvCache {
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  /** positions filled so far (the next token goes at position `length`) */
  length = 0;
  private owned?: { backend: Backend; bytes: Uint8Array }; // memory from the backend, when it allocates

  constructor(
    readonly nLayers: number,
    readonly capacity: number,
    readonly nKvHead: number,
    readonly headDim: number,
    backend?: Backend,
  ) {
    const size = capacity * nKvHead * headDim;
    if (backend?.allocate) {
      const bytes = backend.allocate(2 * nLayers * size * 4, this);
      this.owned = { backend, bytes };
      const all = new Float32Array(bytes.buffer, bytes.byteOffset, 2 * nLayers * size);
      this.k = Array.from({ length: nLayers }, (_, l) => all.subarray(2 * l * size, (2 * l + 1) * size));
      this.v = Array.from({ length: nLayers }, (_, l) => all.subarray((2 * l + 1) * size, (2 * l + 2) * size));
    } else {
      this.k = Array.from({ length: nLayers }, () => new Float32Array(size));
      this.v = Array.from({ length: nLayers }, () => new Float32Array(size));
    }
  }

  /** Copies k, v (T, Hkv, hs) into positions pos0 .. pos0 + T − 1 of a layer (each head to its own run). */
  write(layer: number, pos0: number, k: Float32Array, v: Float32Array): void {
    if (this.k.length === 0) throw new Error("KV cache used after release()");
    const { nKvHead: Hkv, headDim: hs, capacity } = this;
    const T = k.length / (Hkv * hs);
    if (pos0 + T > this.capacity) throw new RangeError(`KV cache holds ${this.capacity} positions; asked to write up to ${pos0 + T}`);
    const kl = this.k[layer]!, vl = this.v[layer]!;
    if (this.owned?.backend.writeCache) return this.owned.backend.writeCache(kl, vl, k, v, pos0, Hkv, hs);
    for (let t = 0; t < T; t++) {
      for (let g = 0; g < Hkv; g++) {
        const from = (t * Hkv + g) * hs, to = (g * capacity + pos0 + t) * hs;
        for (let i = 0; i < hs; i++) {
          kl[to + i] = k[from + i]!;
          vl[to + i] = v[from + i]!;
        }
      }
    }
  }

  /**
   * Gives the memory back to the backend now (a cache is otherwise reclaimed when it is garbage-collected,
   * which a process that makes big caches one after another may not reach soon enough). The cache is empty
   * and unusable afterwards.
   */
  release(): void {
    if (this.owned) this.owned.backend.release?.(this.owned.bytes);
    this.owned = undefined;
    this.length = 0;
    this.k.length = 0;
    this.v.length = 0;
  }

  /** Forgets positions from `length` on (e.g. to reuse a shared prompt prefix). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** Bytes held. */
  get bytes(): number {
    return 2 * this.nLayers * this.capacity * this.nKvHead * this.headDim * 4;
  }
}
