/**
 * Stop strings over streamed text: text is released only once it can no longer be the start of a stop
 * string, so the caller never prints part of "</s>" or "\nUser:" before learning it was a stop.
 *
 *   stops ["\n\n"]:  push("Hi") → "Hi"   push("!\n") → "!"  (holds "\n")   push("\nMore") → stop, "" released
 */
export class StopStringFilter {
  private pending = "";
  stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** Adds text; returns what is safe to emit. After a stop string, `stopped` is true and the rest is dropped. */
  push(text: string): string {
    if (this.stopped) return "";
    this.pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (stop && at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      const out = this.pending.slice(0, cut);
      this.pending = "";
      return out;
    }
    const hold = this.heldBack();
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return out;
  }

  /** Text held back at the end of the stream (it turned out not to be a stop string). */
  flush(): string {
    const out = this.stopped ? "" : this.pending;
    this.pending = "";
    return out;
  }

  /** Length of the longest suffix of pending text that is a proper prefix of some stop string. */
  private heldBack(): number {
    let hold = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.pending.length); n > hold; n--) {
        if (this.pending.endsWith(stop.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
  }
}
