/**
 * Byte-pair-encoding merges: the one algorithm behind tiktoken, byte-level BPE (GPT-2, Llama 3, Qwen2) and
 * SentencePiece-style BPE in tokenizer.json (Llama 2, Gemma).
 *
 * Given a word as a list of symbol ids, repeatedly merge the adjacent pair with the lowest rank, the
 * leftmost first on ties, until no adjacent pair has a merge.
 *
 *   symbols = [h, e, l, l, o], merges ranked (l,l)=0, (h,e)=1, (he,ll)=2, (hell,o)=3
 *   → [h, e, ll, o] → [he, ll, o] → [hell, o] → [hello]
 *
 * Short words use the quadratic scan (cheap, cache-friendly); long ones — a whole file with no
 * pre-tokenizer, a run of 10,000 spaces — a heap with lazy deletion, O(n log n). Both pick the same pair at
 * every step: the global minimum of (rank, position).
 */

/** A merge table answers: may `left` and `right` merge, and into what, at which priority? */
export interface MergeTable {
  /** packMerge(rank, mergedId) for a mergeable pair, -1 otherwise. Lower rank merges first. */
  merge(left: number, right: number): number;
}

/** Ids up to 2^21 (2 million) fit; the largest vocabularies in use are ~262k. */
export const ID_LIMIT = 2 ** 21;

export function packMerge(rank: number, mergedId: number): number {
  return rank * ID_LIMIT + mergedId;
}
export function mergeRank(packed: number): number {
  return Math.floor(packed / ID_LIMIT);
}
export function mergedIdOf(packed: number): number {
  return packed % ID_LIMIT;
}

/** A merge table from an explicit list of pairs (tokenizer.json `model.merges`): rank = list index. */
export class PairMergeTable implements MergeTable {
  private readonly pairs = new Map<number, number>();
  set(left: number, right: number, rank: number, mergedId: number): void {
    const key = left * ID_LIMIT + right;
    // subtle: Hugging Face collects the merges into a HashMap in list order, so when a pair is listed twice
    // the *last* entry wins; overwriting here keeps that behaviour.
    this.pairs.set(key, packMerge(rank, mergedId));
  }
  merge(left: number, right: number): number {
    return this.pairs.get(left * ID_LIMIT + right) ?? -1;
  }
  get size(): number {
    return this.pairs.size;
  }
}

const QUADRATIC_LIMIT = 16;

/** Applies BPE merges to `symbols` in place and returns the merged ids. */
export function bpeMerge(symbols: number[], table: MergeTable): number[] {
  if (symbols.length < 2) return symbols;
  return symbols.length <= QUADRATIC_LIMIT ? mergeByScan(symbols, table) : mergeByHeap(symbols, table);
}

function mergeByScan(symbols: number[], table: MergeTable): number[] {
  const ids = symbols;
  for (;;) {
    let best = -1;
    let bestAt = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const m = table.merge(ids[i], ids[i + 1]);
      if (m >= 0 && (best < 0 || mergeRank(m) < mergeRank(best))) {
        best = m;
        bestAt = i;
      }
    }
    if (bestAt < 0) return ids;
    ids.splice(bestAt, 2, mergedIdOf(best));
  }
}

/**
 * The heap variant. Symbols live in a doubly linked list over their original positions; the heap holds
 * candidate pairs keyed rank·2^26 + position (so ties pop leftmost). A popped pair is applied only if it
 * is still current (both symbols alive and still merge at that rank).
 */
function mergeByHeap(symbols: number[], table: MergeTable): number[] {
  const n = symbols.length;
  const ids = Int32Array.from(symbols);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new MinHeap(n);
  const POS = 2 ** 26;
  const push = (at: number): void => {
    const right = next[at];
    if (right < 0) return;
    const m = table.merge(ids[at], ids[right]);
    if (m >= 0) heap.push(mergeRank(m) * POS + at);
  };
  for (let i = 0; i + 1 < n; i++) push(i);

  while (heap.size > 0) {
    const key = heap.pop();
    const at = key % POS;
    const rank = (key - at) / POS;
    const right = next[at];
    if (ids[at] < 0 || right < 0) continue; // stale: the left symbol was absorbed, or has no neighbour now
    const m = table.merge(ids[at], ids[right]);
    if (m < 0 || mergeRank(m) !== rank) continue; // stale: a neighbour changed
    ids[at] = mergedIdOf(m);
    ids[right] = -1; // absorbed
    const after = next[right];
    next[at] = after;
    if (after >= 0) prev[after] = at;
    if (prev[at] >= 0) push(prev[at]);
    push(at);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(ids[i]);
  return out;
}

/** A binary min-heap of non-negative doubles. */
export class MinHeap {
  private data: Float64Array;
  size = 0;
  constructor(capacity = 16) {
    this.data = new Float64Array(Math.max(capacity, 16));
  }
  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent] <= value) break;
      d[i] = d[parent];
      i = parent;
    }
    d[i] = value;
  }
  pop(): number {
    const d = this.data;
    const top = d[0];
    const last = d[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && d[child + 1] < d[child]) child++;
      if (d[child] >= last) break;
      d[i] = d[child];
      i = child;
    }
    d[i] = last;
    return top;
  }
}
