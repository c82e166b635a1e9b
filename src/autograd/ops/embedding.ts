/**
 * Embedding lookup.
 *   forward:  y[i] = W[ids[i]]            W (V, C), y (n, C)
 *   backward: dW[ids[i]] += dy[i]          (rows looked up twice collect both gradients)
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function embedding(tape: Tape, table: Variable, ids: Int32Array, shape: readonly number[] = [ids.length]): Variable {
  const [V, C] = table.shape as [number, number];
  const y = tape.output([...shape, C]);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= V) throw new Error(`embedding: id ${id} outside the table of ${V} rows`);
    y.data.set(table.data.subarray(id * C, (id + 1) * C), i * C);
  }
  tape.record(() => {
    const dy = y.grad!;
    const dW = tape.grad(table);
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i]! * C;
      for (let c = 0; c < C; c++) dW[row + c] += dy[i * C + c]!;
    }
  });
  return y;
}
