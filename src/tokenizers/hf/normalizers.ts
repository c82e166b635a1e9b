/**
 * Normalizers: text → text, before anything is split. As Hugging Face tokenizers' `normalizers` module.
 *
 *   {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
 *                                        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
 *   "Hello world" → "▁Hello▁world"
 */
import { compilePattern, escapeRegExp } from "../regex.js";
import { JsonReader } from "./json.js";
import { isHfCombiningMark, isHfControl, isHfNonspacingMark, isRustWhitespace, trimEndRust, trimStartRust } from "./unicode.js";
import { precompiledNormalizer } from "../sentencepiece/charsmap.js";

export type Normalizer = (text: string) => string;

/** A `{"String": s}` or `{"Regex": r}` pattern as a global RegExp. */
export function patternOf(json: JsonReader): RegExp {
  if (json.has("String")) return new RegExp(escapeRegExp(json.get("String").string()), "gu");
  if (json.has("Regex")) return compilePattern(json.get("Regex").string(), `${json.file}: ${json.path}.Regex`, "onig");
  return json.unsupported("pattern: expected {\"String\": …} or {\"Regex\": …}");
}

/** Lowercases one code point at a time, as Rust's `char::to_lowercase` (no final-sigma context). */
function lowercase(text: string): string {
  let out = "";
  for (const c of text) out += c.toLowerCase();
  return out;
}

/** BERT's cleanup: drop NUL, U+FFFD and control characters, turn white space into ' '. */
function bertClean(text: string): string {
  let out = "";
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isHfControl(c)) continue;
    out += isRustWhitespace(c) ? " " : c;
  }
  return out;
}
const isChinese = (cp: number): boolean =>
  (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);

/** The StripAccents normalizer: drops every combining mark. */
function stripAccents(text: string): string {
  let out = "";
  for (const c of text) if (!isHfCombiningMark(c)) out += c;
  return out;
}

/** BertNormalizer's accent stripping: NFD, then drop non-spacing marks only. */
function bertStripAccents(text: string): string {
  let out = "";
  for (const c of text.normalize("NFD")) if (!isHfNonspacingMark(c)) out += c;
  return out;
}

export function buildNormalizer(json: JsonReader): Normalizer | undefined {
  if (json.isNull()) return undefined;
  const type = json.type();
  switch (type) {
    case "Sequence": {
      const steps = json.get("normalizers").items().map(buildNormalizer).filter((n): n is Normalizer => !!n);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
      return (text) => text.normalize(type);
    case "Lowercase":
      return lowercase;
    case "Strip": {
      const left = json.get("strip_left").boolean(true);
      const right = json.get("strip_right").boolean(true);
      return (text) => {
        const t = left ? trimStartRust(text) : text;
        return right ? trimEndRust(t) : t;
      };
    }
    case "StripAccents":
      return stripAccents;
    case "Replace": {
      const pattern = patternOf(json.get("pattern"));
      const content = json.get("content").string();
      return (text) => text.replace(pattern, () => content);
    }
    case "Prepend": {
      const prepend = json.get("prepend").string();
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    case "BertNormalizer": {
      const clean = json.get("clean_text").boolean(true);
      const chinese = json.get("handle_chinese_chars").boolean(true);
      const lower = json.get("lowercase").boolean(true);
      const accents = json.get("strip_accents").isNull() ? lower : json.get("strip_accents").boolean();
      return (text) => {
        let t = clean ? bertClean(text) : text;
        if (chinese) t = [...t].map((c) => (isChinese(c.codePointAt(0)!) ? ` ${c} ` : c)).join("");
        if (accents) t = bertStripAccents(t);
        if (lower) t = lowercase(t);
        return t;
      };
    }
    case "Precompiled": {
      const charsmap = json.get("precompiled_charsmap");
      if (charsmap.isNull()) return undefined;
      return precompiledNormalizer(Buffer.from(charsmap.string(), "base64"), `${json.file}: ${json.path}`);
    }
    case "Nmt":
      return nmt;
    default:
      return json.unsupported(`normalizer type "${type}"`);
  }
}

/** SentencePiece's NMT cleanup: drop some control characters, turn others into spaces. */
function nmt(text: string): string {
  return text.replace(/[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]/g, "").replace(/[\u0009\u000a\u000c\u000d\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]/g, " ");
}
