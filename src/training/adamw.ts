/**
 * AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW computes it, per element, in float32:
 *   p ← p · (1 − lr · λ)                                  decoupled weight decay (λ = 0 for norms and biases)
 *   m ← β₁ m + (1 − β₁) g                                 first moment
 *   v ← β₂ v + (1 − β₂) g²                                second moment
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)  bias-corrected step
 */
import { allocateFloats } from "../autograd/arena.js";
import type { Backend } from "../tensor/backend.js";
import type { Parameter } from "./models/parameters.js";

export interface AdamWOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export class AdamW {
  /** Steps taken (t in the bias corrections). */
  step = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(readonly parameters: readonly Parameter[], readonly options: AdamWOptions, private readonly backend: Backend) {
    this.m = parameters.map((p) => allocateFloats(backend, p.variable.size));
    this.v = parameters.map((p) => allocateFloats(backend, p.variable.size));
  }

  /** One update of every parameter from its gradient, at learning rate `lr`. */
  update(lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.step++;
    const common = { beta1, beta2, eps, stepSize: lr / (1 - beta1 ** this.step), correction2: Math.sqrt(1 - beta2 ** this.step) };
    this.parameters.forEach((parameter, i) => {
      const shrink = 1 - lr * (parameter.decay ? weightDecay : 0);
      this.backend.adamw(parameter.variable.data, parameter.variable.grad!, this.m[i]!, this.v[i]!, { ...common, shrink });
    });
  }
}
