/**
 * The learning-rate schedule nanoGPT uses: linear warmup over `warmup` steps, then a half cosine from
 * `lr` down to `minLr` at step `decaySteps`, then `minLr`:
 *   step < warmup:            lr · (step + 1) / (warmup + 1)
 *   warmup ≤ step ≤ decay:    minLr + ½ (1 + cos(π · (step − warmup) / (decay − warmup))) · (lr − minLr)
 *   step > decay:             minLr
 */
export interface Schedule {
  readonly lr: number;
  readonly minLr: number;
  readonly warmup: number;
  readonly decaySteps: number;
}

export function learningRate(step: number, s: Schedule): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / (s.warmup + 1);
  if (step > s.decaySteps) return s.minLr;
  const ratio = s.decaySteps === s.warmup ? 1 : (step - s.warmup) / (s.decaySteps - s.warmup);
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (s.lr - s.minLr);
}
