/**
 * Next-token cross-entropy, fused with the softmax (one pass, and the gradient needs no log):
 *   forward:  loss = −(1/n) Σ_i log softmax(logits_i)[target_i]     over the n rows whose target ≥ 0
 *   backward: dlogits_i = dloss · (softmax(logits_i) − onehot(target_i)) / n      (0 for ignored rows)
 * Targets < 0 are ignored (prompt tokens in fine-tuning).
 */
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function crossEntropy(tape: Tape, logits: Variable, targets: Int32Array): Variable {
  const V = logits.columns;
  const rows = logits.rows;
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows of logits`);
  const probs = tape.floats(logits.size);
  let total = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits.data[o + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[o + v] = Math.exp(logits.data[o + v]! - max);
    for (let v = 0; v < V; v++) probs[o + v] = probs[o + v]! / sum;
    const target = targets[r]!;
    if (target < 0) continue;
    if (target >= V) throw new Error(`crossEntropy: target ${target} outside the vocabulary of ${V}`);
    total += max + Math.log(sum) - logits.data[o + target]!; // −log softmax[target], computed stably
    counted++;
  }
  const loss = tape.output([1]);
  loss.data[0] = counted > 0 ? total / counted : 0;
  tape.record(() => {
    const scale = loss.grad![0]! / Math.max(counted, 1);
    const d = tape.grad(logits);
    for (let r = 0; r < rows; r++) {
      const target = targets[r]!;
      if (target < 0) continue;
      const o = r * V;
      for (let v = 0; v < V; v++) d[o + v] += scale * (probs[o + v]! - (v === target ? 1 : 0));
    }
  });
  return loss;
}
