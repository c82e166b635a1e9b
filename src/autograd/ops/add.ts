/**
 * Elementwise sum, the residual connection.
 *   forward:  y = a + b          (same shapes)
 *   backward: da += dy, db += dy
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function add(tape: Tape, a: Variable, b: Variable): Variable {
  if (a.size !== b.size) throw new Error(`add: shapes (${a.shape.join(", ")}) and (${b.shape.join(", ")}) differ`);
  const y = tape.output(a.shape);
  tape.backend.add(y.data, a.data, b.data);
  tape.record(() => {
    const dy = y.grad!;
    tape.backend.add(tape.grad(a), tape.grad(a), dy);
    tape.backend.add(tape.grad(b), tape.grad(b), dy);
  });
  return y;
}
