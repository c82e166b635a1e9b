/**
 * A trained byte-level BPE as a Hugging Face tokenizer.json: the regex Split + ByteLevel pre-tokenizer,
 * a BPE model whose vocabulary is written in GPT-2's byte-to-character form, and a ByteLevel decoder.
 * Loads in Hugging Face tokenizers (Rust and JavaScript) and in glassbox, all encoding identically.
 */
import { bytesToByteLevel } from "../byte-level.js";
import type { TrainedBpe } from "./bpe-trainer.js";

export function toTokenizerJson(trained: TrainedBpe): object {
  const names = trained.vocab.map((bytes) => bytesToByteLevel(bytes));
  const vocab: Record<string, number> = {};
  names.forEach((name, id) => (vocab[name] = id));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false };
  const preTokenizer = trained.pattern
    ? { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: trained.pattern }, behavior: "Isolated", invert: false }, byteLevel] }
    : byteLevel;
  return bpeTokenizerJson({
    addedTokens: [...trained.specialTokens].map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    preTokenizer,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    vocab,
    merges: trained.merges.map(([a, b]) => [names[a]!, names[b]!]),
  });
}

/** The tokenizer.json of a BPE model without normalizer or post-processor (the trainers' output form). */
export function bpeTokenizerJson(parts: { addedTokens: object[]; preTokenizer: object | null; decoder: object; vocab: Record<string, number>; merges: [string, string][] }): object {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: parts.addedTokens,
    normalizer: null,
    pre_tokenizer: parts.preTokenizer,
    post_processor: null,
    decoder: parts.decoder,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: parts.vocab,
      merges: parts.merges,
    },
  };
}
