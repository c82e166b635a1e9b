/**
 * Pre-tokenizers: split normalized text into words the model encodes one at a time, as Hugging Face
 * tokenizers' `pre_tokenizers` module. Each works on a list of splits and may split each further.
 *
 *   ByteLevel (GPT-2 regex): "Hello world!" → ["Hello", "Ġworld", "!"]
 *   Metaspace:               "Hello world"  → ["▁Hello", "▁world"]
 */
import { utf8EncodeInto } from "../../core/utf8.js";
import { bytesToByteLevel } from "../byte-level.js";
import { compilePattern, escapeRegExp, SPLIT_PATTERNS } from "../regex.js";
import { JsonReader } from "./json.js";
import { patternOf } from "./normalizers.js";
import { isHfPunctuation, RUST_NUMERIC } from "./unicode.js";

/**
 * A pre-tokenizer splits one piece of text and hands each part to `emit`, with whether the part starts at
 * offset 0 of the original input (Metaspace's "first" scheme needs it). Stages chain by passing their
 * output to the next stage's input, so no intermediate arrays are built on the hot path.
 */
export type Emit = (text: string, atStart: boolean) => void;
export type PreTokenizer = (text: string, atStart: boolean, emit: Emit) => void;

export type SplitBehavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

/** [start, end, isMatch] covering the whole text, as Hugging Face's `find_matches`. */
type Piece = [number, number, boolean];

function findMatches(text: string, pattern: RegExp, invert: boolean): Piece[] {
  if (text.length === 0) return [[0, 0, false]];
  const out: Piece[] = [];
  let prev = 0;
  pattern.lastIndex = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index;
    const end = start + m[0].length;
    if (prev !== start) out.push([prev, start, invert]);
    out.push([start, end, !invert]);
    prev = end;
  }
  if (prev !== text.length) out.push([prev, text.length, invert]);
  return out;
}

/** Applies a split behaviour to matched pieces (Hugging Face's `NormalizedString::split`). */
export function applyBehavior(pieces: Piece[], behavior: SplitBehavior): [number, number][] {
  const out: [number, number][] = [];
  let previousMatch = false;
  switch (behavior) {
    case "Removed":
      for (const [s, e, m] of pieces) if (!m) out.push([s, e]);
      break;
    case "Isolated":
      for (const [s, e] of pieces) out.push([s, e]);
      break;
    case "MergedWithPrevious":
      for (const [s, e, m] of pieces) {
        if (m && !previousMatch && out.length > 0) out[out.length - 1][1] = e;
        else out.push([s, e]);
        previousMatch = m;
      }
      break;
    case "MergedWithNext":
      for (let i = pieces.length - 1; i >= 0; i--) {
        const [s, e, m] = pieces[i];
        if (m && !previousMatch && out.length > 0) out[out.length - 1][0] = s;
        else out.push([s, e]);
        previousMatch = m;
      }
      out.reverse();
      break;
    case "Contiguous":
      for (const [s, e, m] of pieces) {
        if (m === previousMatch && out.length > 0) out[out.length - 1][1] = e;
        else out.push([s, e]);
        previousMatch = m;
      }
      break;
  }
  return out.filter(([s, e]) => s !== e);
}

export function splitWith(pattern: RegExp, behavior: SplitBehavior, invert = false): PreTokenizer {
  if (behavior === "Isolated" || (behavior === "Removed" && !invert)) {
    const keepMatches = behavior === "Isolated";
    // Fast path: emit the gaps and (when isolated) the matches as the regex finds them.
    return (text, atStart, emit) => {
      let prev = 0;
      pattern.lastIndex = 0;
      for (const m of text.matchAll(pattern)) {
        const start = m.index;
        const end = start + m[0].length;
        if (start > prev) emit(text.slice(prev, start), atStart && prev === 0);
        if (keepMatches && end > start) emit(m[0], atStart && start === 0);
        prev = end;
      }
      if (prev < text.length) emit(text.slice(prev), atStart && prev === 0);
    };
  }
  return (text, atStart, emit) => {
    for (const [s, e] of applyBehavior(findMatches(text, pattern, invert), behavior)) emit(text.slice(s, e), atStart && s === 0);
  };
}

const GPT2_SPLIT = compilePattern(SPLIT_PATTERNS.gpt2, "ByteLevel pre-tokenizer", "onig");
const scratch = { bytes: new Uint8Array(1024) };

