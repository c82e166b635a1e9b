/**
 * The sampler chain (samplers.ts) computed on typed arrays: the same steps in the same order with the same
 * floating-point operations, so the same token for the same logits, history and draw (tested against the
 * chain on random inputs), without an object per token of the vocabulary.
 *
 * Why: the chain as objects builds a Candidate per token for each step and sorts all of them for top-k.
 * With glassbox generate's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05) over a 32000-token
 * vocabulary that took ~26 ms a token, five times a stories110M q4_0 decode step. Here penalties touch only
 * the ids in the history, top-k keeps its k best in one pass (an insertion into a sorted list of k), and
 * top-p, min-p and the draw then see k candidates: well under a millisecond.
 *
 * Covered: every option but a fractional top-k; logits with NaN (whose order the chain's sort leaves to
 * the engine) stay with the chain.
 */
import type { SamplingOptions } from "./samplers.js";

/**
 * The chain's token for options `o`: penalties, then argmax at temperature 0, else temperature, top-k,
 * top-p, min-p and the draw with r ∈ [0, 1). Undefined, before any draw, for what is left to the chain: a
 * fractional top-k (the chain's slice(0, k) truncates it) or a NaN logit.
 */
export function sampleArrays(o: SamplingOptions, logits: Float32Array, history: readonly number[], r: () => number): number | undefined {
  const k = o.topK ?? 0;
  if (k > 0 && !Number.isInteger(k)) return undefined;
  const V = logits.length;
  const work = new Float64Array(logits); // the chain's logits are numbers (f64) from the first step on
  for (let id = 0; id < V; id++) if (work[id] !== work[id]) return undefined; // NaN
  const lastN = o.repetitionLastN ?? 64;
  const recent = history.slice(Math.max(0, history.length - lastN));
  const penalty = o.repetitionPenalty ?? 1;
  if (penalty !== 1) {
    // repetitionPenalty: each seen id once, / penalty when positive, × penalty otherwise
    for (const id of new Set(recent)) {
      if (id >= 0 && id < V) work[id] = work[id]! > 0 ? work[id]! / penalty : work[id]! * penalty;
    }
  }
  const [frequency, presence] = [o.frequencyPenalty ?? 0, o.presencePenalty ?? 0];
  if (frequency !== 0 || presence !== 0) {
    // frequencyPresencePenalty: logit − count · frequency − presence, for the ids seen
    const counts = new Map<number, number>();
    for (const id of recent) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) if (id >= 0 && id < V) work[id] = work[id]! - n * frequency - presence;
  }
  const t = o.temperature ?? 1;
  if (t === 0) return argmaxOf(work); // greedy: the highest logit, the lowest id among equals
  if (t !== 1) for (let id = 0; id < V; id++) work[id] = work[id]! / t;

  // the candidates, as the chain holds them: (id, logit) in its current order
  let ids: Int32Array, values: Float64Array;
  const truncated = k > 0 && k < V;
  if (truncated) [ids, values] = topKOf(work, k); // sorted: logit descending, then id ascending
  else {
    ids = new Int32Array(V);
    for (let id = 0; id < V; id++) ids[id] = id;
    values = work;
  }
  let n = ids.length;

  const p = o.topP ?? 1;
  if (p < 1) {
    // topP: the probabilities in the candidates' order, then the smallest most-likely prefix reaching p
    const probs = softmaxOf(values, n);
    if (truncated) {
      let cumulative = 0, keep = 0;
      while (keep < n && (keep === 0 || cumulative < p)) cumulative += probs[keep++]!;
      n = keep;
    } else [ids, values, n] = nucleusOf(work, probs, p); // candidates in id order: probs[id]
  }
  const minP = o.minP ?? 0;
  if (minP > 0) {
    // minP: logit ≥ the best + ln p, in the candidates' order
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, values[i]!);
    const threshold = max + Math.log(minP);
    const keptIds = new Int32Array(n), keptValues = new Float64Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (values[i]! >= threshold) [keptIds[kept], keptValues[kept++]] = [ids[i]!, values[i]!];
    }
    [ids, values, n] = [keptIds, keptValues, kept];
  }
  // pick: the inverse of the CDF of softmax(candidates) at r
  const probs = softmaxOf(values, n);
  const draw = r();
  let cumulative = 0;
  for (let i = 0; i < n; i++) {
    cumulative += probs[i]!;
    if (draw < cumulative) return ids[i]!;
  }
  return ids[n - 1]!; // draw within rounding of 1
}

/** The index of the largest value, the lowest among equals. */
function argmaxOf(values: Float64Array): number {
  let best = 0;
  for (let id = 1; id < values.length; id++) if (values[id]! > values[best]!) best = id;
  return best;
}

/**
 * The k largest values with their ids, ordered as the chain's sort orders them (value descending, then id
 * ascending): one pass over the vocabulary keeping the best k sorted, most values rejected by one comparison
 * with the k-th.
 */
function topKOf(values: Float64Array, k: number): [Int32Array, Float64Array] {
  const ids = new Int32Array(k), kept = new Float64Array(k);
  let n = 0;
  for (let id = 0; id < values.length; id++) {
    const v = values[id]!;
    // ids arrive in ascending order, so an equal value never goes before the ones already kept
    if (n === k && !(v > kept[k - 1]!)) continue;
    let at = n < k ? n++ : k - 1;
    for (; at > 0 && v > kept[at - 1]!; at--) [ids[at], kept[at]] = [ids[at - 1]!, kept[at - 1]!];
    [ids[at], kept[at]] = [id, v];
  }
  return [ids, kept];
}

/**
 * top-p's kept candidates when they are the whole vocabulary in id order (probs[id]): the most likely 64,
 * then 512, then all, sorted, until the prefix reaches p. A model's distribution usually puts p in its
 * first few dozen tokens, so the vocabulary is scanned, not sorted (sorting 32000 ids took ~15 ms).
 */
function nucleusOf(values: Float64Array, probs: Float64Array, p: number): [Int32Array, Float64Array, number] {
  for (const m of [64, 512, values.length]) {
    const [ids, kept] = m < values.length ? topKOf(values, m) : sortedOf(values);
    let cumulative = 0, keep = 0;
    while (keep < m && (keep === 0 || cumulative < p)) cumulative += probs[ids[keep++]!]!;
    if (!(cumulative < p) || m === values.length) return [ids, kept, keep]; // reached p (the whole order agrees on this prefix)
  }
  throw new Error("unreachable: the last pass sorts every value");
}

/** Every value with its id, in the chain's sort order (value descending, then id ascending). */
function sortedOf(values: Float64Array): [Int32Array, Float64Array] {
  const ids = new Int32Array(values.length);
  for (let id = 0; id < ids.length; id++) ids[id] = id;
  ids.sort((a, b) => values[b]! - values[a]! || a - b);
  return [ids, Float64Array.from(ids, (id) => values[id]!)];
}

/** softmax of the first n values, operation for operation as the chain's softmaxOf: exp(v − max), their sum
 *  from the first, each over the sum. */
function softmaxOf(values: Float64Array, n: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, values[i]!);
  const probs = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i] = Math.exp(values[i]! - max);
  for (let i = 0; i < n; i++) probs[i] = probs[i]! / sum;
  return probs;
}
