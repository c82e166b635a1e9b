/**
 * The shape every tokenizer has, whatever file it came from.
 *
 * text ─▶ (special tokens split out) ─▶ normalize ─▶ pre-tokenize ─▶ model (BPE | Unigram | WordPiece) ─▶ ids
 * ids ─▶ pieces ─▶ decoder ─▶ text
 */

/** Which special-token texts match as their token when found in the input. */
export type AllowedSpecial = "all" | "none" | ReadonlySet<string>;

export interface EncodeOptions {
  /** Special-token texts that match (default: as the format's reference library does, see DESIGN.md). */
  readonly allowedSpecial?: AllowedSpecial;
  /** Add BOS/EOS as the format's post-processor or metadata says. Default false. */
  readonly addSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave special tokens out of the text. Default true. */
  readonly skipSpecial?: boolean;
}

export type TokenizerFormat = "tokenizer.json" | "sentencepiece" | "tiktoken" | "llama2c" | "gguf";

export interface Tokenizer {
  readonly format: TokenizerFormat;
  /** Number of ids (the largest id + 1, added tokens included). */
  readonly vocabSize: number;
  /** Special (control) tokens by their text. */
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The stored piece of an id (e.g. "Ġthe", "▁the", "<0x0A>"), undefined when out of range. */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Is `id` a special (control) token, skipped by decode unless asked? */
  isSpecial(id: number): boolean;
}

/** Counts tokens without keeping them (the cheap question an application asks most). */
export function countTokens(tokenizer: Tokenizer, text: string, options?: EncodeOptions): number {
  return tokenizer.encode(text, options).length;
}
