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
  for (const target of targets) if (target >= V) throw new Error(`crossEntropy: target ${target} outside the vocabulary of ${V}`);
  const probs = tape.floats(logits.size);
  const losses = tape.floats(rows);
  tape.backend.crossEntropy(probs, losses, logits.data, targets, V);
  let total = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (targets[r]! < 0) continue;
    total += losses[r]!;
    counted++;
  }
  const loss = tape.output([1]);
  loss.data[0] = counted > 0 ? total / counted : 0;
  tape.record(() => tape.backend.crossEntropyBackward(tape.grad(logits), probs, targets, V, loss.grad![0]! / Math.max(counted, 1)));
  return loss;
}
