/**
 * GELU, tanh form (GPT-2's "gelu_new"; PyTorch's GELU(approximate="tanh")).
 *   forward:  y = ½ x (1 + tanh u),  u = √(2/π) (x + 0.044715 x³)
 *   backward: dx += dy · [½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²)]
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function gelu(tape: Tape, x: Variable): Variable {
  const y = tape.output(x.shape);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i]!;
    y.data[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
  }
  tape.record(() => {
    const dy = y.grad!;
    const dx = tape.grad(x);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i]!;
      const th = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
      dx[i] += dy[i]! * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v));
    }
  });
  return y;
}
