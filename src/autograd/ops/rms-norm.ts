/**
 * RMSNorm over the last dimension C (Llama).
 *   forward:  r = 1/√(mean(x²) + eps);   x̂ = x · r;   y = x̂ ⊙ w
 *   backward: g = dy ⊙ w;   dx = r · (g − x̂ · mean(g ⊙ x̂));   dw += Σ_rows dy ⊙ x̂
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function rmsNorm(tape: Tape, x: Variable, w: Variable, eps: number): Variable {
  const C = x.columns;
  const rows = x.rows;
  const y = tape.output(x.shape);
  const rms = tape.floats(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let squares = 0;
    for (let c = 0; c < C; c++) squares += x.data[o + c]! ** 2;
    const s = 1 / Math.sqrt(squares / C + eps);
    rms[r] = s;
    for (let c = 0; c < C; c++) y.data[o + c] = x.data[o + c]! * s * w.data[c]!;
  }
  tape.record(() => {
    const dy = y.grad!;
    const dx = tape.grad(x);
    const dw = tape.grad(w);
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      const s = rms[r]!;
      let meanGx = 0;
      for (let c = 0; c < C; c++) {
        const xHat = x.data[o + c]! * s;
        meanGx += dy[o + c]! * w.data[c]! * xHat;
        dw[c] += dy[o + c]! * xHat;
      }
      meanGx /= C;
      for (let c = 0; c < C; c++) dx[o + c] += s * (dy[o + c]! * w.data[c]! - x.data[o + c]! * s * meanGx);
    }
  });
  return y;
}
