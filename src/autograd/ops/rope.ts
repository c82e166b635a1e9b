/**
 * Rotary position embedding, Hugging Face's pairing (dimension i with i + hs/2, "halves"), on x (B, T, H·hs):
 *   forward:  (a, b) → (a cos θ − b sin θ, a sin θ + b cos θ),  θ = t · invFreq[i],  t the position in the window
 *   backward: the same rotation by −θ (a rotation's transpose is its inverse):
 *             da += dy_a cos θ + dy_b sin θ,   db += −dy_a sin θ + dy_b cos θ
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function rope(tape: Tape, x: Variable, T: number, headDim: number, invFreq: Float32Array): Variable {
  const width = x.columns;
  const heads = width / headDim;
  const half = headDim / 2;
  const rows = x.rows; // B · T
  const y = tape.output(x.shape);
  // the angles depend only on (t, i): tabulate cos and sin once per call
  const cos = tape.floats(T * half);
  const sin = tape.floats(T * half);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * invFreq[i]!;
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  const rotate = (out: Float32Array, input: Float32Array, direction: 1 | -1, accumulate: boolean) => {
    for (let r = 0; r < rows; r++) {
      const t = r % T;
      for (let h = 0; h < heads; h++) {
        const o = r * width + h * headDim;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i]!;
          const s = direction * sin[t * half + i]!;
          const a = input[o + i]!;
          const b = input[o + i + half]!;
          const ra = a * c - b * s;
          const rb = a * s + b * c;
          if (accumulate) {
            out[o + i] += ra;
            out[o + i + half] += rb;
          } else {
            out[o + i] = ra;
            out[o + i + half] = rb;
          }
        }
      }
    }
  };
  rotate(y.data, x.data, 1, false);
  tape.record(() => rotate(tape.grad(x), y.grad!, -1, true));
  return y;
}
