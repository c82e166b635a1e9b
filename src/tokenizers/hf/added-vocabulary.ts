/**
 * Added tokens: strings matched whole in the input before the model sees it (`<|begin_of_text|>`,
 * `<start_of_turn>`, `<unused0>`), as Hugging Face's AddedVocabulary.
 *
 * Tokens with `normalized: false` are found in the raw text; the rest of the text is then normalized and
 * tokens with `normalized: true` are found in the normalized text. `lstrip`/`rstrip` swallow neighbouring
 * white space into the match; `single_word` matches only between non-word characters.
 */
import { escapeRegExp } from "../regex.js";
import type { AllowedSpecial } from "../types.js";
import { RUST_ALPHANUMERIC, isRustWhitespace } from "./unicode.js";

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
  readonly normalized: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly singleWord: boolean;
}

/** Text still to tokenize, or an added token's id. `atStart`: begins at offset 0 of the input. */
export type Section = { text: string; id?: undefined; atStart: boolean } | { text: string; id: number; atStart: boolean };

/** Leftmost-longest matching of a set of added tokens. */
class AddedMatcher {
  private readonly regex: RegExp | undefined;
  private readonly byText = new Map<string, AddedToken>();
  constructor(tokens: { token: AddedToken; text: string }[]) {
    for (const { token, text } of tokens) if (text.length > 0 && !this.byText.has(text)) this.byText.set(text, token);
    const texts = [...this.byText.keys()].sort((a, b) => b.length - a.length);
    this.regex = texts.length ? new RegExp(texts.map(escapeRegExp).join("|"), "gu") : undefined;
  }

  split(section: Section, skip: (token: AddedToken) => boolean): Section[] {
    const text = section.text;
    if (!this.regex || section.id !== undefined || text.length === 0) return [section];
    const out: Section[] = [];
    let offset = 0;
    this.regex.lastIndex = 0;
    for (const m of text.matchAll(this.regex)) {
      const token = this.byText.get(m[0])!;
      if (skip(token)) continue;
      let start = m.index;
      let stop = start + m[0].length;
      if (token.singleWord) {
        const before = start === 0 || !endsWithWordChar(text.slice(0, start));
        const after = stop === text.length || !startsWithWordChar(text.slice(stop));
        if (!before || !after) continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > offset && isRustWhitespace(charBefore(text, s))) s -= charBefore(text, s).length;
        start = s;
      }
      if (token.rstrip) {
        while (stop < text.length && isRustWhitespace(charAt(text, stop))) stop += charAt(text, stop).length;
      }
      if (offset < start) out.push({ text: text.slice(offset, start), atStart: section.atStart && offset === 0 });
      out.push({ text: text.slice(start, stop), id: token.id, atStart: section.atStart && start === 0 });
      offset = stop;
      this.regex.lastIndex = Math.max(this.regex.lastIndex, stop);
    }
    if (offset < text.length) out.push({ text: text.slice(offset), atStart: section.atStart && offset === 0 });
    return out;
  }
}

const charAt = (s: string, i: number): string => String.fromCodePoint(s.codePointAt(i)!);
const charBefore = (s: string, i: number): string => {
  const low = s.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? s.slice(i - 2, i) : s.slice(i - 1, i);
};
const isWordChar = (c: string): boolean => c === "_" || RUST_ALPHANUMERIC.test(c);
const endsWithWordChar = (s: string): boolean => s.length > 0 && isWordChar(charBefore(s, s.length));
const startsWithWordChar = (s: string): boolean => s.length > 0 && isWordChar(charAt(s, 0));

export class AddedVocabulary {
  readonly byId = new Map<number, AddedToken>();
  readonly byContent = new Map<string, AddedToken>();
  private readonly raw: AddedMatcher;
  private readonly normalized: AddedMatcher;

  constructor(
    readonly tokens: readonly AddedToken[],
    normalize: ((text: string) => string) | undefined,
  ) {
    for (const t of tokens) {
      this.byId.set(t.id, t);
      this.byContent.set(t.content, t);
    }
    this.raw = new AddedMatcher(tokens.filter((t) => !t.normalized).map((token) => ({ token, text: token.content })));
    this.normalized = new AddedMatcher(
      tokens.filter((t) => t.normalized).map((token) => ({ token, text: normalize ? normalize(token.content) : token.content })),
    );
  }

  /**
   * Splits `text` into plain sections (normalized by `normalize`) and added tokens.
   * @param allowed which *special* added tokens may match; non-special added tokens always do
   */
  extract(text: string, normalize: ((t: string) => string) | undefined, allowed: AllowedSpecial): Section[] {
    const skip = (t: AddedToken): boolean => t.special && (allowed === "none" || (allowed !== "all" && !allowed.has(t.content)));
    const first = this.raw.split({ text, atStart: true }, skip);
    return first.flatMap((section) => {
      if (section.id !== undefined) return [section];
      const normalizedSection = { text: normalize ? normalize(section.text) : section.text, atStart: section.atStart };
      return this.normalized.split(normalizedSection, skip);
    });
  }
}
