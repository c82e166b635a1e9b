/**
 * glassbox's public API.
 *
 *   import { loadTokenizer } from "glassbox";
 *   const tok = loadTokenizer("tokenizer.json");
 *   tok.encode("Hello world")  → [9906, 1917]
 */
export { UserError, FormatError, isUserError } from "./core/errors.js";
export type { Tokenizer, TokenizerFormat, EncodeOptions, DecodeOptions, AllowedSpecial } from "./tokenizers/types.js";
export { countTokens } from "./tokenizers/types.js";
export { loadTokenizer } from "./tokenizers/load.js";
export { StreamingDecoder } from "./tokenizers/streaming-decoder.js";
export { loadTokenizerJson, tokenizerFromJson, HfTokenizer } from "./tokenizers/hf/tokenizer-json.js";
export { loadSentencePiece, SentencePieceTokenizer } from "./tokenizers/sentencepiece/sentencepiece.js";
export { loadTiktoken, TiktokenTokenizer, TIKTOKEN_ENCODINGS } from "./tokenizers/tiktoken.js";
export { loadLlama2cTokenizer, Llama2cTokenizer } from "./tokenizers/llama2c.js";
export { loadGgufVocab, GgufVocabTokenizer } from "./tokenizers/gguf-vocab.js";
export { trainBpe, type TrainedBpe, type TrainOptions } from "./tokenizers/train/bpe-trainer.js";
