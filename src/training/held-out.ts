/**
 * Held-out losses over a split, for comparing a model with a baseline on exactly the same predictions:
 *   - the plan: windows of T + 1 tokens that overlap by half; in each, the second half of the next-token
 *     predictions is scored (all of the first window's), so every scored token has at least T/2 tokens of
 *     context — the way llama-perplexity scores a text (src/generation/perplexity.ts). `every` keeps one
 *     window in `every`, spread over the whole split (a cheaper estimate of the same quantity);
 *   - the model: mean −log p(token | its window's context);
 *   - a count-based bigram model on the same scored tokens: P(b | a) = (count(a, b) + α · P(b)) /
 *     (count(a) + α), counts from the training split, interpolated with the add-one unigram P(b) so that
 *     nothing has zero probability, α chosen on the held-out tokens themselves (a generous baseline).
 * Both in nats per predicted token.
 */
import { Tape } from "../autograd/tape.js";
import type { Backend } from "../tensor/backend.js";
import type { TrainableModel } from "./models/trainable.js";
import { evaluateLoss } from "./step.js";

export interface Window {
  readonly start: number; // inputs tokens[start .. start + T − 1], targets one further
  readonly scoredFrom: number; // positions t ≥ scoredFrom are scored
}

export function heldOutWindows(length: number, T: number, every = 1): Window[] {
  const half = Math.floor(T / 2);
  const windows: Window[] = [];
  for (let s = 0, i = 0; s + T < length; s += half, i++) if (i % every === 0) windows.push({ start: s, scoredFrom: s === 0 ? 0 : half });
  return windows;
}

export function modelHeldOutLoss(model: TrainableModel, backend: Backend, tokens: Uint32Array, windows: readonly Window[], B = 8): { loss: number; tokens: number } {
  const T = model.shape.blockSize;
  const tape = new Tape(backend);
  let total = 0;
  let counted = 0;
  for (let i = 0; i < windows.length; i += B) {
    const group = windows.slice(i, i + B);
    const ids = new Int32Array(group.length * T);
    const targets = new Int32Array(group.length * T);
    let scored = 0;
    group.forEach(({ start, scoredFrom }, b) => {
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = tokens[start + t]!;
        targets[b * T + t] = t >= scoredFrom ? tokens[start + t + 1]! : -1; // < 0: not scored
        if (t >= scoredFrom) scored++;
      }
    });
    total += evaluateLoss(model, tape, { ids, targets, B: group.length, T }) * scored;
    counted += scored;
  }
  return { loss: total / counted, tokens: counted };
}

export function bigramHeldOutLoss(train: Uint32Array, heldOut: Uint32Array, vocabSize: number, windows: readonly Window[], T: number): { loss: number; alpha: number; tokens: number } {
  const unigram = new Float64Array(vocabSize).fill(1);
  for (const id of train) unigram[id]++;
  const unigramTotal = train.length + vocabSize;
  const pairs = new Map<number, number>(); // a · V + b → count
  const firsts = new Float64Array(vocabSize);
  for (let i = 0; i + 1 < train.length; i++) {
    const key = train[i]! * vocabSize + train[i + 1]!;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    firsts[train[i]!]++;
  }
  // the positions the model scores: target start + t + 1 for t ≥ scoredFrom, predicted from the token before
  const targets: number[] = [];
  for (const { start, scoredFrom } of windows) for (let t = scoredFrom; t < T; t++) targets.push(start + t + 1);
  let best = { loss: Infinity, alpha: 0, tokens: targets.length };
  for (const alpha of [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300]) {
    let total = 0;
    for (const p of targets) {
      const [a, b] = [heldOut[p - 1]!, heldOut[p]!];
      total -= Math.log(((pairs.get(a * vocabSize + b) ?? 0) + (alpha * unigram[b]!) / unigramTotal) / (firsts[a]! + alpha));
    }
    const loss = total / targets.length;
    if (loss < best.loss) best = { loss, alpha, tokens: targets.length };
  }
  return best;
}
