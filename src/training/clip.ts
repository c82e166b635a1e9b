/**
 * Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): with ‖g‖ the L2 norm of all gradients
 * together, every gradient is scaled by min(1, maxNorm / (‖g‖ + 1e-6)). Returns ‖g‖ before clipping.
 */
import type { Parameter } from "./models/parameters.js";

export function clipGradients(parameters: readonly Parameter[], maxNorm: number): number {
  let squares = 0;
  for (const p of parameters) {
    const g = p.variable.grad!;
    for (let i = 0; i < g.length; i++) squares += g[i]! * g[i]!;
  }
  const norm = Math.sqrt(squares);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  if (scale < 1) for (const p of parameters) { const g = p.variable.grad!; for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale; }
  return norm;
}