/** Maps each UTF-8 byte of `text` to its GPT-2 byte-level character. */
export function toByteLevel(text: string): string {
  if (scratch.bytes.length < text.length * 3) scratch.bytes = new Uint8Array(text.length * 3);
  const n = utf8EncodeInto(text, scratch.bytes);
  return bytesToByteLevel(scratch.bytes, n);
}

function byteLevel(addPrefixSpace: boolean, useRegex: boolean): PreTokenizer {
  const split = splitWith(GPT2_SPLIT, "Isolated");
  return (text, atStart, emit) => {
    const spaced = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
    const mapped: Emit = (piece, start) => emit(toByteLevel(piece), start);
    if (useRegex) split(spaced, atStart, mapped);
    else mapped(spaced, atStart);
  };
}

function metaspace(replacement: string, prependScheme: string, split: boolean): PreTokenizer {
  const splitter = splitWith(new RegExp(escapeRegExp(replacement), "gu"), "MergedWithNext");
  return (text, atStart, emit) => {
    let t = text.replaceAll(" ", replacement);
    const prepend = prependScheme === "always" || (prependScheme === "first" && atStart);
    if (prepend && !t.startsWith(replacement)) t = replacement + t;
    if (split) splitter(t, atStart, emit);
    else emit(t, atStart);
  };
}

/** Splits on each character that `test` accepts (each one a match), with the given behaviour. */
function charClassSplit(test: (c: string) => boolean, behavior: SplitBehavior): PreTokenizer {
  return (text, atStart, emit) => {
    const pieces: Piece[] = [];
    let offset = 0;
    for (const c of text) {
      const end = offset + c.length;
      const isMatch = test(c);
      const last = pieces[pieces.length - 1];
      if (!isMatch && last && !last[2]) last[1] = end; // runs of non-matching characters stay one piece
      else pieces.push([offset, end, isMatch]);
      offset = end;
    }
    for (const [s, e] of applyBehavior(pieces, behavior)) emit(text.slice(s, e), atStart && s === 0);
  };
}
const isNumeric = (c: string): boolean => RUST_NUMERIC.test(c);

export function buildPreTokenizer(json: JsonReader): PreTokenizer | undefined {
  if (json.isNull()) return undefined;
  const type = json.type();
  switch (type) {
    case "Sequence": {
      const steps = json.get("pretokenizers").items().map(buildPreTokenizer).filter((p): p is PreTokenizer => !!p);
      // step[0] feeds step[1] feeds ... feeds emit
      return steps.reduceRight<PreTokenizer>((next, step) => (text, atStart, emit) => step(text, atStart, (t, a) => next(t, a, emit)), (text, atStart, emit) => emit(text, atStart));
    }
    case "ByteLevel":
      return byteLevel(json.get("add_prefix_space").boolean(true), json.get("use_regex").boolean(true));
    case "Split":
      return splitWith(patternOf(json.get("pattern")), json.get("behavior").string() as SplitBehavior, json.get("invert").boolean(false));
    case "Metaspace": {
      const replacement = json.get("replacement").string();
      let scheme = json.get("prepend_scheme").optionalString();
      if (scheme === undefined) scheme = json.get("add_prefix_space").boolean(true) ? "always" : "never";
      return metaspace(replacement, scheme, json.get("split").boolean(true));
    }
    case "Whitespace":
      return splitWith(compilePattern(String.raw`\w+|[^\w\s]+`, "Whitespace pre-tokenizer", "onig"), "Removed", true);
    case "WhitespaceSplit":
      return splitWith(compilePattern(String.raw`\s+`, "WhitespaceSplit pre-tokenizer", "onig"), "Removed");
    case "Digits":
      return json.get("individual_digits").boolean(false) ? charClassSplit(isNumeric, "Isolated") : charClassSplit(isNumeric, "Contiguous");
    case "Punctuation":
      return charClassSplit(isHfPunctuation, (json.get("behavior").optionalString() ?? "Isolated") as SplitBehavior);
    case "BertPreTokenizer": {
      const ws = splitWith(compilePattern(String.raw`\s+`, "BertPreTokenizer", "onig"), "Removed");
      const punct = charClassSplit(isHfPunctuation, "Isolated");
      return (text, atStart, emit) => ws(text, atStart, (t, a) => punct(t, a, emit));
    }
    default:
      return json.unsupported(`pre-tokenizer type "${type}"`);
  }
}
