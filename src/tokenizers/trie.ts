/**
 * A byte trie over token strings, for "which tokens are prefixes of the text from here?" — the question
 * Unigram's lattice asks at every position.
 */
export class Trie {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly values: number[] = [-1];

  insert(key: Uint8Array, value: number): void {
    let node = 0;
    for (const b of key) {
      let next = this.children[node].get(b);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.values.push(-1);
        this.children[node].set(b, next);
      }
      node = next;
    }
    if (this.values[node] < 0) this.values[node] = value; // first insertion wins, like a map built once
  }

  /** Calls visit(end, value) for each stored key that is a prefix of bytes[from..], shortest first. */
  prefixes(bytes: Uint8Array, from: number, visit: (end: number, value: number) => void): void {
    let node = 0;
    for (let i = from; i < bytes.length; i++) {
      const next = this.children[node].get(bytes[i]);
      if (next === undefined) return;
      node = next;
      if (this.values[node] >= 0) visit(i + 1, this.values[node]);
    }
  }
}
