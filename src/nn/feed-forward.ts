/**
 * Position-wise feed-forward networks. Legend: T = positions, C = channels, F = hidden (ffn) size.
 *   GELU MLP (GPT-2):        y = Wproj · GELU(Wfc · x + bfc) + bproj
 *   SwiGLU (Shazeer 2020):   y = Wdown · (SiLU(Wgate · x) ⊙ (Wup · x))       (Llama and kin)
 */
import type { Backend } from "../tensor/backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { freshFloats, type Floats } from "./activations.js";
import { linear, linears } from "./linear.js";

export interface GeluMlpWeights {
  readonly fc: Tensor; // (F, C)
  readonly fcBias?: Float32Array; // (F)
  readonly proj: Tensor; // (C, F)
  readonly projBias?: Float32Array; // (C)
}

export interface SwiGluWeights {
  readonly gate: Tensor; // (F, C)
  readonly up: Tensor; // (F, C)
  readonly down: Tensor; // (C, F)
}

/** y (T, C) = proj(GELU(fc(x))). */
export function geluMlp(backend: Backend, x: Float32Array, T: number, w: GeluMlpWeights, alloc: Floats = freshFloats): Float32Array {
  const h = linear(backend, x, T, w.fc, w.fcBias, alloc); // (T, F)
  backend.geluTanh(h);
  return linear(backend, h, T, w.proj, w.projBias, alloc); // (T, C)
}

/** y (T, C) = down(SiLU(gate(x)) ⊙ up(x)). */
export function swiGlu(backend: Backend, x: Float32Array, T: number, w: SwiGluWeights, alloc: Floats = freshFloats): Float32Array {
  const [gate, up] = linears(backend, x, T, [w.gate, w.up], [], alloc) as [Float32Array, Float32Array]; // (T, F) each
  backend.swiglu(gate, gate, up); // SiLU(gate) ⊙ up in one pass
  return linear(backend, gate, T, w.down, undefined, alloc); // (T, C)
}
