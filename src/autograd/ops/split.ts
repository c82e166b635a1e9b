/**
 * Splits the last dimension into consecutive parts (GPT-2's fused c_attn output into q, k, v).
 *   forward:  part_j = x[..., o_j : o_j + w_j]
 *   backward: dx[..., o_j : o_j + w_j] += dpart_j
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function splitColumns(tape: Tape, x: Variable, widths: readonly number[]): Variable[] {
  const C = x.columns;
  if (widths.reduce((a, b) => a + b, 0) !== C) throw new Error(`split: widths ${widths.join("+")} do not add up to ${C}`);
  const rows = x.rows;
  let offset = 0;
  return widths.map((w) => {
    const o = offset;
    offset += w;
    const part = tape.output([...x.shape.slice(0, -1), w]);
    for (let r = 0; r < rows; r++) part.data.set(x.data.subarray(r * C + o, r * C + o + w), r * w);
    tape.record(() => {
      const dx = tape.grad(x);
      const dp = part.grad!;
      for (let r = 0; r < rows; r++) for (let c = 0; c < w; c++) dx[r * C + o + c] += dp[r * w + c]!;
    });
    return part;
  });
}
