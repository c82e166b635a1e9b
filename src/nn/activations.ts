/**
 * Where a forward pass puts the layers' outputs. By default each output is a fresh Float32Array. A model
 * can instead hand out arrays from an arena that it resets at the start of every pass (`ActivationArena`):
 * a decode step then allocates nothing per layer (no garbage for the collector), and with a backend that
 * allocates (wasm) the arrays live in the backend's own memory, where its kernels read and write them in
 * place instead of copying each input in and each output out.
 */
import { Arena } from "../autograd/arena.js";
import type { Backend } from "../tensor/backend.js";

/** n floats for one output. Every layer writes each element of its outputs, so their contents on arrival
 *  do not matter (an arena hands back the last pass's values: zeroing them, a slow element-by-element fill
 *  on shared wasm memory, was 1% of a decode step). */
export type Floats = (n: number) => Float32Array;

/** A fresh array per output (what the layers use when given nothing else). */
export const freshFloats: Floats = (n) => new Float32Array(n);

// 1 MiB blocks: a stories110M decode step needs ~0.13 M floats (one block), a 7B model's ~1.5 M (a few),
// and a tiny test model does not hold 16 MiB of wasm memory for its arena
const BLOCK_FLOATS = 1 << 18;

/**
 * The activations of one forward pass at a time. Passes over more than `maxRows` positions get fresh
 * arrays instead: an arena keeps its largest pass's memory for good, and a long prompt's activations
 * (T × the hidden size, per layer) are not worth holding on to for the sake of its copies.
 */
export class ActivationArena {
  private readonly arena: Arena;
  private readonly floats: Floats;

  constructor(backend: Backend, readonly maxRows = 16) {
    this.arena = new Arena(backend, BLOCK_FLOATS);
    this.floats = (n) => this.arena.floats(n);
  }

  /** Starts a pass over T positions: everything handed out by the last pass is taken back. */
  begin(T: number): Floats {
    if (T > this.maxRows) return freshFloats;
    this.arena.reset();
    return this.floats;
  }
}
