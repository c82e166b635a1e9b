/**
 * Dropout (training only): each element is kept with probability 1 − p and scaled by 1/(1 − p), so the
 * expected value is unchanged; p = 0 is the identity and records nothing.
 *   forward:  y = x ⊙ mask / (1 − p),  mask_i ~ Bernoulli(1 − p)
 *   backward: dx += dy ⊙ mask / (1 − p)
 */
import type { Rng } from "../../core/rng.js";
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function dropout(tape: Tape, x: Variable, p: number, rng: Rng): Variable {
  if (p <= 0) return x;
  const y = tape.output(x.shape);
  const scaled = tape.floats(x.size); // mask / (1 − p): 0 or 1/(1 − p)
  const keep = 1 / (1 - p);
  for (let i = 0; i < x.size; i++) {
    scaled[i] = rng.next() >= p ? keep : 0;
    y.data[i] = x.data[i]! * scaled[i]!;
  }
  tape.record(() => {
    const dy = y.grad!;
    const dx = tape.grad(x);
    for (let i = 0; i < x.size; i++) dx[i] += dy[i]! * scaled[i]!;
  });
  return y;
}
