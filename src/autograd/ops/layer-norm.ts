/**
 * LayerNorm over the last dimension C (biased variance, as PyTorch).
 *   forward:  x̂ = (x − μ) · r,  r = 1/√(σ² + eps);   y = x̂ ⊙ w + b   (b optional, as nanoGPT's bias=False)
 *   backward: g = dy ⊙ w;   dx = r · (g − mean(g) − x̂ · mean(g ⊙ x̂));   dw += Σ_rows dy ⊙ x̂;   db += Σ_rows dy
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function layerNorm(tape: Tape, x: Variable, w: Variable, b: Variable | undefined, eps: number): Variable {
  const C = x.columns;
  const rows = x.rows;
  const y = tape.output(x.shape);
  const xHat = tape.floats(x.size);
  const rstd = tape.floats(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x.data[o + c]!;
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x.data[o + c]! - mean) ** 2;
    const s = 1 / Math.sqrt(variance / C + eps);
    rstd[r] = s;
    for (let c = 0; c < C; c++) {
      const h = (x.data[o + c]! - mean) * s;
      xHat[o + c] = h;
      y.data[o + c] = h * w.data[c]! + (b ? b.data[c]! : 0);
    }
  }
  tape.record(() => {
    const dy = y.grad!;
    const dx = tape.grad(x);
    const dw = tape.grad(w);
    const db = b ? tape.grad(b) : undefined;
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      let meanG = 0;
      let meanGx = 0;
      for (let c = 0; c < C; c++) {
        const g = dy[o + c]! * w.data[c]!;
        meanG += g;
        meanGx += g * xHat[o + c]!;
        dw[c] += dy[o + c]! * xHat[o + c]!;
        if (db) db[c] += dy[o + c]!;
      }
      meanG /= C;
      meanGx /= C;
      const s = rstd[r]!;
      for (let c = 0; c < C; c++) dx[o + c] += s * (dy[o + c]! * w.data[c]! - meanG - xHat[o + c]! * meanGx);
    }
  });
  return y;
}
