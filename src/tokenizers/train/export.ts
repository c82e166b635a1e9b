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
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [...trained.specialTokens].map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: trained.merges.map(([a, b]) => [names[a], names[b]]),
    },
  };
}
