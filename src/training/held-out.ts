/**
 * Held-out losses over a whole split, for comparing a model with a baseline on exactly the same tokens:
 *   - the model: consecutive windows of T + 1 tokens (sharing their boundary token), every next token
 *     predicted from its window's context;
 *   - a count-based bigram model: P(b | a) = (count(a, b) + α · P(b)) / (count(a) + α), counts from the
 *     training split, interpolated with the unigram distribution P(b) (add-one smoothed) so that no
 *     probability is zero; α is chosen on the held-out split itself (a generous baseline).
 * Both return the mean negative log-likelihood per predicted token, in nats.
 */
import { Tape } from "../autograd/tape.js";
import type { Backend } from "../tensor/backend.js";
import type { TrainableModel } from "./models/trainable.js";
import { evaluateLoss } from "./step.js";

export function modelHeldOutLoss(model: TrainableModel, backend: Backend, tokens: Uint32Array, B = 8): { loss: number; tokens: number } {
  const T = model.shape.blockSize;
  const tape = new Tape(backend);
  const starts: number[] = [];
  for (let s = 0; s + T < tokens.length; s += T) starts.push(s);
  let total = 0;
  let counted = 0;
  for (let i = 0; i < starts.length; i += B) {
    const group = starts.slice(i, i + B);
    const ids = new Int32Array(group.length * T);
    const targets = new Int32Array(group.length * T);
    group.forEach((s, b) => {
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = tokens[s + t]!;
        targets[b * T + t] = tokens[s + t + 1]!;
      }
    });
    total += evaluateLoss(model, tape, { ids, targets, B: group.length, T }) * group.length * T;
    counted += group.length * T;
  }
  return { loss: total / counted, tokens: counted };
}

export function bigramHeldOutLoss(train: Uint32Array, heldOut: Uint32Array, vocabSize: number): { loss: number; alpha: number; tokens: number } {
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
  let best = { loss: Infinity, alpha: 0, tokens: heldOut.length - 1 };
  for (const alpha of [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300]) {
    let total = 0;
    for (let i = 0; i + 1 < heldOut.length; i++) {
      const [a, b] = [heldOut[i]!, heldOut[i + 1]!];
      const p = ((pairs.get(a * vocabSize + b) ?? 0) + (alpha * unigram[b]!) / unigramTotal) / (firsts[a]! + alpha);
      total -= Math.log(p);
    }
    const loss = total / (heldOut.length - 1);
    if (loss < best.loss) best = { loss, alpha, tokens: heldOut.length - 1 };
  }
  return best;
}
