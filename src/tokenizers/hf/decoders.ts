/**
 * Decoders: token strings → text, as Hugging Face tokenizers' `decoders` module. Each maps a list of
 * token strings to a new list; the final list is concatenated.
 *
 *   ["▁Hello", "▁world", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"]
 *   Replace ▁→' '  → [" Hello", " world", "<0xF0>", ...]
 *   ByteFallback   → [" Hello", " world", "😀"]
 *   Fuse           → [" Hello world😀"]
 *   Strip(' ', 1)  → ["Hello world😀"]
 */
import { utf8DecodeLossy, isValidUtf8 } from "../../core/utf8.js";
import { byteLevelToBytes } from "../byte-level.js";
import { JsonReader } from "./json.js";
import { patternOf } from "./normalizers.js";

export type Decoder = (tokens: string[]) => string[];

function byteLevelDecoder(tokens: string[]): string[] {
  const parts: Uint8Array[] = tokens.map((t) => byteLevelToBytes(t) ?? Buffer.from(t, "utf8"));
  return [utf8DecodeLossy(Buffer.concat(parts))];
}

const BYTE_TOKEN = /^<0x(\+?[0-9a-fA-F]{1,2})>$/;

function byteFallbackDecoder(tokens: string[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Uint8Array.from(pending);
    if (isValidUtf8(bytes)) out.push(utf8DecodeLossy(bytes));
    else for (let i = 0; i < pending.length; i++) out.push("\ufffd");
    pending = [];
  };
  for (const token of tokens) {
    const m = Buffer.byteLength(token) === 6 ? BYTE_TOKEN.exec(token) : null;
    if (m) pending.push(parseInt(m[1], 16));
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

function stripDecoder(content: string, start: number, stop: number): Decoder {
  return (tokens) =>
    tokens.map((token) => {
      const chars = Array.from(token);
      let from = 0;
      while (from < Math.min(start, chars.length) && chars[from] === content) from++;
      let to = chars.length;
      while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
      return chars.slice(from, to).join("");
    });
}

function metaspaceDecoder(replacement: string, prependScheme: string): Decoder {
  return (tokens) =>
    tokens.map((token, i) => {
      let out = "";
      for (const c of token) {
        if (c === replacement) out += i === 0 && prependScheme !== "never" ? "" : " ";
        else out += c;
      }
      return out;
    });
}

/** WordPiece's clean-up of spaces before punctuation and contractions. */
function cleanup(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" do not", " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

export function buildDecoder(json: JsonReader): Decoder | undefined {
  if (json.isNull()) return undefined;
  const type = json.type();
  switch (type) {
    case "Sequence": {
      const steps = json.get("decoders").items().map(buildDecoder).filter((d): d is Decoder => !!d);
      return (tokens) => steps.reduce((t, step) => step(t), tokens);
    }
    case "ByteLevel":
      return byteLevelDecoder;
    case "ByteFallback":
      return byteFallbackDecoder;
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Strip":
      return stripDecoder(json.get("content").string(), json.get("start").number(), json.get("stop").number());
    case "Replace": {
      const pattern = patternOf(json.get("pattern"));
      const content = json.get("content").string();
      return (tokens) => tokens.map((t) => t.replace(pattern, () => content));
    }
    case "Metaspace": {
      let scheme = json.get("prepend_scheme").optionalString();
      if (scheme === undefined) scheme = json.get("add_prefix_space").boolean(true) ? "always" : "never";
      return metaspaceDecoder(json.get("replacement").string(), scheme);
    }
    case "WordPiece": {
      const prefix = json.get("prefix").optionalString() ?? "##";
      const clean = json.get("cleanup").boolean(true);
      return (tokens) =>
        tokens.map((token, i) => {
          let t = i > 0 ? (token.startsWith(prefix) ? token.slice(prefix.length) : " " + token) : token;
          if (clean) t = cleanup(t);
          return t;
        });
    }
    case "BPEDecoder": {
      const suffix = json.get("suffix").optionalString() ?? "</w>";
      return (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? "" : " "));
    }
    default:
      return json.unsupported(`decoder type "${type}"`);
  }
}
