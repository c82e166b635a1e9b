/**
 * Linear layer.
 *   forward:  y (M, N) = x (M, K) · Wᵀ + b,  W (N, K) as PyTorch's nn.Linear stores it, b (N) optional
 *   backward: dx += dy · W      dW += dyᵀ · x      db += Σ_rows dy
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function linear(tape: Tape, x: Variable, w: Variable, b?: Variable): Variable {
  const [N, K] = w.shape as [number, number];
  if (x.columns !== K) throw new Error(`linear: x has ${x.columns} features, W (${N}, ${K}) expects ${K}`);
  const M = x.rows;
  const y = tape.output([...x.shape.slice(0, -1), N]);
  tape.backend.gemm(y.data, x.data, w.data, M, N, K, false, true, false);
  if (b) tape.backend.addBias(y.data, b.data);
  tape.record(() => {
    const dy = y.grad!;
    tape.backend.gemm(tape.grad(x), dy, w.data, M, K, N, false, false, true);
    tape.backend.gemm(tape.grad(w), dy, x.data, N, K, M, true, false, true);
    if (b) {
      const db = tape.grad(b);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) db[n] += dy[m * N + n]!;
    }
  });
  return y;
}
