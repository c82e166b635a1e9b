/**
 * Score-ordered BPE, as SentencePiece, llama.cpp's SPM tokenizer and llama2.c's run.c encode: repeatedly
 * merge the adjacent pair whose concatenation has the highest score, the leftmost on ties, until no
 * adjacent pair concatenates to a known piece.
 *
 *   ["▁", "h", "i"] with scores ▁h = -5, hi = -3, ▁hi = -1
 *   → "hi" (-3) beats "▁h" (-5):   ["▁", "hi"]  → "▁hi" (-1):  ["▁hi"]
 *
 * (tiktoken and Hugging Face BPE order merges by rank instead: see bpe.ts.)
 */

interface Candidate {
  readonly left: number;
  readonly right: number;
  readonly score: number;
  /** length of the merged text when queued: a mismatch later means the pair is stale */
  readonly length: number;
}

/**
 * @param symbols initial pieces (characters, bytes or tokens), merged in place
 * @param scoreOf score of the piece `left + right`, or undefined when it is not a piece
 * @param frozen  symbols that never merge (user-defined pieces)
 * @returns the final pieces, in order
 */
export function mergeByScore(symbols: string[], scoreOf: (left: string, right: string) => number | undefined, frozen?: readonly boolean[]): string[] {
  const n = symbols.length;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const agenda = new CandidateHeap();
  const consider = (left: number, right: number): void => {
    if (left < 0 || right < 0 || frozen?.[left] || frozen?.[right]) return;
    const score = scoreOf(symbols[left], symbols[right]);
    if (score !== undefined) agenda.push({ left, right, score, length: symbols[left].length + symbols[right].length });
  };
  for (let i = 1; i < n; i++) consider(i - 1, i);
  while (agenda.size > 0) {
    const top = agenda.pop();
    const left = symbols[top.left];
    const right = symbols[top.right];
    // stale: one side was absorbed (empty) or grew since this pair was queued
    if (left.length === 0 || right.length === 0 || left.length + right.length !== top.length) continue;
    symbols[top.left] = left + right;
    symbols[top.right] = "";
    next[top.left] = next[top.right];
    if (next[top.right] >= 0) prev[next[top.right]] = top.left;
    consider(prev[top.left], top.left);
    consider(top.left, next[top.left]);
  }
  const out: string[] = [];
  for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push(symbols[i]);
  return out;
}

/** A max-heap of candidates: highest score first, then the leftmost. */
class CandidateHeap {
  private readonly items: Candidate[] = [];
  get size(): number {
    return this.items.length;
  }
  private before(a: Candidate, b: Candidate): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(c: Candidate): void {
    const items = this.items;
    items.push(c);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }
  pop(): Candidate {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (l + 1 < items.length && this.before(items[l + 1], items[best])) best = l + 1;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}
