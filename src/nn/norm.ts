/**
 * Normalization of each position's vector of C channels.
 *   LayerNorm (Ba et al. 2016): y = (x − mean(x)) / √(var(x) + ε) ⊙ γ + β        (GPT-2)
 *   RMSNorm (Zhang & Sennrich 2019): y = x / √(mean(x²) + ε) ⊙ γ                  (Llama and kin)
 */
import type { Backend } from "../tensor/backend.js";
import { freshFloats, type Floats } from "./activations.js";

export interface NormWeights {
  readonly weight: Float32Array; // γ (C)
  readonly bias?: Float32Array; // β (C), LayerNorm only
}

export type NormKind = "layernorm" | "rmsnorm";

/** y (T, C) = norm(x (T, C)). */
export function norm(backend: Backend, kind: NormKind, x: Float32Array, w: NormWeights, eps: number, alloc: Floats = freshFloats): Float32Array {
  const y = alloc(x.length);
  const C = w.weight.length;
  if (kind === "rmsnorm") backend.rmsNorm(y, x, w.weight, C, eps);
  else backend.layerNorm(y, x, w.weight, w.bias ?? zeroBias(C), C, eps);
  return y;
}

/** β = 0 for a LayerNorm without bias: one array per width, not a new one per call. */
const ZERO_BIAS = new Map<number, Float32Array>();
function zeroBias(C: number): Float32Array {
  let zeros = ZERO_BIAS.get(C);
  if (!zeros) ZERO_BIAS.set(C, (zeros = new Float32Array(C)));
  return zeros;
}
