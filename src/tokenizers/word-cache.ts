/**
 * A bounded cache from a pre-token to its ids. Natural text repeats words, so most pieces are merged once;
 * the bound keeps memory flat on adversarial input (every piece different).
 */
export class WordCache<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly maxEntries = 100_000,
    private readonly maxKeyLength = 256,
  ) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (key.length > this.maxKeyLength) return;
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, value);
  }
}
