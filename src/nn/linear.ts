/**
 * Linear layer and embedding lookup.
 * Legend: T = positions, K = in features, N = out features, V = vocabulary, C = channels.
 */
import type { Backend } from "../tensor/backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { freshFloats, type Floats } from "./activations.js";

/** y (T, N) = x (T, K) · Wᵀ + b, W (N, K) as a PyTorch nn.Linear stores it; y from `alloc` (activations.ts). */
export function linear(backend: Backend, x: Float32Array, T: number, w: Tensor, bias?: Float32Array, alloc: Floats = freshFloats): Float32Array {
  const y = alloc(T * w.rows);
  backend.matmul(y, x, w, T);
  if (bias) backend.addBias(y, bias);
  return y;
}

/** The linear layers [x · W₁ᵀ + b₁, x · W₂ᵀ + b₂, …] of one input (q, k, v; gate, up), computed together
 *  (Backend.matmuls: the input prepared once). */
export function linears(backend: Backend, x: Float32Array, T: number, ws: readonly Tensor[], biases: readonly (Float32Array | undefined)[] = [], alloc: Floats = freshFloats): Float32Array[] {
  const ys = ws.map((w) => alloc(T * w.rows));
  backend.matmuls(ys, x, ws, T);
  ys.forEach((y, i) => biases[i] && backend.addBias(y, biases[i]!));
  return ys;
}

/** x (T, C) = table (V, C)[ids]. */
export function embedding(backend: Backend, table: Tensor, ids: readonly number[], alloc: Floats = freshFloats): Float32Array {
  const x = alloc(ids.length * table.rowLength);
  backend.embedding(x, table, ids);
  return x;
}
