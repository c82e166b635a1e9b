/**
 * A character-level vocabulary exported as tokenizer.json: Hugging Face tokenizers (the Rust library) and
 * glassbox load it and encode identically — one id per character, in code-point order — and decode back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import rust from "@anush008/tokenizers";
import fc from "fast-check";
import { loadTokenizerJson } from "../../src/tokenizers/hf/tokenizer-json.js";
import { characterVocabulary, charTokenizerJson } from "../../src/tokenizers/train/char-vocabulary.js";

const SHAKESPEARE = new URL("../../../../shared/data/tinyshakespeare.txt", import.meta.url).pathname;

test("character vocabulary: Hugging Face tokenizers and glassbox encode and decode identically", async (t) => {
  let text: string;
  try {
    text = readFileSync(SHAKESPEARE, "utf8");
  } catch {
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";
    t.diagnostic(`${SHAKESPEARE} absent: using a short passage`);
  }
  text += "naïve café — 日本語 🙂"; // multi-byte and astral characters too
  const chars = characterVocabulary(text);
  // every distinct character once, in code-point order (Python's sorted(set(text))), astral ones whole
  assert.deepEqual(new Set(chars), new Set(Array.from(text)));
  for (let i = 1; i < chars.length; i++) assert.ok(chars[i - 1]!.codePointAt(0)! < chars[i]!.codePointAt(0)!, `order at ${i}`);
  assert.ok(chars.includes("🙂") && chars.indexOf("🙂") === chars.length - 1, "the astral character sorts last, whole");
  const dir = mkdtempSync(join(tmpdir(), "glassbox-char-"));
  const path = join(dir, "tokenizer.json");
  writeFileSync(path, JSON.stringify(charTokenizerJson(chars)));
  const ours = loadTokenizerJson(path);
  const reference = rust.Tokenizer.fromFile(path);
  const idOf = new Map(chars.map((c, i) => [c, i]));

  const paragraphs = text.split("\n\n").slice(0, 2000);
  const random = fc.sample(fc.array(fc.constantFrom(...chars), { maxLength: 60 }).map((a) => a.join("")), { seed: 42, numRuns: 3000 });
  const inputs = [...paragraphs, ...random];
  const encodings = await reference.encodeBatch(inputs, { addSpecialTokens: false });
  let tokens = 0;
  inputs.forEach((input, i) => {
    const expected = encodings[i]!.getIds();
    const mine = ours.encode(input);
    assert.deepEqual(mine, expected, JSON.stringify(input));
    assert.deepEqual(mine, Array.from(input, (ch) => idOf.get(ch)), "one id per character");
    tokens += mine.length;
  });
  const decoded = await reference.decodeBatch(encodings.map((e) => e.getIds()), false);
  inputs.forEach((input, i) => {
    assert.equal(decoded[i], input, "Hugging Face decode");
    assert.equal(ours.decode(ours.encode(input)), input, "glassbox decode");
  });
  t.diagnostic(`${chars.length} characters; ${inputs.length} strings, ${tokens} tokens: identical ids and round trips`);
});
