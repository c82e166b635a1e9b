/**
 * Training a byte-level BPE tokenizer, as minbpe's RegexTokenizer does: split the text with a regex, start
 * from the 256 bytes, and repeatedly merge the most frequent adjacent pair into a new token.
 *
 *   "aaabdaaabac", 3 merges:  (a,a)→256  (256,a)→257  (257,b)→258   →  [258, 100, 258, 97, 99]
 *
 * Ties go to the pair that occurs first in the text, as minbpe's dict order gives. Counting is
 * incremental: identical chunks are counted once with their frequency, and a merge only recounts the
 * chunks that contain the merged pair — not the whole text.
 */
import { utf8Encode } from "../../core/utf8.js";
import { compilePattern, SPLIT_PATTERNS } from "../regex.js";

export interface TrainOptions {
  /** Total vocabulary: 256 bytes + merges + special tokens. */
  readonly vocabSize: number;
  /** Split pattern: "gpt4" (cl100k), "gpt2", "none" (the whole text is one chunk), or a regex. */
  readonly pattern?: "gpt4" | "gpt2" | "none" | { regex: string };
  readonly specialTokens?: readonly string[];
  /** Called after each merge with (merges done, merges wanted). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TrainedBpe {
  /** merges[i] = [left, right]: token 256 + i = left ++ right */
  readonly merges: [number, number][];
  /** bytes of every token id < 256 + merges.length */
  readonly vocab: Uint8Array[];
  readonly pattern: string | undefined;
  /** special token → id (after the merged tokens) */
  readonly specialTokens: Map<string, number>;
}

const PAIR = 1 << 21; // pair key = left * PAIR + right

export function patternSource(pattern: TrainOptions["pattern"] = "gpt4"): string | undefined {
  if (pattern === "none") return undefined;
  if (typeof pattern === "object") return pattern.regex;
  return SPLIT_PATTERNS[pattern];
}

