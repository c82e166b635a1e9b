import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadLlama2cTokenizer, parseLlama2cTokenizer } from "./llama2c.js";
import { loadSentencePiece } from "./sentencepiece/sentencepiece.js";
import { CORPUS, randomStrings, SHARED_DATA, shakespeareLines } from "../../test/support/corpus.js";
import { assertRoundTrip, compareEncodings, report } from "../../test/support/differential.js";
import { runPython } from "../../test/support/python-reference.js";

const BIN = `${SHARED_DATA}llama2c-tokenizer.bin`;

test("llama2.c tokenizer.bin: same ids as run.c's encode (Python transcription) on the corpus, Shakespeare and 10,000 random strings", (t) => {
  if (!existsSync(BIN)) return t.skip(`${BIN} not found (../shared/data is absent)`);
  const ours = loadLlama2cTokenizer(BIN);
  // run.c's merge loop is cubic in the text length, and so is its transcription: the few corpus entries and
  // Shakespeare paragraphs over 1,500 bytes are left out (all 10,000 random strings stay in).
  const short = (s: string) => Buffer.byteLength(s) <= 1500;
  const inputs = [...CORPUS.filter(short), ...shakespeareLines().filter(short), ...randomStrings(4000, 10_000)];
  const expected = runPython<number[][]>("llama2c_encode.py", [BIN, "32000"], inputs);
  report("llama2.c tokenizer.bin", "run.c encode (scripts/reference/llama2c_encode.py)", compareEncodings(inputs, expected, (s) => ours.encode(s)));
  const decodable = inputs.filter((s) => !s.includes("\0"));
  assertRoundTrip("llama2.c tokenizer.bin", decodable, (s) => ours.decode(ours.encode(s)));
});

test("llama2.c tokenizer.bin agrees with SentencePiece on ordinary text (the same Llama 2 vocabulary)", (t) => {
  const model = `${SHARED_DATA}llama2-tokenizer.model`;
  if (!existsSync(BIN) || !existsSync(model)) return t.skip("../shared/data is absent");
  const l2c = loadLlama2cTokenizer(BIN);
  const sp = loadSentencePiece(model);
  const lines = shakespeareLines().slice(0, 2000);
  const c = compareEncodings(lines, lines.map((s) => sp.encode(s)), (s) => l2c.encode(s));
  report("llama2.c tokenizer.bin on Shakespeare", "SentencePiece (llama2-tokenizer.model)", c);
});

test("llama2.c tokenizer.bin: BOS with addSpecial, NUL ends the text as in C, bad files fail clearly", (t) => {
  if (!existsSync(BIN)) return t.skip(`${BIN} not found`);
  const tok = loadLlama2cTokenizer(BIN);
  assert.deepEqual(tok.encode("Hello", { addSpecial: true }), [1, ...tok.encode("Hello")]);
  assert.deepEqual(tok.encode("ab\0cd"), tok.encode("ab"));
  assert.deepEqual(tok.encode(""), []);
  const bytes = readFileSync(BIN);
  assert.throws(() => parseLlama2cTokenizer(bytes.subarray(0, 5000), "cut.bin"), /cut\.bin: (truncated|token \d+ has length)/);
  assert.throws(() => parseLlama2cTokenizer(Buffer.from([0xff, 0xff, 0xff, 0x7f]), "odd.bin"), /odd\.bin: max_token_length/);
});
