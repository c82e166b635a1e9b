/**
 * SentencePiece `.model` files, encoded as the `sentencepiece` library's `encode(text)` does.
 *
 *   normalize:  "Hello world" → "▁Hello▁world"     (charsmap rules, dummy prefix, spaces escaped as ▁)
 *   BPE:        characters, then repeatedly merge the adjacent pair whose union is a piece with the
 *               highest score (leftmost on ties)  → ["▁Hello", "▁world"]
 *   Unigram:    the segmentation with the highest total score (Viterbi over every piece that matches)
 *   byte fallback: a piece that is not in the vocabulary becomes its UTF-8 bytes as <0xNN> pieces
 *
 * Control pieces (<s>, </s>) never match text unless asked (`allowedSpecial`); user-defined pieces always
 * do, whole.
 */
import { readFileSync } from "node:fs";
import { FormatError, UserError } from "../../core/errors.js";
import { isValidUtf8, utf8DecodeLossy, utf8Encode, utf8SequenceLength } from "../../core/utf8.js";
import { SpecialTokenSet } from "../special-tokens.js";
import { mergeByScore } from "../score-merge.js";
import { Trie } from "../trie.js";
import type { DecodeOptions, EncodeOptions, Tokenizer } from "../types.js";
import { CharsMap } from "./charsmap.js";
import { parseModelProto, PieceType, type ModelProto } from "./model-proto.js";

const SPACE = "\u2581"; // ▁, SentencePiece's visible space
const UNK_PENALTY = 10;

export class SentencePieceTokenizer implements Tokenizer {
  readonly format = "sentencepiece" as const;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** NORMAL, USER_DEFINED and UNUSED pieces: the ones text can become. */
  private readonly pieces = new Map<string, number>();
  /** CONTROL, UNKNOWN and BYTE pieces. */
  private readonly reserved = new Map<string, number>();
  private readonly userDefined = new Trie();
  private readonly hasUserDefined: boolean;
  private readonly charsmap: CharsMap | undefined;
  private readonly special: SpecialTokenSet;
  private readonly byteIds: number[] = [];
  private readonly unigramTrie: Trie | undefined;
  private readonly minScore: number;
  private readonly maxScore: number;

