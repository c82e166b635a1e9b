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
  tape.backend.swiglu(y.data, gate.data, up.data);
  tape.record(() => tape.backend.swigluBackward(tape.grad(gate), tape.grad(up), y.grad!, gate.data, up.data));
  return y;
}
