/**
 * SwiGLU's gate (Llama's feed-forward): silu(g) ⊙ u, silu(g) = g · σ(g).
 *   forward:  y = g σ(g) ⊙ u
 *   backward: dg += dy ⊙ u ⊙ σ(g) (1 + g (1 − σ(g)))      du += dy ⊙ g σ(g)
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function swiglu(tape: Tape, gate: Variable, up: Variable): Variable {
  if (gate.size !== up.size) throw new Error("swiglu: gate and up projections differ in shape");
  const y = tape.output(gate.shape);
  for (let i = 0; i < y.size; i++) {
    const g = gate.data[i]!;
    y.data[i] = (g / (1 + Math.exp(-g))) * up.data[i]!;
  }
  tape.record(() => {
    const dy = y.grad!;
    const dg = tape.grad(gate);
    const du = tape.grad(up);
    for (let i = 0; i < y.size; i++) {
      const g = gate.data[i]!;
      const s = 1 / (1 + Math.exp(-g));
      dg[i] += dy[i]! * up.data[i]! * s * (1 + g * (1 - s));
      du[i] += dy[i]! * g * s;
    }
  });
  return y;
}
