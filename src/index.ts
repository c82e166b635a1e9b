/**
 * glassbox's public API.
 *
 *   import { loadTokenizer } from "glassbox";
 *   const tok = loadTokenizer("tokenizer.json");
 *   tok.encode("Hello world")  → [9906, 1917]
 *
 *   import { loadModel } from "glassbox";
 *   const model = await loadModel("tinyllama-1.1b.Q4_K_M.gguf");
 *   for await (const text of model.generate("Once upon a time", { maxTokens: 40 })) process.stdout.write(text);
 *   model.forward([1, 9038, 2501]);   → one Float32Array of logits per position
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

// Inference
export { loadModel, Model, Generation, type GenerateOptions, type LoadModelOptions } from "./generation/model.js";
export { generateIds, type GenerationStats, type StopReason, type TokenLoopOptions } from "./generation/generate.js";
export * as samplers from "./generation/samplers.js";
export { StopStringFilter } from "./generation/stop-strings.js";
export { loadLanguageModel, openModelFile, type LoadedModel, type ModelFile, type ModelFormat } from "./models/load.js";
export type { LanguageModel } from "./models/language-model.js";
export { parameterCount, kvBytesPerToken, type TransformerConfig, type RopeConfig, type Family } from "./models/config.js";
export { writeHfAsGguf } from "./models/export-gguf.js";
export { KvCache } from "./nn/kv-cache.js";
export { Tensor } from "./tensor/tensor.js";
export type { Backend, RopeStyle, AttentionShape } from "./tensor/backend.js";
export { ReferenceBackend } from "./backends/reference/reference-backend.js";
export { RecordingTracer, NO_TRACE, type Tracer, type TraceEntry, type TraceName } from "./trace/trace.js";
export { readGgufHeader, type GgufHeader } from "./formats/gguf.js";
export { readSafetensorsHeader, readSafetensorsDirectory, writeSafetensors } from "./formats/safetensors.js";
export type { DType } from "./core/dtype.js";
