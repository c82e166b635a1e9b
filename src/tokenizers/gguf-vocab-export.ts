/**
 * Writes a tokenizer's vocabulary as GGUF metadata (`tokenizer.ggml.*`), as llama.cpp's converter does:
 * SentencePiece models become a "llama" vocabulary (pieces, scores, token types), byte-level BPE
 * tokenizer.json files a "gpt2" vocabulary (tokens, merges, token types, pre-tokenizer name).
 */
import { GgufType } from "../formats/gguf.js";
import type { TypedValue } from "../formats/gguf-writer.js";
import { TokenType } from "./gguf-vocab.js";
import type { HfTokenizer } from "./hf/tokenizer-json.js";
import type { SentencePieceTokenizer } from "./sentencepiece/sentencepiece.js";

const str = (value: string): TypedValue => ({ type: GgufType.String, value });
const u32 = (value: number): TypedValue => ({ type: GgufType.Uint32, value });
const bool = (value: boolean): TypedValue => ({ type: GgufType.Bool, value });
const array = (itemType: GgufType, value: readonly (string | number | boolean)[]): TypedValue => ({ type: GgufType.Array, itemType, value });

export function sentencePieceToGguf(sp: SentencePieceTokenizer): Map<string, TypedValue> {
  const { pieces, unkId, bosId, eosId } = sp.proto;
  const meta = new Map<string, TypedValue>([
    ["tokenizer.ggml.model", str("llama")],
    ["tokenizer.ggml.tokens", array(GgufType.String, pieces.map((p) => p.piece))],
    ["tokenizer.ggml.scores", array(GgufType.Float32, pieces.map((p) => p.score))],
    ["tokenizer.ggml.token_type", array(GgufType.Int32, pieces.map((p) => p.type))], // the same numbering
    ["tokenizer.ggml.add_bos_token", bool(true)],
    ["tokenizer.ggml.add_eos_token", bool(false)],
    ["tokenizer.ggml.add_space_prefix", bool(sp.proto.normalizer.addDummyPrefix)],
  ]);
  if (unkId >= 0) meta.set("tokenizer.ggml.unknown_token_id", u32(unkId));
  if (bosId >= 0) meta.set("tokenizer.ggml.bos_token_id", u32(bosId));
  if (eosId >= 0) meta.set("tokenizer.ggml.eos_token_id", u32(eosId));
  return meta;
}

/** A byte-level BPE tokenizer.json as a "gpt2" vocabulary; `pre` names its split pattern for llama.cpp. */
export function byteLevelBpeToGguf(hf: HfTokenizer, merges: readonly [string, string][], pre: string): Map<string, TypedValue> {
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < hf.vocabSize; id++) {
    const added = hf.added.byId.get(id);
    tokens.push(hf.idToToken(id) ?? `[PAD${id}]`);
    types.push(added ? (added.special ? TokenType.Control : TokenType.UserDefined) : TokenType.Normal);
  }
  const meta = new Map<string, TypedValue>([
    ["tokenizer.ggml.model", str("gpt2")],
    ["tokenizer.ggml.pre", str(pre)],
    ["tokenizer.ggml.tokens", array(GgufType.String, tokens)],
    ["tokenizer.ggml.token_type", array(GgufType.Int32, types)],
    ["tokenizer.ggml.merges", array(GgufType.String, merges.map(([a, b]) => `${a} ${b}`))],
    ["tokenizer.ggml.add_bos_token", bool(hf.bosId !== undefined)],
  ]);
  if (hf.bosId !== undefined) meta.set("tokenizer.ggml.bos_token_id", u32(hf.bosId));
  if (hf.eosId !== undefined) meta.set("tokenizer.ggml.eos_token_id", u32(hf.eosId));
  return meta;
}
