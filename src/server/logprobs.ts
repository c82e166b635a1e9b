/**
 * Log-probabilities for OpenAI's `logprobs`: log softmax of the raw logits (before temperature and
 * truncation, as OpenAI reports them), the sampled token's and the `top` most likely.
 */
export interface TokenLogprob {
  readonly id: number;
  readonly logprob: number;
  readonly top: { id: number; logprob: number }[];
}

export function tokenLogprob(logits: Float32Array, id: number, top: number): TokenLogprob {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const best: { id: number; logprob: number }[] = [];
  if (top > 0) {
    // partial selection: keep the `top` largest in a small sorted list
    for (let i = 0; i < logits.length; i++) {
      const lp = logits[i]! - logZ;
      if (best.length < top || lp > best[best.length - 1]!.logprob) {
        best.push({ id: i, logprob: lp });
        best.sort((a, b) => b.logprob - a.logprob);
        if (best.length > top) best.pop();
      }
    }
  }
  return { id, logprob: logits[id]! - logZ, top: best };
}
