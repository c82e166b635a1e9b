/**
 * llama2.c's `tokenizer.bin`, encoded exactly as `encode()` in llama2.c's run.c does.
 *
 * File: i32 max_token_length, then per token: f32 score, i32 byte length, the bytes. The vocabulary is
 * Llama 2's with '▁' written as ' ' (so the dummy-prefix token is the string " ").
 *
 *   encode("Hi!") → [" " (the dummy prefix), "H", "i", "!"] as single characters (or their bytes + 3
 *   when a character is not a token), then repeatedly merge the adjacent pair whose concatenation is a
 *   token with the highest score (leftmost on ties) → [" Hi", "!"]
 *
 * BOS (1) and EOS (2) are not added by `encode` here; `generate` and `--add-special` add BOS.
 */
import { readFileSync } from "node:fs";
import { FormatError, UserError } from "../core/errors.js";
import { utf8DecodeLossy, utf8Encode } from "../core/utf8.js";
import { mergeByScore } from "./score-merge.js";
import { SpecialTokenSet } from "./special-tokens.js";
import type { DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";

const BOS = 1;
const EOS = 2;
const BYTE_OFFSET = 3; // byte b is token b + 3 (<0x00> is id 3)

export class Llama2cTokenizer implements Tokenizer {
  readonly format = "llama2c" as const;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosId = BOS;
  readonly eosId = EOS;
  /** piece bytes as latin1 strings (one char per byte), so concatenation is byte concatenation */
  private readonly pieces: string[];
  private readonly lookup = new Map<string, number>();
  private readonly special: SpecialTokenSet;

  constructor(
    pieces: string[],
    private readonly scores: Float32Array,
    readonly maxTokenLength: number,
  ) {
    this.pieces = pieces;
    this.vocabSize = pieces.length;
    // subtle: run.c looks tokens up by binary search over the sorted vocabulary; with duplicate strings
    // it would find one of them. The first occurrence is kept here; Llama 2's vocabulary has none.
    pieces.forEach((p, id) => {
      if (!this.lookup.has(p)) this.lookup.set(p, id);
    });
    const specialText = (id: number) => utf8DecodeLossy(Buffer.from(pieces[id] ?? "", "latin1")).trim();
    this.specialTokens = new Map([
      [specialText(BOS), BOS],
      [specialText(EOS), EOS],
    ]);
    this.special = new SpecialTokenSet(this.specialTokens);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = options.addSpecial ? [BOS] : [];
    const matcher = this.special.matcher(options.allowedSpecial ?? "none");
    for (const seg of matcher ? matcher.split(text) : [{ text }]) {
      if (seg.id !== undefined) ids.push(seg.id);
      else ids.push(...this.encodeText(seg.text));
    }
    return ids;
  }

  private encodeText(text: string): number[] {
    // run.c reads a C string: it ends at the first NUL.
    const nul = text.indexOf("\0");
    const bytes = utf8Encode(nul >= 0 ? text.slice(0, nul) : text);
    if (bytes.length === 0) return [];
    const dummy = this.lookup.get(" ");
    const tokens: number[] = dummy === undefined ? [] : [dummy];
    // One token per UTF-8 character (at most 4 bytes at a time), or its bytes when it is not a token.
    for (let i = 0; i < bytes.length; ) {
      let length = 1;
      while (length < 4 && i + length < bytes.length && (bytes[i + length] & 0xc0) === 0x80) length++;
      const id = this.lookup.get(latin1(bytes, i, i + length));
      if (id !== undefined) tokens.push(id);
      else for (let j = i; j < i + length; j++) tokens.push(bytes[j] + BYTE_OFFSET);
      i += length;
    }
    return this.mergeByScore(tokens);
  }

  /** run.c's merge loop: highest score first, leftmost on ties (with a heap instead of rescanning). */
  private mergeByScore(tokens: number[]): number[] {
    const scoreOf = (left: string, right: string): number | undefined => {
      const id = this.lookup.get(left + right);
      return id !== undefined && this.scores[id] > -1e10 ? this.scores[id] : undefined;
    };
    // Symbols are the tokens' texts as C strings (up to a NUL): what run.c's sprintf("%s%s") concatenates.
    const merged = mergeByScore(tokens.map((t) => cString(this.pieces[t])), scoreOf);
    // Every piece is a token's text again (a byte token's text "<0x41>" maps back to itself).
    return merged.map((piece) => this.lookup.get(piece)!);
  }

  /** Concatenated piece bytes; a byte piece `<0xNN>` is its byte; the dummy space after BOS is dropped. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const out: number[] = [];
    let first = true;
    for (const id of ids) {
      const piece = this.pieces[id];
      if (piece === undefined) throw new UserError("ids", `token id ${id} is out of range (vocabulary size ${this.vocabSize})`);
      if (id === BOS || id === EOS) {
        if (!skip) for (const c of utf8Encode([...this.specialTokens].find(([, v]) => v === id)![0])) out.push(c);
        continue;
      }
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (byte) out.push(parseInt(byte[1], 16));
      else {
        const start = first && piece.startsWith(" ") ? 1 : 0; // as sentencepiece.decode drops the dummy prefix
        for (let i = start; i < piece.length; i++) out.push(piece.charCodeAt(i));
      }
      first = false;
    }
    return utf8DecodeLossy(Uint8Array.from(out));
  }

  idToToken(id: number): string | undefined {
    const piece = this.pieces[id];
    return piece === undefined ? undefined : utf8DecodeLossy(Buffer.from(piece, "latin1"));
  }
  tokenToId(token: string): number | undefined {
    return this.lookup.get(Buffer.from(token, "utf8").toString("latin1"));
  }
  isSpecial(id: number): boolean {
    return id === BOS || id === EOS;
  }
}

/** A piece as C's %s prints it: up to its first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Parses a llama2.c tokenizer.bin. Every length is checked against the file, so truncation is caught. */
export function parseLlama2cTokenizer(buf: Uint8Array, source: string): Llama2cTokenizer {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) throw new FormatError(source, "too short for a llama2.c tokenizer (no max_token_length)");
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1024) throw new FormatError(source, `max_token_length ${maxTokenLength} is not plausible: not a llama2.c tokenizer.bin`);
  const pieces: string[] = [];
  const scores: number[] = [];
  let pos = 4;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) throw new FormatError(source, `truncated at token ${pieces.length} (byte ${pos} of ${buf.length})`);
    const score = view.getFloat32(pos, true);
    const length = view.getInt32(pos + 4, true);
    if (length < 0 || length > maxTokenLength || pos + 8 + length > buf.length) {
      throw new FormatError(source, `token ${pieces.length} has length ${length} at byte ${pos + 4}: truncated or not a llama2.c tokenizer.bin`);
    }
    pieces.push(Buffer.from(buf.subarray(pos + 8, pos + 8 + length)).toString("latin1"));
    scores.push(score);
    pos += 8 + length;
  }
  if (pieces.length < 3 + 256) throw new FormatError(source, `only ${pieces.length} tokens: a llama2.c vocabulary has <unk>, <s>, </s> and 256 byte tokens first`);
  return new Llama2cTokenizer(pieces, Float32Array.from(scores), maxTokenLength);
}

export function loadLlama2cTokenizer(path: string): Llama2cTokenizer {
  return parseLlama2cTokenizer(readFileSync(path), path);
}

/** For tests: writes a tokenizer.bin from pieces and scores (the format's inverse). */
export function serializeLlama2cTokenizer(pieces: readonly Uint8Array[], scores: readonly number[]): Uint8Array {
  const maxLength = Math.max(1, ...pieces.map((p) => p.length));
  const size = 4 + pieces.reduce((n, p) => n + 8 + p.length, 0);
  const out = Buffer.alloc(size);
  out.writeInt32LE(maxLength, 0);
  let pos = 4;
  pieces.forEach((p, i) => {
    out.writeFloatLE(scores[i], pos);
    out.writeInt32LE(p.length, pos + 4);
    out.set(p, pos + 8);
    pos += 8 + p.length;
  });
  return out;
}

