/**
 * How close glassbox's logits are to llama.cpp's, position by position (the cross-check scripts' measure):
 * the worst per-position max|a − b| / max|ref|, and at how many positions the argmax is the same.
 *   logits: Float32Array (positions × V), glassbox's;  reference: number[][] (positions × V), llama.cpp's
 */
export function logitAgreement(logits, reference, positions, V) {
  let worst = 0;
  let sameArgmax = 0;
  for (let p = 0; p < positions; p++) {
    const ref = reference[p];
    let maxDiff = 0, maxRef = 0, a = 0, b = 0;
    for (let i = 0; i < V; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(logits[p * V + i] - ref[i]));
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
      if (logits[p * V + i] > logits[p * V + a]) a = i;
      if (ref[i] > ref[b]) b = i;
    }
    worst = Math.max(worst, maxDiff / maxRef);
    if (a === b) sameArgmax++;
  }
  return { worst, sameArgmax };
}
