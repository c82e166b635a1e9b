import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadSentencePiece, parseSentencePiece } from "./sentencepiece.js";
import { CORPUS, randomStrings, SHARED_DATA, shakespeareLines } from "../../../test/support/corpus.js";
import { assertRoundTrip, compareEncodings, compareTexts, report } from "../../../test/support/differential.js";
import { hasPythonModule, runPython } from "../../../test/support/python-reference.js";

const FIXTURES = new URL("../../../../test/fixtures/tokenizers/", import.meta.url).pathname;
const MODELS = [
  { name: "Llama 2 (BPE, byte fallback)", path: `${SHARED_DATA}llama2-tokenizer.model`, lossless: true },
  { name: "Unigram (nmt_nfkc charsmap, user-defined + control pieces)", path: `${FIXTURES}spm-unigram.model`, lossless: false },
  { name: "BPE (byte fallback, identity, user-defined pieces)", path: `${FIXTURES}spm-bpe.model`, lossless: true },
];
const reference = hasPythonModule("sentencepiece");

for (const [index, m] of MODELS.entries()) {
  test(`SentencePiece ${m.name}: same ids as python3-sentencepiece on the corpus, Shakespeare and 10,000 random strings`, (t) => {
    if (!reference) return t.skip("python3-sentencepiece is not installed (apt-get install python3-sentencepiece)");
    if (!existsSync(m.path)) return t.skip(`${m.path} not found`);
    const ours = loadSentencePiece(m.path);
    const inputs = [...CORPUS, ...shakespeareLines(), ...randomStrings(3000 + index, 10_000)];
    const expected = runPython<number[][]>("sentencepiece_ref.py", [m.path, "encode"], inputs);
    report(`SentencePiece ${m.name}`, "python3-sentencepiece", compareEncodings(inputs, expected, (s) => ours.encode(s)));
    const decoded = runPython<string[]>("sentencepiece_ref.py", [m.path, "decode"], expected);
    report(`SentencePiece ${m.name} decode`, "python3-sentencepiece", compareTexts(inputs, decoded, (i) => ours.decode(expected[i])));
    // U+2581 is SentencePiece's visible space: a literal one decodes to ' '.
    if (m.lossless) assertRoundTrip(`SentencePiece ${m.name}`, inputs.filter((s) => !s.includes("\u2581")), (s) => ours.decode(ours.encode(s)));
  });
}

test("SentencePiece: control pieces match text only when asked; BOS is added with addSpecial", (t) => {
  const path = MODELS[0].path;
  if (!existsSync(path)) return t.skip(`${path} not found`);
  const sp = loadSentencePiece(path);
  assert.ok(!sp.encode("<s>hi").includes(1));
  assert.equal(sp.encode("<s>hi", { allowedSpecial: "all" })[0], 1);
  assert.equal(sp.encode("hi", { addSpecial: true })[0], 1);
  assert.equal(sp.decode([1, ...sp.encode("hi"), 2]), "hi");
  assert.equal(sp.decode([1, ...sp.encode("hi")], { skipSpecial: false }), "<s>hi");
});

test("SentencePiece: a truncated or foreign file fails with a clear error", (t) => {
  const path = MODELS[0].path;
  if (!existsSync(path)) return t.skip(`${path} not found`);
  const bytes = readFileSync(path);
  assert.throws(() => parseSentencePiece(bytes.subarray(0, 1000), "cut.model"), /cut\.model: truncated protobuf/);
  assert.throws(() => parseSentencePiece(Buffer.from("hello world, not a model"), "text.model"), /text\.model: /);
  assert.throws(() => parseSentencePiece(new Uint8Array(0), "empty.model"), /empty\.model: no pieces/);
});
