/**
 * Character classes as Rust's `char` methods define them (Hugging Face tokenizers is Rust), which differ
 * from JavaScript's built-ins: Rust's `is_whitespace` is Unicode White_Space (U+0085 yes, U+FEFF no).
 */
import { NOT_HF_COMBINING_MARK, NOT_HF_CONTROL, NOT_HF_NONSPACING_MARK, NOT_HF_PUNCTUATION } from "./unicode-tables.js";

export const RUST_WHITESPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const LEADING_WS = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const TRAILING_WS = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

export function isRustWhitespace(c: string): boolean {
  return RUST_WHITESPACE.test(c);
}
export function trimStartRust(s: string): string {
  return s.replace(LEADING_WS, "");
}
export function trimEndRust(s: string): string {
  return s.replace(TRAILING_WS, "");
}

/** Rust `char::is_alphanumeric`: Alphabetic or Numeric (Nd, Nl, No). */
export const RUST_ALPHANUMERIC = /[\p{Alphabetic}\p{N}]/u;
/** Rust `char::is_numeric`. */
export const RUST_NUMERIC = /\p{N}/u;
const PUNCTUATION = /[\p{P}!-\/:-@\[-`{-~]/u;
const NONSPACING_MARK = /\p{Mn}/u;
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}]/u;

/** Hugging Face's `is_punctuation`: ASCII punctuation or a Unicode P* character (in its Unicode version). */
export function isHfPunctuation(c: string): boolean {
  return PUNCTUATION.test(c) && !NOT_HF_PUNCTUATION.has(c.codePointAt(0)!);
}
const MARK = /\p{M}/u;
/** A combining mark (Mn, Mc, Me), as the StripAccents normalizer removes them. */
export function isHfCombiningMark(c: string): boolean {
  return MARK.test(c) && !NOT_HF_COMBINING_MARK.has(c.codePointAt(0)!);
}
/** A non-spacing mark (Mn), as BertNormalizer's strip_accents removes them. */
export function isHfNonspacingMark(c: string): boolean {
  return NONSPACING_MARK.test(c) && !NOT_HF_NONSPACING_MARK.has(c.codePointAt(0)!);
}
/** BERT's `is_control`: Cc, Cf or Co (not Cn), except tab, newline and carriage return. */
export function isHfControl(c: string): boolean {
  return c !== "\t" && c !== "\n" && c !== "\r" && CONTROL.test(c) && !NOT_HF_CONTROL.has(c.codePointAt(0)!);
}