export function trainBpe(text: string, options: TrainOptions): TrainedBpe {
  const specials = options.specialTokens ?? [];
  const numMerges = options.vocabSize - 256 - specials.length;
  if (numMerges < 0) throw new RangeError(`vocab size ${options.vocabSize} is smaller than 256 bytes + ${specials.length} special tokens`);
  const pattern = patternSource(options.pattern);

  // 1. Unique chunks in order of first appearance, with their counts.
  const index = new Map<string, number>();
  const words: Int32Array[] = [];
  const freq: number[] = [];
  const chunks = pattern ? Array.from(text.matchAll(compilePattern(pattern, "training split pattern", "onig")), (m) => m[0]) : [text];
  for (const chunk of chunks) {
    const seen = index.get(chunk);
    if (seen !== undefined) freq[seen]++;
    else {
      index.set(chunk, words.length);
      words.push(Int32Array.from(utf8Encode(chunk)));
      freq.push(1);
    }
  }

  // 2. Pair counts, and which words hold each pair.
  const counts = new Map<number, number>();
  const holders = new Map<number, Set<number>>();
  const heap = new CountHeap();
  const addWord = (w: number, sign: 1 | -1, touched: Set<number>) => {
    const ids = words[w];
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = ids[i] * PAIR + ids[i + 1];
      counts.set(key, (counts.get(key) ?? 0) + sign * freq[w]);
      touched.add(key);
      if (sign > 0) {
        let set = holders.get(key);
        if (!set) holders.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  const initial = new Set<number>();
  for (let w = 0; w < words.length; w++) addWord(w, 1, initial);
  for (const key of initial) heap.push(counts.get(key)!, key);

  /** Where a pair first occurs in the text: (first word holding it, position in that word). */
  const firstOccurrence = (key: number): number => {
    let best = Infinity;
    const left = Math.floor(key / PAIR);
    const right = key % PAIR;
    for (const w of holders.get(key) ?? []) {
      if (w * 1e6 >= best) continue;
      const ids = words[w];
      for (let i = 0; i + 1 < ids.length; i++) {
        if (ids[i] === left && ids[i + 1] === right) {
          best = Math.min(best, w * 1e6 + i);
          break;
        }
      }
    }
    return best;
  };

  // 3. Merge the most frequent pair (first occurrence breaks ties) until the vocabulary is full.
  const merges: [number, number][] = [];
  const vocab: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  for (let m = 0; m < numMerges; m++) {
    const best = popBest(heap, counts, firstOccurrence);
    if (best === undefined) break; // every chunk is a single token: nothing left to merge
    const left = Math.floor(best / PAIR);
    const right = best % PAIR;
    const id = 256 + m;
    merges.push([left, right]);
    vocab.push(concatBytes(vocab[left], vocab[right]));
    const touched = new Set<number>();
    for (const w of [...(holders.get(best) ?? [])]) {
      addWord(w, -1, touched);
      for (let i = 0; i + 1 < words[w].length; i++) holders.get(words[w][i] * PAIR + words[w][i + 1])?.delete(w);
      words[w] = mergePair(words[w], left, right, id);
      addWord(w, 1, touched);
    }
    for (const key of touched) {
      const c = counts.get(key)!;
      if (c > 0) heap.push(c, key);
      else {
        counts.delete(key);
        holders.delete(key);
      }
    }
    options.onProgress?.(m + 1, numMerges);
  }
  const specialTokens = new Map(specials.map((s, i) => [s, 256 + merges.length + i]));
  return { merges, vocab, pattern, specialTokens };
}

/** The pair with the highest count, ties broken by first occurrence; entries in the heap may be stale. */
function popBest(heap: CountHeap, counts: Map<number, number>, firstOccurrence: (key: number) => number): number | undefined {
  let top: [number, number] | undefined;
  while (heap.size > 0) {
    const [count, key] = heap.pop();
    if (counts.get(key) === count) {
      top = [count, key];
      break;
    }
  }
  if (!top) return undefined;
  // Gather every current pair with the same count, choose the earliest, put the rest back.
  const tied = [top[1]];
  while (heap.size > 0 && heap.peekCount() === top[0]) {
    const [count, key] = heap.pop();
    if (counts.get(key) === count && !tied.includes(key)) tied.push(key);
  }
  if (tied.length === 1) return tied[0];
  let best = tied[0];
  let bestAt = firstOccurrence(best);
  for (const key of tied.slice(1)) {
    const at = firstOccurrence(key);
    if (at < bestAt) {
      best = key;
      bestAt = at;
    }
  }
  for (const key of tied) if (key !== best) heap.push(top[0], key);
  return best;
}

/** minbpe's merge: replace every non-overlapping (left, right), scanning left to right, with `id`. */
export function mergePair(ids: Int32Array, left: number, right: number, id: number): Int32Array {
  const out = new Int32Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; ) {
    if (i + 1 < ids.length && ids[i] === left && ids[i + 1] === right) {
      out[n++] = id;
      i += 2;
    } else out[n++] = ids[i++];
  }
  return out.subarray(0, n);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Max-heap of (count, key) pairs. */
class CountHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  peekCount(): number {
    return this.counts[0];
  }
  push(count: number, key: number): void {
    const c = this.counts;
    const k = this.keys;
    let i = c.length;
    c.push(count);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (c[p] >= count) break;
      c[i] = c[p];
      k[i] = k[p];
      i = p;
    }
    c[i] = count;
    k[i] = key;
  }
  pop(): [number, number] {
    const c = this.counts;
    const k = this.keys;
    const top: [number, number] = [c[0], k[0]];
    const lastC = c.pop()!;
    const lastK = k.pop()!;
    if (c.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= c.length) break;
        if (child + 1 < c.length && c[child + 1] > c[child]) child++;
        if (c[child] <= lastC) break;
        c[i] = c[child];
        k[i] = k[child];
        i = child;
      }
      c[i] = lastC;
      k[i] = lastK;
    }
    return top;
  }
}
