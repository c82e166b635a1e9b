/**
 * The GGUF vocabulary (tokenizer.ggml.* metadata) for a tokenizer file, as llama.cpp's converter would
 * write it: SentencePiece .model files as a "llama" vocabulary; byte-level BPE tokenizer.json files as a
 * "gpt2" vocabulary whose `pre` names the split regex (gpt-2, llama-bpe for Llama 3's, qwen2).
 */
import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";
import type { TypedValue } from "../formats/gguf-writer.js";
import { byteLevelBpeToGguf, sentencePieceToGguf } from "./gguf-vocab-export.js";
import { loadTokenizerJson } from "./hf/tokenizer-json.js";
import { loadSentencePiece } from "./sentencepiece/sentencepiece.js";

/** llama.cpp's `tokenizer.ggml.pre` names, recognized by a fragment of each split regex. */
const PRE_BY_PATTERN: [string, string][] = [
  [String.raw`\p{N}{1,3}`, "llama-bpe"], // Llama 3 (= GPT-4's pattern)
  [String.raw`[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|`, "qwen2"], // single digits
  [String.raw`?\p{L}+| ?\p{N}+`, "gpt-2"],
];

export function ggufVocabularyFor(path: string): Map<string, TypedValue> {
  if (path.endsWith(".model")) return sentencePieceToGguf(loadSentencePiece(path));
  if (!path.endsWith(".json")) throw new UserError(path, "can only write a GGUF vocabulary from a SentencePiece .model or a tokenizer.json");
  const json = JSON.parse(readFileSync(path, "utf8")) as { model?: { type?: string; merges?: (string | [string, string])[] }; pre_tokenizer?: unknown };
  const pre = JSON.stringify(json.pre_tokenizer ?? null);
  if (json.model?.type !== "BPE" || !pre.includes('"ByteLevel"')) {
    throw new UserError(path, "only byte-level BPE tokenizer.json files (GPT-2, Llama 3, Qwen2 style) can be written as a GGUF vocabulary so far");
  }
  const merges = (json.model.merges ?? []).map((m) => (typeof m === "string" ? (m.split(" ") as [string, string]) : m));
  const pattern = JSON.parse(pre) as unknown;
  const text = JSON.stringify(pattern);
  const name = PRE_BY_PATTERN.find(([fragment]) => text.includes(JSON.stringify(fragment).slice(1, -1)))?.[1] ?? "gpt-2";
  return byteLevelBpeToGguf(loadTokenizerJson(path), merges, name);
}
