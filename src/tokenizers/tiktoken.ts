/**
 * tiktoken: OpenAI's byte-level BPE, loaded from a `.tiktoken` rank file.
 *
 * File: one token per line, `base64(bytes) rank`. The rank is both the token id and the merge priority:
 * a pair of adjacent parts merges if their concatenated bytes are a token, lowest rank first.
 *
 *   encode("hello world") with cl100k_base:
 *     split  → ["hello", " world"]          (the encoding's regex)
 *     "hello" is itself a token              → [15339]
 *     " world" is itself a token             → [1917]
 *
 * The split pattern and special tokens are not in the file; tiktoken fixes them by encoding name, so the
 * file must be named after its encoding (`cl100k_base.tiktoken`).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { FormatError, UserError } from "../core/errors.js";
import { utf8DecodeLossy, utf8EncodeInto } from "../core/utf8.js";
import { bpeMerge, packMerge, type MergeTable } from "./bpe.js";
import { compilePattern, SPLIT_PATTERNS, type RegexFlavor } from "./regex.js";
import { SpecialTokenSet } from "./special-tokens.js";
import type { DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";
import { WordCache } from "./word-cache.js";

interface EncodingSpec {
  readonly pattern: string;
  readonly specialTokens: Readonly<Record<string, number>>;
}

/** tiktoken's encodings: the split pattern and special tokens that go with each rank file. */
export const TIKTOKEN_ENCODINGS: Readonly<Record<string, EncodingSpec>> = {
  r50k_base: { pattern: SPLIT_PATTERNS.gpt2, specialTokens: { "<|endoftext|>": 50256 } },
  p50k_base: { pattern: SPLIT_PATTERNS.gpt2, specialTokens: { "<|endoftext|>": 50256 } },
  p50k_edit: {
    pattern: SPLIT_PATTERNS.gpt2,
    specialTokens: { "<|endoftext|>": 50256, "<|fim_prefix|>": 50281, "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283 },
  },
  cl100k_base: {
    pattern: SPLIT_PATTERNS.gpt4,
    specialTokens: {
      "<|endoftext|>": 100257,
      "<|fim_prefix|>": 100258,
      "<|fim_middle|>": 100259,
      "<|fim_suffix|>": 100260,
      "<|endofprompt|>": 100276,
    },
  },
  o200k_base: { pattern: SPLIT_PATTERNS.gpt4o, specialTokens: { "<|endoftext|>": 199999, "<|endofprompt|>": 200018 } },
};

/** Merges by rank lookup: parts a and b merge when bytes(a)+bytes(b) is a token; its rank is the priority. */
class RankMergeTable implements MergeTable {
  constructor(
    private readonly pieces: readonly string[],
    private readonly ranks: ReadonlyMap<string, number>,
  ) {}
  merge(left: number, right: number): number {
    const rank = this.ranks.get(this.pieces[left] + this.pieces[right]);
    return rank === undefined ? -1 : packMerge(rank, rank);
  }
}

export class TiktokenTokenizer implements Tokenizer {
  readonly format = "tiktoken" as const;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosId = undefined;
  readonly eosId: number | undefined;
  private readonly specialById = new Map<number, string>();
  private readonly special: SpecialTokenSet;
  private readonly splitter: RegExp;
  private readonly merges: RankMergeTable;
  private readonly cache = new WordCache<number[]>();
  private scratch = new Uint8Array(256);

  /**
   * @param pieces  bytes of each rank, as a latin1 string (one char per byte), indexed by rank
   * @param ranks   the inverse map
   */
  constructor(
    readonly name: string,
    private readonly pieces: readonly string[],
    private readonly ranks: ReadonlyMap<string, number>,
    spec: EncodingSpec,
    flavor: RegexFlavor = "rust",
  ) {
    this.specialTokens = new Map(Object.entries(spec.specialTokens));
    for (const [text, id] of this.specialTokens) this.specialById.set(id, text);
    this.special = new SpecialTokenSet(this.specialTokens);
    this.splitter = compilePattern(spec.pattern, `${name} split pattern`, flavor);
    this.merges = new RankMergeTable(pieces, ranks);
    this.vocabSize = Math.max(pieces.length, ...[...this.specialById.keys()].map((id) => id + 1));
    this.eosId = this.specialTokens.get("<|endoftext|>");
  }

  /** tiktoken's default: special-token text is plain text. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const matcher = this.special.matcher(options.allowedSpecial ?? "none");
    const ids: number[] = [];
    if (!matcher) this.encodeOrdinary(text, ids);
    else for (const seg of matcher.split(text)) seg.id === undefined ? this.encodeOrdinary(seg.text, ids) : ids.push(seg.id);
    return ids;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    this.splitter.lastIndex = 0;
    for (const m of text.matchAll(this.splitter)) {
      const piece = m[0];
      const cached = this.cache.get(piece);
      if (cached) {
        for (const id of cached) out.push(id);
        continue;
      }
      const ids = this.encodePiece(piece);
      this.cache.set(piece, ids);
      for (const id of ids) out.push(id);
    }
  }

  private encodePiece(piece: string): number[] {
    if (this.scratch.length < piece.length * 3) this.scratch = new Uint8Array(piece.length * 3);
    const n = utf8EncodeInto(piece, this.scratch);
    const bytes = n === piece.length ? piece : latin1(this.scratch, n); // ASCII: the string is its bytes
    const whole = this.ranks.get(bytes);
    if (whole !== undefined) return [whole]; // tiktoken's shortcut: a piece that is a token stays whole
    const symbols = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const r = this.ranks.get(bytes[i]);
      if (r === undefined) throw new UserError(this.name, `byte 0x${this.scratch[i].toString(16)} has no rank`);
      symbols[i] = r;
    }
    return bpeMerge(symbols, this.merges);
  }

  decodeBytes(ids: readonly number[], options: DecodeOptions = {}): Uint8Array {
    const skip = options.skipSpecial ?? true;
    let s = "";
    for (const id of ids) {
      const piece = this.pieces[id];
      if (piece !== undefined) s += piece;
      else {
        const special = this.specialById.get(id);
        if (special === undefined) throw new UserError("ids", `token id ${id} is out of range for ${this.name}`);
        if (!skip) s += Buffer.from(special, "utf8").toString("latin1");
      }
    }
    return Buffer.from(s, "latin1");
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return utf8DecodeLossy(this.decodeBytes(ids, options));
  }

  idToToken(id: number): string | undefined {
    const piece = this.pieces[id];
    return piece !== undefined ? utf8DecodeLossy(Buffer.from(piece, "latin1")) : this.specialById.get(id);
  }
  tokenToId(token: string): number | undefined {
    return this.specialTokens.get(token) ?? this.ranks.get(Buffer.from(token, "utf8").toString("latin1"));
  }
  isSpecial(id: number): boolean {
    return this.specialById.has(id);
  }
}

function latin1(bytes: Uint8Array, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Parses `.tiktoken` text. `name` selects the encoding (pattern + special tokens). */
export function parseTiktoken(text: string, name: string, file = `${name}.tiktoken`, flavor: RegexFlavor = "rust"): TiktokenTokenizer {
  const spec = TIKTOKEN_ENCODINGS[name];
  if (!spec) {
    throw new UserError(file, `unknown tiktoken encoding "${name}": name the file after one of ${Object.keys(TIKTOKEN_ENCODINGS).join(", ")}`);
  }
  const pieces: string[] = [];
  const ranks = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) continue;
    const space = line.indexOf(" ");
    const rank = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isInteger(rank) || rank < 0 || rank > 10_000_000) {
      throw new FormatError(`${file}:${i + 1}`, `expected "<base64 token> <rank>", got ${JSON.stringify(line.slice(0, 60))}`);
    }
    const bytes = Buffer.from(line.slice(0, space), "base64").toString("latin1");
    pieces[rank] = bytes;
    ranks.set(bytes, rank);
  }
  if (ranks.size === 0) throw new FormatError(file, "no tokens in the file");
  for (let b = 0; b < 256; b++) {
    if (!ranks.has(String.fromCharCode(b))) throw new FormatError(file, `byte 0x${b.toString(16)} has no rank: not a byte-level BPE rank file`);
  }
  return new TiktokenTokenizer(name, pieces, ranks, spec, flavor);
}

/**
 * @param flavor "rust" (default) splits as tiktoken's Rust regex does; "javascript" as js-tiktoken does
 *   (they differ only on U+0085, which Rust counts as white space, and U+FEFF, which JavaScript does).
 */
export function loadTiktoken(path: string, flavor: RegexFlavor = "rust"): TiktokenTokenizer {
  const name = basename(path).replace(/\.tiktoken$/, "");
  return parseTiktoken(readFileSync(path, "utf8"), name, path, flavor);
}
