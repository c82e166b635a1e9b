/**
 * LayerNorm over the last dimension C (biased variance, as PyTorch).
 *   forward:  x̂ = (x − μ) · r,  r = 1/√(σ² + eps);   y = x̂ ⊙ w + b   (b optional, as nanoGPT's bias=False)
 *   backward: g = dy ⊙ w;   dx = r · (g − mean(g) − x̂ · mean(g ⊙ x̂));   dw += Σ_rows dy ⊙ x̂;   db += Σ_rows dy
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function layerNorm(tape: Tape, x: Variable, w: Variable, b: Variable | undefined, eps: number): Variable {
  const C = x.columns;
  const y = tape.output(x.shape);
  const xHat = tape.floats(x.size); // saved for the backward pass
  const rstd = tape.floats(x.rows);
  tape.backend.layerNormForward(y.data, xHat, rstd, x.data, w.data, b?.data, C, eps);
  tape.record(() => {
    tape.backend.layerNormBackward(tape.grad(x), tape.grad(w), b ? tape.grad(b) : undefined, y.grad!, xHat, rstd, w.data, C);
  });
  return y;
}
