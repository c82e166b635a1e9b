/**
 * Finding special (and added) tokens in text, before the rest of the pipeline sees it.
 *
 *   "Hi<|endoftext|>there" with {"<|endoftext|>": 50256} → ["Hi", 50256, "there"]
 *
 * Matching is leftmost-longest, as Hugging Face's Aho-Corasick and tiktoken's alternation both behave:
 * the earliest match wins, and among matches starting there the longest.
 */
import { escapeRegExp } from "./regex.js";
import type { AllowedSpecial } from "./types.js";

/** A run of plain text, or one matched token. */
export type Segment = { readonly text: string; readonly id?: undefined } | { readonly text: string; readonly id: number };

export class TokenMatcher {
  private readonly pattern: RegExp | undefined;
  constructor(private readonly tokens: ReadonlyMap<string, number>) {
    const texts = [...tokens.keys()].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
    this.pattern = texts.length ? new RegExp(texts.map(escapeRegExp).join("|"), "gu") : undefined;
  }

  get isEmpty(): boolean {
    return this.pattern === undefined;
  }

  split(text: string): Segment[] {
    if (!this.pattern) return [{ text }];
    const out: Segment[] = [];
    let last = 0;
    this.pattern.lastIndex = 0;
    for (const m of text.matchAll(this.pattern)) {
      if (m.index > last) out.push({ text: text.slice(last, m.index) });
      out.push({ text: m[0], id: this.tokens.get(m[0])! });
      last = m.index + m[0].length;
    }
    if (last < text.length || out.length === 0) out.push({ text: text.slice(last) });
    return out;
  }
}

/** The subset of `all` that `allowed` lets match, with matchers cached per distinct choice. */
export class SpecialTokenSet {
  private readonly everything: TokenMatcher;
  constructor(readonly all: ReadonlyMap<string, number>) {
    this.everything = new TokenMatcher(all);
  }
  matcher(allowed: AllowedSpecial): TokenMatcher | undefined {
    if (allowed === "none") return undefined;
    if (allowed === "all") return this.everything;
    const subset = new Map([...this.all].filter(([text]) => allowed.has(text)));
    return new TokenMatcher(subset);
  }
}
