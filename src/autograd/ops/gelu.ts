/**
 * GELU, tanh form (GPT-2's "gelu_new"; PyTorch's GELU(approximate="tanh")).
 *   forward:  y = ½ x (1 + tanh u),  u = √(2/π) (x + 0.044715 x³)
 *   backward: dx += dy · [½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²)]
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function gelu(tape: Tape, x: Variable): Variable {
  const y = tape.output(x.shape);
  y.data.set(x.data);
  tape.backend.geluTanh(y.data);
  tape.record(() => tape.backend.geluTanhBackward(tape.grad(x), y.grad!, x.data));
  return y;
}
