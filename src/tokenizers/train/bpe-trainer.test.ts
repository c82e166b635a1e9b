import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import rust from "@anush008/tokenizers";
import { Tokenizer as JsPortTokenizer } from "@huggingface/tokenizers";
import { trainBpe } from "./bpe-trainer.js";
import { toTokenizerJson } from "./export.js";
import { tokenizerFromJson } from "../hf/tokenizer-json.js";
import { compilePattern, SPLIT_PATTERNS } from "../regex.js";
import { bpeMerge, packMerge, type MergeTable } from "../bpe.js";
import type { Json } from "../hf/json.js";
import { randomStrings, shakespeare, shakespeareLines } from "../../../test/support/corpus.js";
import { compareEncodings, report } from "../../../test/support/differential.js";
import { runPython } from "../../../test/support/python-reference.js";

/** Encodes as minbpe does: BPE with the trained merges, ranked by creation order. */
function encodeWithMerges(bytes: Uint8Array, merges: [number, number][]): number[] {
  const table = new Map(merges.map(([a, b], i) => [a * 2 ** 21 + b, packMerge(i, 256 + i)]));
  const mergeTable: MergeTable = { merge: (a, b) => table.get(a * 2 ** 21 + b) ?? -1 };
  return bpeMerge(Array.from(bytes), mergeTable);
}

test("BPE training: the textbook case, 'aaabdaaabac' after 3 merges → [258, 100, 258, 97, 99]", () => {
  const trained = trainBpe("aaabdaaabac", { vocabSize: 259, pattern: "none" });
  assert.deepEqual(trained.merges, [[97, 97], [256, 97], [257, 98]]);
  assert.deepEqual(encodeWithMerges(Buffer.from("aaabdaaabac"), trained.merges), [258, 100, 258, 97, 99]);
});

test("BPE training: the same merges as minbpe's RegexTokenizer (Python transcription)", (t) => {
  const text = shakespeare();
  if (!text) return t.skip("tinyshakespeare.txt is absent");
  const sample = text.slice(0, 20_000);
  const chunks = Array.from(sample.matchAll(compilePattern(SPLIT_PATTERNS.gpt4, "gpt4", "onig")), (m) => m[0]);
  const expected = runPython<[number, number][]>("minbpe_train.py", [], { chunks, vocab_size: 512 });
  const trained = trainBpe(sample, { vocabSize: 512, pattern: "gpt4" });
  const firstDifference = trained.merges.findIndex(([a, b], i) => a !== expected[i]?.[0] || b !== expected[i]?.[1]);
  console.log(`# BPE training: ${trained.merges.length} merges compared with minbpe, first difference at ${firstDifference}`);
  assert.equal(firstDifference, -1);
  assert.equal(trained.merges.length, expected.length);
});

test("BPE training: the written tokenizer.json encodes identically in glassbox and both Hugging Face libraries", async (t) => {
  const text = shakespeare();
  if (!text) return t.skip("tinyshakespeare.txt is absent");
  const started = performance.now();
  const trained = trainBpe(text, { vocabSize: 4096, pattern: "gpt4", specialTokens: ["<|endoftext|>"] });
  console.log(`# BPE training: vocab 4096 on tinyshakespeare.txt (${text.length} chars) in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  const json = toTokenizerJson(trained);
  const ours = tokenizerFromJson(json as Json, "trained tokenizer.json");
  const rustTok = rust.Tokenizer.fromString(JSON.stringify(json));
  const port = new JsPortTokenizer(json, {});
  const inputs = [...shakespeareLines(), ...randomStrings(6000, 2000), "Hello<|endoftext|>world"];
  const expected = (await rustTok.encodeBatch(inputs, { addSpecialTokens: false })).map((e) => e.getIds());
  report("trained tokenizer.json", "@anush008/tokenizers (Rust)", compareEncodings(inputs, expected, (s) => ours.encode(s)));
  // the JS port splits with JavaScript's \s; compare it where that cannot matter
  const plain = inputs.filter((s) => !/[\u0085\ufeff]/.test(s));
  report("trained tokenizer.json", "@huggingface/tokenizers (JS port)", compareEncodings(plain, plain.map((s) => port.encode(s, { add_special_tokens: false }).ids as number[]), (s) => ours.encode(s)));
  // minbpe's encode: chunks, then merges by rank
  const lines = shakespeareLines().slice(0, 300);
  const chunked = (s: string) => Array.from(s.matchAll(compilePattern(SPLIT_PATTERNS.gpt4, "gpt4", "onig")), (m) => m[0]).flatMap((c) => encodeWithMerges(Buffer.from(c), trained.merges));
  report("trained tokenizer.json", "minbpe-style encode with the trained merges", compareEncodings(lines, lines.map(chunked), (s) => ours.encode(s)));
  assert.equal(ours.encode("<|endoftext|>")[0], 4095);
});

test("glassbox tokenizer train writes a tokenizer.json that loads back", (t) => {
  const text = shakespeare();
  if (!text) return t.skip("tinyshakespeare.txt is absent");
  const out = mkdtempSync(`${tmpdir()}/glassbox-train-`);
  const bin = new URL("../../../../bin/glassbox", import.meta.url).pathname;
  const input = new URL("../../../../../shared/data/tinyshakespeare.txt", import.meta.url).pathname;
  execFileSync(bin, ["tokenizer", "train", "--input", input, "--vocab-size", "600", "--out", out, "--pattern", "gpt2", "--special", "<|endoftext|>"], { stdio: "pipe" });
  const json = JSON.parse(readFileSync(`${out}/tokenizer.json`, "utf8"));
  assert.equal(Object.keys(json.model.vocab).length + json.added_tokens.length, 600);
  assert.equal(json.pre_tokenizer.pretokenizers[0].pattern.Regex, SPLIT_PATTERNS.gpt2);
});
