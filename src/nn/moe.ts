/**
 * Sparse Mixture of Experts (Shazeer et al. 2017; Mixtral, Jiang et al. 2024).
 * Legend: T = positions, C = channels, E = experts, k = experts used per position.
 *
 *   router logits r = x Wrᵀ                          (T, E)
 *   p = softmax(r) over all E experts; keep the top k; renormalize them to sum to 1
 *   y[t] = Σ_{e ∈ topk(t)} p̂[t, e] · SwiGLU_e(x[t])   (T, C)
 */
import type { Backend } from "../tensor/backend.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tracer } from "../trace/trace.js";
import { swiGlu, type SwiGluWeights } from "./feed-forward.js";
import { linear } from "./linear.js";

export interface MoeWeights {
  readonly router: Tensor; // (E, C)
  readonly experts: readonly SwiGluWeights[]; // E of them
}

/** The k experts with the highest probability at one position and their renormalized weights. */
export function routeTopK(probs: Float32Array, k: number): { experts: number[]; weights: number[] } {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b); // ties: lower index first, as torch.topk
  const experts = order.slice(0, k);
  const total = experts.reduce((s, e) => s + probs[e]!, 0);
  return { experts, weights: experts.map((e) => probs[e]! / total) };
}

/** y (T, C) = Σ over each position's top-k experts of weight · expert(x). */
export function mixtureOfExperts(backend: Backend, x: Float32Array, T: number, w: MoeWeights, k: number, tracer: Tracer, layer: number): Float32Array {
  const C = x.length / T;
  const E = w.experts.length;
  const probs = linear(backend, x, T, w.router); // (T, E)
  backend.softmax(probs, E);
  const y = new Float32Array(T * C);
  const chosen = new Float32Array(T * k);
  const chosenWeights = new Float32Array(T * k);
  for (let t = 0; t < T; t++) {
    const { experts, weights } = routeTopK(probs.subarray(t * E, (t + 1) * E), k);
    const xt = x.subarray(t * C, (t + 1) * C);
    experts.forEach((e, j) => {
      const out = swiGlu(backend, xt, 1, w.experts[e]!); // (1, C)
      for (let c = 0; c < C; c++) y[t * C + c]! += weights[j]! * out[c]!;
      chosen[t * k + j] = e;
      chosenWeights[t * k + j] = weights[j]!;
    });
  }
  if (tracer.enabled) {
    tracer.record("moe_experts", chosen, [T, k], layer);
    tracer.record("moe_weights", chosenWeights, [T, k], layer);
  }
  return y;
}
