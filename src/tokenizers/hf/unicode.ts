/**
 * Character classes as Rust's `char` methods define them (Hugging Face tokenizers is Rust), which differ
 * from JavaScript's built-ins: Rust's `is_whitespace` is Unicode White_Space (U+0085 yes, U+FEFF no).
 */
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
/** Hugging Face's `is_punctuation`: ASCII punctuation or any Unicode P* category. */
export const HF_PUNCTUATION = /[\p{P}!-\/:-@\[-`{-~]/u;
