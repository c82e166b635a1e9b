/**
 * The parts of SentencePiece's ModelProto (sentencepiece_model.proto) that encoding and decoding need.
 *
 *   ModelProto { 1: repeated SentencePiece pieces { 1: piece, 2: score (float), 3: type }
 *                2: TrainerSpec { 3: model_type, 35: byte_fallback, 24: treat_whitespace_as_suffix,
 *                                 40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id, 44: unk_surface }
 *                3: NormalizerSpec { 1: name, 2: precompiled_charsmap, 3: add_dummy_prefix,
 *                                    4: remove_extra_whitespaces, 5: escape_whitespaces } }
 */
import { FormatError } from "../../core/errors.js";
import { int32, readFields, text } from "../../formats/protobuf.js";

export const enum PieceType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

export interface Piece {
  readonly piece: string;
  readonly score: number; // float32
  readonly type: PieceType;
}

export interface ModelProto {
  readonly pieces: Piece[];
  readonly modelType: "unigram" | "bpe" | "word" | "char";
  readonly byteFallback: boolean;
  readonly treatWhitespaceAsSuffix: boolean;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkSurface: string;
  readonly normalizer: {
    readonly name: string;
    readonly charsmap: Uint8Array | undefined;
    readonly addDummyPrefix: boolean;
    readonly removeExtraWhitespaces: boolean;
    readonly escapeWhitespaces: boolean;
  };
}

const MODEL_TYPES = { 1: "unigram", 2: "bpe", 3: "word", 4: "char" } as const;

export function parseModelProto(buf: Uint8Array, source: string): ModelProto {
  const pieces: Piece[] = [];
  let trainer: Partial<Record<number, number | string>> = {};
  let normalizerFields: Partial<Record<number, number | string | Uint8Array>> = {};
  for (const f of readFields(buf, source)) {
    if (f.number === 1 && f.wireType === 2) {
      let piece: string | undefined;
      let score = 0;
      let type = PieceType.Normal;
      for (const p of readFields(f.bytes, source)) {
        if (p.number === 1) piece = text(p);
        else if (p.number === 2) score = p.value;
        else if (p.number === 3) type = p.value as PieceType;
      }
      if (piece === undefined) throw new FormatError(source, `piece ${pieces.length} has no text`);
      pieces.push({ piece, score, type });
    } else if (f.number === 2 && f.wireType === 2) {
      trainer = {};
      for (const t of readFields(f.bytes, source)) trainer[t.number] = t.wireType === 2 ? text(t) : t.wireType === 0 ? int32(t) : t.value;
    } else if (f.number === 3 && f.wireType === 2) {
      normalizerFields = {};
      for (const n of readFields(f.bytes, source)) normalizerFields[n.number] = n.number === 2 ? n.bytes : n.wireType === 2 ? text(n) : n.value;
    }
  }
  if (pieces.length === 0) throw new FormatError(source, "no pieces: not a SentencePiece model");
  const modelType = MODEL_TYPES[(trainer[3] as number | undefined ?? 1) as 1 | 2 | 3 | 4];
  if (!modelType) throw new FormatError(source, `unknown model_type ${trainer[3]}`);
  const flag = (fields: Partial<Record<number, unknown>>, n: number, fallback: boolean): boolean =>
    fields[n] === undefined ? fallback : fields[n] !== 0;
  const num = (n: number, fallback: number): number => (trainer[n] === undefined ? fallback : (trainer[n] as number));
  return {
    pieces,
    modelType,
    byteFallback: flag(trainer, 35, false),
    treatWhitespaceAsSuffix: flag(trainer, 24, false),
    unkId: num(40, 0),
    bosId: num(41, 1),
    eosId: num(42, 2),
    padId: num(43, -1),
    unkSurface: (trainer[44] as string | undefined) ?? " \u2047 ",
    normalizer: {
      name: (normalizerFields[1] as string | undefined) ?? "",
      charsmap: normalizerFields[2] as Uint8Array | undefined,
      addDummyPrefix: flag(normalizerFields, 3, true),
      removeExtraWhitespaces: flag(normalizerFields, 4, true),
      escapeWhitespaces: flag(normalizerFields, 5, true),
    },
  };
}
