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

const WHITE_SPACE = String.raw`\t-\r\x85\p{Zs}\u2028\u2029`;
const DIGIT = String.raw`\p{Nd}`;
const WORD = String.raw`\p{L}\p{M}\p{Nd}\p{Pc}`;

/** Class escapes → the JS class body that means the same set. */
const CLASS_BODIES: Record<string, string> = { s: WHITE_SPACE, d: DIGIT, w: WORD };

/**
 * Whose meaning `\s`, `\d` and `\w` take: "unicode" as Rust (tiktoken) and Oniguruma (Hugging Face) give
 * them, or "javascript" as ports that pass the pattern straight to RegExp (js-tiktoken, tokenizers.js) do.
 */
export type RegexFlavor = "unicode" | "javascript";

/**
 * Rewrites an Oniguruma / fancy-regex pattern into a JavaScript pattern (for the `u` flag).
 * @param source names the file/field in error messages
 */
export function translatePattern(pattern: string, source = "pattern", flavor: RegexFlavor = "unicode"): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[i + 1];
      i++;
      const lower = e?.toLowerCase();
      if (flavor === "unicode" && e !== undefined && lower in CLASS_BODIES) {
        const body = CLASS_BODIES[lower];
        const negated = e !== lower;
        if (!inClass) out += negated ? `[^${body}]` : `[${body}]`;
        else if (!negated) out += body;
        else throw new UserError(source, `unsupported regex: \\${e} inside a character class in ${JSON.stringify(pattern)}`);
      } else if (e === "p" || e === "P") {
        const close = pattern.indexOf("}", i);
        out += pattern.slice(i - 1, close + 1);
        i = close;
      } else if (e === "A") {
        out += "^";
      } else if (e === "z") {
        out += "$";
      } else if (e === "h") {
        out += inClass ? "0-9a-fA-F" : "[0-9a-fA-F]";
      } else if (e === undefined) {
        throw new UserError(source, `regex ends with a lone backslash: ${JSON.stringify(pattern)}`);
      } else {
        out += "\\" + e;
      }
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "[") out += "\\"; // a literal '[' inside a class must be escaped for the v/u flags
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i + 1] === "]") {
        out += "\\]"; // a leading ']' is literal in Oniguruma
        i++;
      }
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
export function compilePattern(pattern: string, source = "pattern", flavor: RegexFlavor = "unicode"): RegExp {
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
