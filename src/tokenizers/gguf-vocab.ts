/**
 * The vocabulary inside a GGUF file, encoded as llama.cpp's `llama_tokenize(add_special=false,
 * parse_special=false)` does.
 *
 *   tokenizer.ggml.model = "llama": SentencePiece-style BPE by score over characters; a space prefix
 *                                    before the text (add_space_prefix), ' ' → '▁'; pieces that are not
 *                                    tokens fall back to <0xNN> byte tokens.
 *   tokenizer.ggml.model = "gpt2":  byte-level BPE by merge rank after a regex split chosen by
 *                                    tokenizer.ggml.pre (gpt-2, llama3, qwen2, ...).
 *
 * Token types (tokenizer.ggml.token_type): 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
 * 6 byte. User-defined tokens are matched in the text always; control tokens only with `allowedSpecial`.
 */
import { FormatError, UserError } from "../core/errors.js";
import { utf8DecodeLossy, utf8Encode } from "../core/utf8.js";
import { readGgufHeader, type GgufValue } from "../formats/gguf.js";
import { bpeMerge, PairMergeTable } from "./bpe.js";
import { BYTE_TO_CHAR, byteLevelToBytes } from "./byte-level.js";
import { toByteLevel } from "./hf/pre-tokenizers.js";
import { compilePattern, SPLIT_PATTERNS } from "./regex.js";
import { mergeByScore } from "./score-merge.js";
import { PieceType as TokenType } from "./sentencepiece/model-proto.js";
import type { AllowedSpecial, DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";
import { WordCache } from "./word-cache.js";

/** GGUF's token types are SentencePiece's piece types, number for number. */
export { PieceType as TokenType } from "./sentencepiece/model-proto.js";

const SPACE = "\u2581";

/** Split patterns by `tokenizer.ggml.pre`, as llama.cpp assigns them; `ignoreMerges`: whole-word lookup first. */
const PRE_TOKENIZERS: Record<string, { pattern: string; ignoreMerges: boolean }> = {
  default: { pattern: SPLIT_PATTERNS.gpt2, ignoreMerges: false },
  "gpt-2": { pattern: SPLIT_PATTERNS.gpt2, ignoreMerges: false },
  "llama-bpe": { pattern: SPLIT_PATTERNS.gpt4, ignoreMerges: true },
  llama3: { pattern: SPLIT_PATTERNS.gpt4, ignoreMerges: true },
  qwen2: {
    pattern: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    ignoreMerges: false,
  },
};

type Fragment = { text: string; id?: undefined } | { text: string; id: number };

export class GgufVocabTokenizer implements Tokenizer {
  readonly format = "gguf" as const;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly lookup = new Map<string, number>();
  /** Tokens matched whole before the model runs, longest first (llama.cpp's cache_special_tokens). */
  private readonly partitionTokens: number[];
  private readonly byteTokens: number[] = [];
  private readonly merges = new PairMergeTable();
  private readonly splitter: RegExp | undefined;
  private readonly ignoreMerges: boolean;
  private readonly cache = new WordCache<number[]>();

  constructor(
    readonly model: "llama" | "gpt2",
    readonly tokens: readonly string[],
    readonly scores: Float32Array | undefined,
    readonly types: Int32Array,
    merges: readonly string[],
    readonly bosId: number | undefined,
    readonly eosId: number | undefined,
    readonly addBos: boolean,
    readonly addEos: boolean,
    readonly addSpacePrefix: boolean,
    pre: string,
    source: string,
  ) {
    this.vocabSize = tokens.length;
    tokens.forEach((t, id) => this.lookup.set(t, id)); // llama.cpp: token_to_id[text] = id, the last one wins
    this.partitionTokens = tokens
      .map((_, id) => id)
      .filter((id) => [TokenType.Control, TokenType.UserDefined, TokenType.Unknown].includes(types[id]) && tokens[id].length > 0)
      .sort((a, b) => tokens[b].length - tokens[a].length || a - b);
    this.specialTokens = new Map(this.partitionTokens.filter((id) => types[id] === TokenType.Control).map((id) => [tokens[id], id]));
    for (let b = 0; b < 256; b++) {
      const text = model === "llama" ? `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>` : BYTE_TO_CHAR[b];
      this.byteTokens[b] = this.lookup.get(text) ?? -1;
    }
    if (model === "gpt2") {
      const spec = PRE_TOKENIZERS[pre];
      if (!spec) throw new UserError(`${source}: tokenizer.ggml.pre`, `pre-tokenizer "${pre}" is not supported (supported: ${Object.keys(PRE_TOKENIZERS).join(", ")})`);
      this.splitter = compilePattern(spec.pattern, `${source}: tokenizer.ggml.pre`);
      this.ignoreMerges = spec.ignoreMerges;
      merges.forEach((m, rank) => {
        const space = m.indexOf(" ", 1);
        const left = this.lookup.get(m.slice(0, space));
        const right = this.lookup.get(m.slice(space + 1));
        const merged = this.lookup.get(m.slice(0, space) + m.slice(space + 1));
        if (space < 0 || left === undefined || right === undefined || merged === undefined) {
          throw new FormatError(`${source}: tokenizer.ggml.merges[${rank}]`, `merge "${m}" uses a token that is not in the vocabulary`);
        }
        this.merges.set(left, right, rank, merged);
      });
    } else {
      this.ignoreMerges = false;
      if (!scores) throw new FormatError(`${source}: tokenizer.ggml.scores`, 'missing: a "llama" vocabulary needs scores');
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addSpecial && this.addBos && this.bosId !== undefined) ids.push(this.bosId);
    let prevSpecial = true; // llama.cpp: the first raw fragment gets the space prefix
    for (const fragment of this.partition(text, options.allowedSpecial ?? "none")) {
      if (fragment.id !== undefined) {
        ids.push(fragment.id);
        prevSpecial = true;
        continue;
      }
      if (this.model === "llama") {
        const raw = (this.addSpacePrefix && prevSpecial ? " " : "") + fragment.text;
        this.encodeSpm(raw.replaceAll(" ", SPACE), ids);
      } else this.encodeBpe(fragment.text, ids);
      prevSpecial = false;
    }
    if (options.addSpecial && this.addEos && this.eosId !== undefined) ids.push(this.eosId);
    return ids;
  }

  /** llama.cpp's tokenizer_st_partition: each special token, longest first, splits the raw fragments. */
  private partition(text: string, allowed: AllowedSpecial): Fragment[] {
    if (text.length === 0) return [];
    let fragments: Fragment[] = [{ text }];
    for (const id of this.partitionTokens) {
      const type = this.types[id];
      if (type !== TokenType.UserDefined) {
        const name = this.tokens[id];
        if (allowed === "none" || (allowed !== "all" && !allowed.has(name))) continue;
      }
      const needle = this.tokens[id];
      fragments = fragments.flatMap((f): Fragment[] => {
        if (f.id !== undefined || !f.text.includes(needle)) return [f];
        const parts = f.text.split(needle);
        const out: Fragment[] = [];
        parts.forEach((part, i) => {
          if (i > 0) out.push({ text: needle, id });
          if (part.length > 0) out.push({ text: part });
        });
        return out;
      });
    }
    return fragments;
  }

  private encodeSpm(text: string, out: number[]): void {
    const rev = new Map<string, [string, string]>();
    const scoreOf = (left: string, right: string): number | undefined => {
      const id = this.lookup.get(left + right);
      if (id === undefined) return undefined;
      rev.set(left + right, [left, right]);
      return this.scores![id];
    };
    const resegment = (piece: string): void => {
      const id = this.lookup.get(piece);
      if (id !== undefined) {
        out.push(id);
        return;
      }
      const halves = rev.get(piece);
      if (halves) {
        resegment(halves[0]);
        resegment(halves[1]);
        return;
      }
      for (const b of utf8Encode(piece)) out.push(this.byteTokens[b]);
    };
    for (const piece of mergeByScore(Array.from(text), scoreOf)) resegment(piece);
  }

  private encodeBpe(text: string, out: number[]): void {
    this.splitter!.lastIndex = 0;
    for (const m of text.matchAll(this.splitter!)) {
      const word = toByteLevel(m[0]);
      const cached = this.cache.get(word);
      if (cached) {
        out.push(...cached);
        continue;
      }
      const ids = this.encodeWord(word);
      this.cache.set(word, ids);
      out.push(...ids);
    }
  }

  private encodeWord(word: string): number[] {
    if (this.ignoreMerges) {
      const whole = this.lookup.get(word);
      if (whole !== undefined) return [whole];
    }
    const symbols: number[] = [];
    const unknown: string[] = [];
    for (const c of word) {
      const id = this.lookup.get(c);
      if (id === undefined) unknown.push(c);
      symbols.push(id ?? -1 - (unknown.length - 1));
    }
    const merged = bpeMerge(symbols, this.merges); // unknown symbols (negative) never merge
    // a symbol that is not a token falls back to its bytes' tokens
    return merged.flatMap((id) => (id >= 0 ? [id] : [...(byteLevelToBytes(unknown[-1 - id]) ?? [])].map((b) => this.byteTokens[b])));
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const bytes: number[] = [];
    let first = true;
    for (const id of ids) {
      const token = this.tokens[id];
      if (token === undefined) throw new UserError("ids", `token id ${id} is out of range (vocabulary size ${this.vocabSize})`);
      const type = this.types[id];
      if (type === TokenType.Control && skip) continue;
      let text: Uint8Array;
      if (this.model === "llama") {
        const byte = type === TokenType.Byte ? /^<0x([0-9A-Fa-f]{2})>$/.exec(token) : null;
        if (byte) text = Uint8Array.of(parseInt(byte[1], 16));
        else {
          let t = type === TokenType.Normal ? token.replaceAll(SPACE, " ") : token;
          if (first && this.addSpacePrefix && t.startsWith(" ")) t = t.slice(1);
          text = utf8Encode(t);
        }
      } else {
        text = type === TokenType.Normal || type === TokenType.Byte ? (byteLevelToBytes(token) ?? utf8Encode(token)) : utf8Encode(token);
      }
      for (const b of text) bytes.push(b);
      first = false;
    }
    return utf8DecodeLossy(Uint8Array.from(bytes));
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }
  tokenToId(token: string): number | undefined {
    return this.lookup.get(token);
  }
  isSpecial(id: number): boolean {
    return this.types[id] === TokenType.Control;
  }
}

/** Builds the tokenizer from GGUF metadata. */
export function ggufVocabFromMetadata(metadata: ReadonlyMap<string, GgufValue>, source: string): GgufVocabTokenizer {
  const get = (key: string) => metadata.get(`tokenizer.ggml.${key}`);
  const model = get("model");
  if (model === undefined) throw new FormatError(source, "no tokenizer.ggml.model: this GGUF file has no vocabulary");
  if (model !== "llama" && model !== "gpt2") {
    throw new UserError(`${source}: tokenizer.ggml.model`, `vocabulary type "${String(model)}" is not supported (supported: llama, gpt2)`);
  }
  const tokens = get("tokens");
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== "string")) throw new FormatError(`${source}: tokenizer.ggml.tokens`, "expected an array of strings");
  const scoresValue = get("scores");
  const scores = scoresValue instanceof Float32Array ? scoresValue : undefined;
  if (scores && scores.length !== tokens.length) throw new FormatError(`${source}: tokenizer.ggml.scores`, `has ${scores.length} entries for ${tokens.length} tokens`);
  const typesValue = get("token_type");
  const types = typesValue instanceof Int32Array ? typesValue : new Int32Array(tokens.length).fill(TokenType.Normal);
  if (types.length !== tokens.length) throw new FormatError(`${source}: tokenizer.ggml.token_type`, `has ${types.length} entries for ${tokens.length} tokens`);
  const mergesValue = get("merges");
  const merges = Array.isArray(mergesValue) ? (mergesValue as string[]) : [];
  const id = (key: string): number | undefined => {
    const v = get(key);
    return typeof v === "number" && v >= 0 && v < tokens.length ? v : undefined;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = get(key);
    return typeof v === "boolean" ? v : fallback;
  };
  const pre = get("pre");
  return new GgufVocabTokenizer(
    model,
    tokens as string[],
    scores,
    types,
    merges,
    id("bos_token_id"),
    id("eos_token_id"),
    flag("add_bos_token", model === "llama"),
    flag("add_eos_token", false),
    flag("add_space_prefix", model === "llama"),
    typeof pre === "string" ? pre : "default",
    source,
  );
}

export function loadGgufVocab(path: string): GgufVocabTokenizer {
  return ggufVocabFromMetadata(readGgufHeader(path).metadata, path);
}
