/**
 * Models to quantize in tests, rebuilt deterministically (same bytes on every machine) into test/.cache:
 * the recorded llama-quantize outputs (scripts/reference/make-quantize-fixtures.mjs) were made from
 * exactly these files.
 */
import { existsSync, mkdirSync } from "node:fs";
import { GgufType } from "../../src/formats/gguf.js";
import type { TypedValue } from "../../src/formats/gguf-writer.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { sentencePieceToGguf } from "../../src/tokenizers/gguf-vocab-export.js";
import { loadSentencePiece } from "../../src/tokenizers/sentencepiece/sentencepiece.js";
import { fixtureDir } from "./model-fixtures.js";
import { writeRandomLlama } from "./random-checkpoint.js";
import { CACHE_DIR } from "./tiktoken-files.js";

const SPM = new URL("../../../test/fixtures/tokenizers/spm-bpe.model", import.meta.url).pathname;
export const QUANT_CACHE = `${CACHE_DIR}quant/`;

export const QUANTIZE_CASES = {
  /** 8 layers of 256: llama.cpp's per-layer choices (use_more_bits) and k-quant rows */
  llama8: () => random("llama8", { modelType: "llama", vocabSize: 800, dim: 256, ffn: 256, layers: 8, heads: 4, kvHeads: 2, seed: 21 }),
  /** tied embeddings: the token embedding is quantized like an output head */
  qwen2tied: () => random("qwen2tied", { modelType: "qwen2", vocabSize: 800, dim: 256, ffn: 512, layers: 2, heads: 4, kvHeads: 1, tied: true, seed: 22 }),
  /** rows of 32: every k-quant falls back */
  gpt2: () => fixture("gpt2", "f32"),
  mixtral: () => fixture("mixtral", "f16"),
} as const;

export type QuantizeCase = keyof typeof QUANTIZE_CASES;

function random(name: string, options: Parameters<typeof writeRandomLlama>[1]): string {
  const path = `${QUANT_CACHE}${name}.gguf`;
  if (!existsSync(path)) {
    mkdirSync(QUANT_CACHE, { recursive: true });
    const dir = `${QUANT_CACHE}${name}-hf`;
    writeRandomLlama(dir, options);
    writeHfAsGguf(dir, path, sentencePieceToGguf(loadSentencePiece(SPM)) as Map<string, TypedValue>);
  }
  return path;
}

function fixture(family: string, dtype: string): string {
  const path = `${QUANT_CACHE}${family}-${dtype}.gguf`;
  if (!existsSync(path)) {
    mkdirSync(QUANT_CACHE, { recursive: true });
    writeHfAsGguf(fixtureDir(family, dtype), path, new Map([["general.name", { type: GgufType.String, value: `${family}-${dtype}` }]]));
  }
  return path;
}