  constructor(
    readonly proto: ModelProto,
    readonly source: string,
  ) {
    const { pieces } = proto;
    let minScore = Infinity;
    let maxScore = -Infinity;
    pieces.forEach((p, id) => {
      const normal = p.type === PieceType.Normal || p.type === PieceType.UserDefined || p.type === PieceType.Unused;
      const map = normal ? this.pieces : this.reserved;
      if (map.has(p.piece)) throw new FormatError(source, `piece "${p.piece}" is defined twice`);
      map.set(p.piece, id);
      if (p.type === PieceType.UserDefined) this.userDefined.insert(utf8Encode(p.piece), id);
      if (p.type === PieceType.Normal) {
        minScore = Math.min(minScore, p.score);
        maxScore = Math.max(maxScore, p.score);
      }
    });
    this.minScore = minScore;
    this.maxScore = maxScore;
    this.hasUserDefined = pieces.some((p) => p.type === PieceType.UserDefined);
    this.vocabSize = pieces.length;
    this.charsmap = proto.normalizer.charsmap?.length ? new CharsMap(proto.normalizer.charsmap, `${source}: normalizer_spec.precompiled_charsmap`) : undefined;
    this.specialTokens = new Map(pieces.flatMap((p, id) => (p.type === PieceType.Control ? [[p.piece, id] as const] : [])));
    this.special = new SpecialTokenSet(this.specialTokens);
    for (let b = 0; b < 256; b++) {
      this.byteIds[b] = this.reserved.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`) ?? -1;
    }
    const validId = (id: number) => (id >= 0 && id < pieces.length ? id : undefined);
    this.bosId = validId(proto.bosId);
    this.eosId = validId(proto.eosId);
    if (proto.modelType === "unigram") {
      this.unigramTrie = new Trie();
      for (const [piece, id] of this.pieces) this.unigramTrie.insert(utf8Encode(piece), id);
    } else if (proto.modelType !== "bpe") {
      throw new UserError(source, `SentencePiece model_type "${proto.modelType}" is not supported (supported: unigram, bpe)`);
    }
  }

  /** As `sentencepiece`'s `encode(text)`; `addSpecial` adds BOS. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addSpecial && this.bosId !== undefined) ids.push(this.bosId);
    const matcher = this.special.matcher(options.allowedSpecial ?? "none");
    const segments = matcher ? matcher.split(text) : [{ text }];
    for (const seg of segments) {
      if (seg.id !== undefined) ids.push(seg.id);
      else this.encodeOrdinary(seg.text, ids);
    }
    return ids;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    const normalized = this.normalize(text);
    if (normalized.length === 0) return;
    const pieces = this.unigramTrie ? this.encodeUnigram(normalized) : this.encodeBpe(normalized);
    const unkId = this.proto.unkId;
    for (const [piece, id] of pieces) {
      if (id === unkId && this.proto.byteFallback) {
        for (const b of utf8Encode(piece)) out.push(this.byteIds[b]);
      } else out.push(id);
    }
  }

  /** Length in bytes of the user-defined piece at bytes[from..], or 0. Longest match wins. */
  private userDefinedAt(bytes: Uint8Array, from: number): number {
    if (!this.hasUserDefined) return 0;
    let longest = 0;
    this.userDefined.prefixes(bytes, from, (end) => (longest = end - from));
    return longest;
  }

  /** SentencePiece's normalizer: charsmap, dummy prefix, extra-whitespace removal, ' ' → ▁. */
  normalize(text: string): string {
    const { addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces } = this.proto.normalizer;
    const suffix = this.proto.treatWhitespaceAsSuffix;
    const input = utf8Encode(text);
    const space = escapeWhitespaces ? SPACE : " ";
    let pos = 0;
    /** The normalized form of the next unit of input, and how many input bytes it consumes. */
    const nextPrefix = (): [string, number] => {
      const user = this.userDefinedAt(input, pos);
      if (user > 0) return [utf8DecodeLossy(input.subarray(pos, pos + user)), user];
      const hit = this.charsmap?.longestPrefix(input, pos);
      if (hit) return [utf8DecodeLossy(hit[1]), hit[0]];
      const length = Math.min(utf8SequenceLength(input[pos]), input.length - pos);
      return [utf8DecodeLossy(input.subarray(pos, pos + length)), length];
    };
    if (!suffix && removeExtraWhitespaces) {
      while (pos < input.length) {
        const [piece, length] = nextPrefix();
        if (piece !== " ") break;
        pos += length;
      }
    }
    if (pos >= input.length) return "";
    let out = !suffix && addDummyPrefix ? space : "";
    let prevSpace = removeExtraWhitespaces;
    while (pos < input.length) {
      let [piece, length] = nextPrefix();
      if (prevSpace) while (piece.startsWith(" ")) piece = piece.slice(1);
      if (piece.length > 0) {
        out += escapeWhitespaces ? piece.replaceAll(" ", SPACE) : piece;
        prevSpace = piece.endsWith(" ");
      }
      pos += length;
      if (!removeExtraWhitespaces) prevSpace = false;
    }
    if (removeExtraWhitespaces) while (out.endsWith(space)) out = out.slice(0, -space.length);
    if (suffix && addDummyPrefix) out += space;
    return out;
  }

  private pieceToId(piece: string): number {
    return this.reserved.get(piece) ?? this.pieces.get(piece) ?? this.proto.unkId;
  }

  /** BPE: merge the best-scoring adjacent pair until none is a piece. Returns [piece, id] pairs. */
  private encodeBpe(normalized: string): [string, number][] {
    const bytes = this.hasUserDefined ? utf8Encode(normalized) : undefined;
    // Split into characters; a user-defined piece is one frozen symbol.
    const symbols: string[] = [];
    const frozen: boolean[] = [];
    if (bytes) {
      for (let pos = 0; pos < bytes.length; ) {
        const user = this.userDefinedAt(bytes, pos);
        const length = user || Math.min(utf8SequenceLength(bytes[pos]), bytes.length - pos);
        symbols.push(utf8DecodeLossy(bytes.subarray(pos, pos + length)));
        frozen.push(user > 0);
        pos += length;
      }
    } else {
      for (const c of normalized) {
        symbols.push(c);
        frozen.push(false);
      }
    }
    const unused = new Map<string, [string, string]>(); // merged UNUSED piece → its halves, to resegment
    const scoreOf = (left: string, right: string): number | undefined => {
      const merged = left + right;
      const id = this.pieces.get(merged);
      if (id === undefined) return undefined;
      if (this.proto.pieces[id].type === PieceType.Unused) unused.set(merged, [left, right]);
      return this.proto.pieces[id].score;
    };
    const merged = mergeByScore(symbols, scoreOf, frozen);
    const out: [string, number][] = [];
    const resegment = (piece: string): void => {
      const id = this.pieceToId(piece);
      const halves = this.proto.pieces[id]?.type === PieceType.Unused ? unused.get(piece) : undefined;
      if (!halves) out.push([piece, id]);
      else {
        resegment(halves[0]);
        resegment(halves[1]);
      }
    };
    for (const piece of merged) resegment(piece);
    return out;
  }

  /** Unigram: Viterbi over the lattice of every piece that matches, scores summed in float32. */
  private encodeUnigram(normalized: string): [string, number][] {
    const bytes = utf8Encode(normalized);
    const n = bytes.length;
    const bestScore = new Float32Array(n + 1);
    const bestStart = new Int32Array(n + 1).fill(-1);
    const bestId = new Int32Array(n + 1);
    const unkScore = Math.fround(this.minScore - UNK_PENALTY); // a float in SentencePiece
    const { pieces } = this.proto;
    for (let start = 0; start < n; ) {
      const here = bestScore[start];
      const charLength = Math.min(utf8SequenceLength(bytes[start]), n - start);
      let hasSingle = false;
      this.unigramTrie!.prefixes(bytes, start, (end, id) => {
        const p = pieces[id];
        if (p.type === PieceType.Unused) return;
        const length = end - start;
        // a user-defined piece gets a bonus so that it is always chosen
        // subtle: in SentencePiece `score` is a double here (the user-defined branch is a double expression),
        // so the candidate is compared in double precision against the stored float32 best, then rounded.
        const score = p.type === PieceType.UserDefined ? length * this.maxScore - 0.1 : p.score;
        const candidate = score + here;
        if (bestStart[end] < 0 || candidate > bestScore[end]) {
          bestScore[end] = candidate;
          bestStart[end] = start;
          bestId[end] = id;
        }
        if (length === charLength) hasSingle = true;
      });
      if (!hasSingle) {
        const end = start + charLength;
        const candidate = Math.fround(unkScore + here); // float + float: a float sum here
        if (bestStart[end] < 0 || candidate > bestScore[end]) {
          bestScore[end] = candidate;
          bestStart[end] = start;
          bestId[end] = this.proto.unkId;
        }
      }
      start += charLength;
    }
    // Walk back from the end. Consecutive unknown pieces fuse into one, as SentencePiece does.
    const spans: [number, number, number][] = [];
    for (let end = n; end > 0; end = bestStart[end]) {
      const last = spans[spans.length - 1];
      if (last && bestId[end] === this.proto.unkId && last[2] === this.proto.unkId) last[0] = bestStart[end];
      else spans.push([bestStart[end], end, bestId[end]]);
    }
    return spans.reverse().map(([start, end, id]) => [utf8DecodeLossy(bytes.subarray(start, end)), id]);
  }

  /** As `sentencepiece`'s `decode(ids)`: control pieces vanish, ▁ → ' ', the dummy-prefix space goes. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const { pieces, unkId, unkSurface, normalizer } = this.proto;
    const stripLeading = !this.proto.treatWhitespaceAsSuffix && (normalizer.addDummyPrefix || normalizer.removeExtraWhitespaces);
    let text = "";
    let pendingBytes: number[] = [];
    let first = true;
    const flushBytes = () => {
      if (pendingBytes.length === 0) return;
      const decoded = decodeBytesPerChar(Uint8Array.from(pendingBytes));
      text += first && stripLeading && decoded.startsWith(" ") ? decoded.slice(1) : decoded;
      first = false;
      pendingBytes = [];
    };
    for (const id of ids) {
      const p = pieces[id];
      if (!p) throw new UserError("ids", `token id ${id} is out of range (vocabulary size ${pieces.length})`);
      if (p.type === PieceType.Byte) {
        pendingBytes.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (p.type === PieceType.Control) {
        if (!skip) text += p.piece;
        continue;
      }
      if (id === unkId) {
        text += unkSurface;
        first = false;
        continue;
      }
      let piece = p.piece;
      if (first && stripLeading && piece.startsWith(SPACE)) piece = piece.slice(SPACE.length);
      text += piece.replaceAll(SPACE, " ");
      first = false;
    }
    flushBytes();
    return text;
  }

  idToToken(id: number): string | undefined {
    return this.proto.pieces[id]?.piece;
  }
  tokenToId(token: string): number | undefined {
    return this.reserved.get(token) ?? this.pieces.get(token);
  }
  isSpecial(id: number): boolean {
    return this.proto.pieces[id]?.type === PieceType.Control;
  }
}

/** UTF-8 bytes → text, each byte of a malformed sequence becoming U+FFFD (as SentencePiece decodes bytes). */
function decodeBytesPerChar(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const length = utf8SequenceLength(bytes[i]);
    const chunk = bytes.subarray(i, i + length);
    if (chunk.length === length && isValidUtf8(chunk)) {
      out += utf8DecodeLossy(chunk);
      i += length;
    } else {
      out += "\ufffd";
      i += 1;
    }
  }
  return out;
}

export function parseSentencePiece(buf: Uint8Array, source: string): SentencePieceTokenizer {
  return new SentencePieceTokenizer(parseModelProto(buf, source), source);
}

export function loadSentencePiece(path: string): SentencePieceTokenizer {
  return parseSentencePiece(readFileSync(path), path);
}
