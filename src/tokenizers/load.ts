/**
 * loadTokenizer(path): opens any tokenizer file glassbox reads, by name and content.
 *
 *   tokenizer.json        Hugging Face tokenizers              (also any *.json)
 *   *.model               SentencePiece
 *   NAME.tiktoken         tiktoken rank file; NAME is the encoding (cl100k_base, o200k_base, ...)
 *   *.bin                 llama2.c tokenizer.bin
 *   *.gguf                the vocabulary in a GGUF model
 *   a directory           tokenizer.json, else tokenizer.model, else tokenizer.bin, else a single *.gguf
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { UserError } from "../core/errors.js";
import { loadGgufVocab } from "./gguf-vocab.js";
import { loadTokenizerJson } from "./hf/tokenizer-json.js";
import { loadLlama2cTokenizer } from "./llama2c.js";
import { loadSentencePiece } from "./sentencepiece/sentencepiece.js";
import { loadTiktoken } from "./tiktoken.js";
import type { Tokenizer } from "./types.js";

const SUPPORTED = "tokenizer.json, SentencePiece .model, NAME.tiktoken, llama2.c tokenizer .bin, .gguf, or a model directory";

function firstBytes(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const read = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function resolveDirectory(dir: string): string {
  for (const name of ["tokenizer.json", "tokenizer.model", "tokenizer.bin"]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  const ggufs = readdirSync(dir).filter((f) => f.endsWith(".gguf"));
  if (ggufs.length === 1) return join(dir, ggufs[0]);
  throw new UserError(dir, `no tokenizer found in this directory (looked for tokenizer.json, tokenizer.model, tokenizer.bin or one .gguf)`);
}

export function loadTokenizer(path: string): Tokenizer {
  if (!existsSync(path)) throw new UserError(path, "no such file or directory");
  if (statSync(path).isDirectory()) path = resolveDirectory(path);
  const head = firstBytes(path, 4);
  if (head.length === 4 && head.toString("latin1") === "GGUF") return loadGgufVocab(path);
  switch (extname(path).toLowerCase()) {
    case ".json":
      return loadTokenizerJson(path);
    case ".model":
      return loadSentencePiece(path);
    case ".tiktoken":
      return loadTiktoken(path);
    case ".bin":
      return loadLlama2cTokenizer(path);
    case ".gguf":
      return loadGgufVocab(path);
  }
  if (head[0] === 0x7b /* { */) return loadTokenizerJson(path);
  throw new UserError(path, `unknown tokenizer type (supported: ${SUPPORTED})`);
}
