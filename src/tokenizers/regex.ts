/**
 * Split patterns, translated from the regex dialects tokenizers are published in to JavaScript.
 *
 * tiktoken compiles its patterns with Rust's fancy-regex and Hugging Face tokenizers with Oniguruma. Both
 * give the class escapes their Unicode meaning, where JavaScript's do not:
 *
 *   escape | Rust / Oniguruma                              | JavaScript (u flag)
 *   \s     | White_Space: \t-\r, U+0085, Zs, U+2028, U+2029 | the same but *with* U+FEFF and *without* U+0085
 *   \d     | \p{Nd} (every script's decimal digits)        | [0-9]
 *   \w     | letters, marks, \p{Nd}, \p{Pc}                | [A-Za-z0-9_]
 *
 * and both accept scoped flags `(?i:…)`, which V8 in Node 20 does not. `toJsRegExp` rewrites those
 * constructs so the JavaScript engine matches exactly what the reference does.
 */
import { UserError } from "../core/errors.js";
import { NOT_IN_ONIG_PROPERTY } from "./hf/unicode-tables.js";

const WHITE_SPACE = String.raw`\t-\r\x85\p{Zs}\u2028\u2029`;
const DIGIT = String.raw`\p{Nd}`;
const WORD = String.raw`\p{L}\p{M}\p{Nd}\p{Pc}`;

/** Class escapes → the JS class body that means the same set. */
const CLASS_BODIES: Record<string, string> = { s: WHITE_SPACE, d: DIGIT, w: WORD };

/**
 * Whose Unicode tables and escapes the pattern follows:
 * - "rust": Rust's regex (tiktoken): `\s` = White_Space, `\d` = \p{Nd}, `\w` Unicode; properties as JavaScript's.
 * - "onig": Oniguruma as Hugging Face tokenizers builds it: the same escapes, and property classes
 *   (`\p{L}`, `\p{N}`, ...) from its older Unicode tables (see hf/unicode-tables.ts).
 * - "javascript": as ports that pass the pattern straight to RegExp (js-tiktoken, tokenizers.js).
 */
export type RegexFlavor = "rust" | "onig" | "javascript";

/** Code points a property lacks in this flavor, as a JS class body ("\u{323b0}-\u{3347f}..."), or "". */
function exclusions(property: string, flavor: RegexFlavor): string {
  if (flavor !== "onig") return "";
  const ranges = NOT_IN_ONIG_PROPERTY[property];
  if (!ranges || ranges.length === 0) return "";
  let body = "";
  for (let i = 0; i < ranges.length; i += 2) {
    body += `\\u{${ranges[i].toString(16)}}` + (ranges[i + 1] !== ranges[i] ? `-\\u{${ranges[i + 1].toString(16)}}` : "");
  }
  return body;
}

/** Reads `\p{K}` / `\P{K}` at pattern[i] (the backslash); returns [negated, K, index of the closing brace]. */
function readProperty(pattern: string, i: number, source: string): [boolean, string, number] {
  const close = pattern.indexOf("}", i);
  if (pattern[i + 2] !== "{" || close < 0) throw new UserError(source, `unsupported regex: \\${pattern[i + 1]} without {…} in ${JSON.stringify(pattern)}`);
  return [pattern[i + 1] === "P", pattern.slice(i + 3, close), close];
}

/**
 * Rewrites a character class `[...]` starting at pattern[open]. Returns [JS text, index of its ']'].
 * When a property inside lacks code points in this flavor, the class is wrapped so they are taken out:
 * positive `(?:(?![excluded])[...])`, negated `(?:[^...]|[excluded])`.
 */
function translateClass(pattern: string, open: number, source: string, flavor: RegexFlavor): [string, number] {
  let i = open + 1;
  const negated = pattern[i] === "^";
  if (negated) i++;
  let body = "";
  let excluded = "";
  if (pattern[i] === "]") {
    body += "\\]"; // a leading ']' is literal in Oniguruma
    i++;
  }
  for (; i < pattern.length && pattern[i] !== "]"; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === undefined) break;
      const lower = e.toLowerCase();
      if (flavor !== "javascript" && lower in CLASS_BODIES) {
        if (e !== lower) throw new UserError(source, `unsupported regex: \\${e} inside a character class in ${JSON.stringify(pattern)}`);
        body += CLASS_BODIES[lower];
        i++;
      } else if (e === "p" || e === "P") {
        const [neg, property, close] = readProperty(pattern, i, source);
        if (neg && exclusions(property, flavor)) throw new UserError(source, `unsupported regex: \\P{${property}} inside a class in ${JSON.stringify(pattern)}`);
        body += pattern.slice(i, close + 1);
        excluded += exclusions(property, flavor);
        i = close;
      } else if (e === "h") {
        body += "0-9a-fA-F";
        i++;
      } else {
        body += c + e;
        i++;
      }
    } else body += c === "[" ? "\\[" : c;
  }
  if (i >= pattern.length) throw new UserError(source, `unterminated character class in regex ${JSON.stringify(pattern)}`);
  const cls = `[${negated ? "^" : ""}${body}]`;
  if (!excluded) return [cls, i];
  return [negated ? `(?:${cls}|[${excluded}])` : `(?:(?![${excluded}])${cls})`, i];
}

