/**
 * Sampling as a chain of small pure steps (transformers.js logits processors, llama.cpp's sampler chain).
 * Each step takes the candidate tokens with their logits and returns a new list; the last step, `pick`,
 * draws one id with a random number passed in, so a seed makes a run reproducible and tests can choose
 * the draw.
 *
 *   pick(applyChain([repetitionPenalty(1.1), temperature(0.8), topK(40), topP(0.95)], logits, history), rng.next())
 */

import { sampleArrays } from "./sampler-arrays.js";

export interface Candidate {
  readonly id: number;
  readonly logit: number;
}

/** One step of the chain. `history` is every id so far (prompt and generated), for penalties. */
export type SamplerStep = (candidates: readonly Candidate[], history: readonly number[]) => Candidate[];

export function candidatesFrom(logits: Float32Array): Candidate[] {
  return Array.from(logits, (logit, id) => ({ id, logit }));
}

export function applyChain(steps: readonly SamplerStep[], logits: Float32Array, history: readonly number[]): Candidate[] {
  return steps.reduce<Candidate[]>((c, step) => step(c, history), candidatesFrom(logits));
}

/** Probabilities of the candidates: softmax of their logits. */
export function softmaxOf(candidates: readonly Candidate[]): number[] {
  const max = Math.max(...candidates.map((c) => c.logit));
  const exps = candidates.map((c) => Math.exp(c.logit - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function sortedByLogit(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => b.logit - a.logit || a.id - b.id);
}

/**
 * Repetition penalty (Keskar et al. 2019, CTRL; as HF and llama.cpp): a token already seen gets its logit
 * divided by `penalty` when positive and multiplied when negative, so it is always less likely.
 * Only the last `lastN` ids of history count (all when omitted).
 */
export function repetitionPenalty(penalty: number, lastN = Infinity): SamplerStep {
  return (candidates, history) => {
    if (penalty === 1) return [...candidates];
    const seen = new Set(history.slice(Math.max(0, history.length - lastN)));
    return candidates.map((c) => (seen.has(c.id) ? { id: c.id, logit: c.logit > 0 ? c.logit / penalty : c.logit * penalty } : c));
  };
}

/**
 * OpenAI's frequency and presence penalties: logit −= count · frequency + (count > 0) · presence,
 * count = occurrences of the token in the last `lastN` ids of history (as llama.cpp's penalties sampler).
 */
export function frequencyPresencePenalty(frequency: number, presence: number, lastN = Infinity): SamplerStep {
  return (candidates, history) => {
    if (frequency === 0 && presence === 0) return [...candidates];
    const counts = new Map<number, number>();
    for (const id of history.slice(Math.max(0, history.length - lastN))) counts.set(id, (counts.get(id) ?? 0) + 1);
    return candidates.map((c) => {
      const n = counts.get(c.id) ?? 0;
      return n ? { id: c.id, logit: c.logit - n * frequency - presence } : c;
    });
  };
}

/** logit / T: T < 1 sharpens, T > 1 flattens. (T = 0 means greedy: use `greedy` instead.) */
export function temperature(t: number): SamplerStep {
  return (candidates) => candidates.map((c) => ({ id: c.id, logit: c.logit / t }));
}

/** Keeps the k most likely tokens (k ≤ 0: keep all). */
export function topK(k: number): SamplerStep {
  return (candidates) => (k <= 0 || k >= candidates.length ? [...candidates] : sortedByLogit(candidates).slice(0, k));
}

/**
 * Nucleus sampling (Holtzman et al. 2019): the smallest set of most likely tokens whose probabilities sum
 * to at least p. Always keeps at least one.
 */
export function topP(p: number): SamplerStep {
  return (candidates) => {
    if (p >= 1) return [...candidates];
    // the probabilities in the candidates' own order (the normalizing sum needs no sorting: so a fast
    // implementation can find the most likely few without sorting the whole vocabulary, sampler-arrays.ts)
    const probs = softmaxOf(candidates);
    const order = candidates.map((_, i) => i).sort((a, b) => candidates[b]!.logit - candidates[a]!.logit || candidates[a]!.id - candidates[b]!.id);
    let cumulative = 0;
    let keep = 0;
    while (keep < order.length && (keep === 0 || cumulative < p)) cumulative += probs[order[keep++]!]!;
    return order.slice(0, keep).map((i) => candidates[i]!);
  };
}

/** Min-p (Nguyen et al. 2024): keeps tokens at least p times as likely as the most likely one. */
export function minP(p: number): SamplerStep {
  return (candidates) => {
    if (p <= 0) return [...candidates];
    const max = Math.max(...candidates.map((c) => c.logit));
    const threshold = max + Math.log(p); // prob ≥ p · maxProb  ⇔  logit ≥ maxLogit + ln p
    return candidates.filter((c) => c.logit >= threshold);
  };
}

/** The most likely token (ties: the lowest id). */
export function greedy(candidates: readonly Candidate[]): number {
  let best = candidates[0]!;
  for (const c of candidates) if (c.logit > best.logit || (c.logit === best.logit && c.id < best.id)) best = c;
  return best.id;
}

/** The id of the largest logit, the lowest id among equals: greedy(candidatesFrom(logits)) without the candidates. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let id = 1; id < logits.length; id++) if (logits[id]! > logits[best]!) best = id;
  return best;
}

/** Draws a token from softmax(candidates) with the uniform number r ∈ [0, 1): inverse of the CDF. */
export function pick(candidates: readonly Candidate[], r: number): number {
  const probs = softmaxOf(candidates);
  let cumulative = 0;
  for (let i = 0; i < candidates.length; i++) {
    cumulative += probs[i]!;
    if (r < cumulative) return candidates[i]!.id;
  }
  return candidates[candidates.length - 1]!.id; // r within rounding of 1
}

export interface SamplingOptions {
  readonly temperature?: number; // default 1; 0 = greedy
  readonly topK?: number; // default 0 (off)
  readonly topP?: number; // default 1 (off)
  readonly minP?: number; // default 0 (off)
  readonly repetitionPenalty?: number; // default 1 (off)
  readonly repetitionLastN?: number; // default 64, as llama.cpp
  readonly frequencyPenalty?: number; // default 0
  readonly presencePenalty?: number; // default 0
}

/**
 * The chain for a set of options, in Hugging Face's order: penalties, temperature, then the truncations
 * (top-k, top-p, min-p) on the tempered distribution. At temperature 0 only the penalties run, then argmax.
 */
export interface SamplerChain {
  readonly steps: SamplerStep[];
  readonly greedy: boolean;
  /** the options the steps were made from (sampleToken computes them on arrays: sampler-arrays.ts) */
  readonly options: SamplingOptions;
}

export function samplerChain(o: SamplingOptions): SamplerChain {
  const steps: SamplerStep[] = [];
  const lastN = o.repetitionLastN ?? 64;
  if ((o.repetitionPenalty ?? 1) !== 1) steps.push(repetitionPenalty(o.repetitionPenalty!, lastN));
  if (o.frequencyPenalty || o.presencePenalty) steps.push(frequencyPresencePenalty(o.frequencyPenalty ?? 0, o.presencePenalty ?? 0, lastN));
  const t = o.temperature ?? 1;
  if (t === 0) return { steps, greedy: true, options: o };
  if (t !== 1) steps.push(temperature(t));
  if (o.topK) steps.push(topK(o.topK));
  if ((o.topP ?? 1) < 1) steps.push(topP(o.topP!));
  if (o.minP) steps.push(minP(o.minP));
  return { steps, greedy: false, options: o };
}

/**
 * The next token: the chain's steps over the logits, then argmax (greedy) or a draw with `r` ∈ [0, 1).
 * Computed on typed arrays where sampler-arrays.ts covers the options and logits (the same token; as objects the
 * CLI's defaults took ~26 ms a token over a 32000-token vocabulary), else by the steps themselves.
 */
export function sampleToken(chain: SamplerChain, logits: Float32Array, history: readonly number[], r: () => number): number {
  if (chain.greedy && chain.steps.length === 0) return argmax(logits); // greedy's answer without a candidate object per token of the vocabulary
  const id = sampleArrays(chain.options, logits, history, r);
  if (id !== undefined) return id;
  const candidates = applyChain(chain.steps, logits, history);
  return chain.greedy ? greedy(candidates) : pick(candidates, r());
}