/**
 * Rewrites an Oniguruma / fancy-regex pattern into a JavaScript pattern (for the `u` flag).
 * @param source names the file/field in error messages
 */
export function translatePattern(pattern: string, source = "pattern", flavor: RegexFlavor = "rust"): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === undefined) throw new UserError(source, `regex ends with a lone backslash: ${JSON.stringify(pattern)}`);
      const lower = e.toLowerCase();
      if (flavor !== "javascript" && lower in CLASS_BODIES) {
        out += e !== lower ? `[^${CLASS_BODIES[lower]}]` : `[${CLASS_BODIES[lower]}]`;
        i++;
      } else if (e === "p" || e === "P") {
        const [negated, property, close] = readProperty(pattern, i, source);
        const ex = exclusions(property, flavor);
        const prop = pattern.slice(i, close + 1);
        out += !ex ? prop : negated ? `(?:${prop}|[${ex}])` : `(?:(?![${ex}])${prop})`;
        i = close;
      } else if (e === "A") {
        out += "^";
        i++;
      } else if (e === "z") {
        out += "$";
        i++;
      } else if (e === "h") {
        out += "[0-9a-fA-F]";
        i++;
      } else {
        out += c + e;
        i++;
      }
      continue;
    }
    if (c === "[") {
      const [cls, close] = translateClass(pattern, i, source, flavor);
      out += cls;
      i = close;
      continue;
    }
    if (pattern.startsWith("(?i:", i)) {
      const end = matchingParen(pattern, i, source);
      out += "(?:" + translatePattern(caseFold(pattern.slice(i + 4, end)), source, flavor) + ")";
      i = end;
      continue;
    }
    if (pattern.startsWith("(?>", i)) {
      throw new UserError(source, `unsupported regex: atomic group in ${JSON.stringify(pattern)}`);
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && pattern[i + 1] === "+") {
      // A possessive quantifier. The tokenizer patterns that use one (tiktoken's newer cl100k) are written so
      // that backtracking could never succeed there, so the greedy form matches the same text.
      out += c;
      i++;
      continue;
    }
    out += c;
  }
  return out;
}

/** Index of the ')' that closes the group opened at `open`. */
function matchingParen(pattern: string, open: number, source: string): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  throw new UserError(source, `unbalanced parenthesis in regex ${JSON.stringify(pattern)}`);
}

/** `'re|[sd]` → `'[rR][eE]|[sdSD]`: makes ASCII letters match either case, outside escapes. */
function caseFold(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === "p" || e === "P") {
        const close = pattern.indexOf("}", i);
        out += pattern.slice(i, close + 1);
        i = close;
      } else {
        out += c + e;
        i++;
      }
      continue;
    }
    const isLetter = /[a-zA-Z]/.test(c);
    if (inClass) {
      if (c === "]") inClass = false;
      out += isLetter ? c.toLowerCase() + c.toUpperCase() : c;
      continue;
    }
    if (c === "[") inClass = true;
    out += isLetter ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** Compiles a reference-dialect pattern into a global, Unicode JavaScript RegExp. */
export function compilePattern(pattern: string, source = "pattern", flavor: RegexFlavor = "rust"): RegExp {
  const js = translatePattern(pattern, source, flavor);
  try {
    return new RegExp(js, "gu");
  } catch (e) {
    throw new UserError(source, `cannot compile regex ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

/** Escapes `text` for literal use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** The split patterns of well-known tokenizers, in their published (Rust-regex) form. */
export const SPLIT_PATTERNS = {
  /** GPT-2, r50k_base, p50k_base. */
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  /** GPT-4 (cl100k_base); also Llama 3's pre-tokenizer. */
  gpt4: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  /** GPT-4o (o200k_base). */
  gpt4o: [
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join("|"),
} as const;
