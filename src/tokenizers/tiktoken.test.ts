import { test } from "node:test";
import assert from "node:assert/strict";
import { getEncoding } from "js-tiktoken";
import { loadTiktoken } from "./tiktoken.js";
import { tiktokenFile } from "../../test/support/tiktoken-files.js";
import { CORPUS, randomStrings, shakespeareLines } from "../../test/support/corpus.js";

const ENCODINGS = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"] as const;
/** The two characters whose white-space status differs between Rust's regex (tiktoken) and JavaScript's. */
const FLAVOR_SENSITIVE = /[\u0085\ufeff]/;

for (const name of ENCODINGS) {
  test(`tiktoken ${name}: same ids as js-tiktoken on the corpus, Shakespeare and 10,000 random strings`, async () => {
    const file = await tiktokenFile(name);
    const ours = loadTiktoken(file);
    const ported = loadTiktoken(file, "javascript"); // js-tiktoken's regex meaning of \s
    const ref = getEncoding(name);
    const inputs = [...CORPUS, ...shakespeareLines(), ...randomStrings(1000 + name.length, 10_000)];
    let tokens = 0;
    let flavorSensitive = 0;
    const mismatches: string[] = [];
    for (const text of inputs) {
      const expected = ref.encode(text, [], []);
      tokens += expected.length;
      const got = ours.encode(text);
      if (FLAVOR_SENSITIVE.test(text)) flavorSensitive++;
      else if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(text);
      if (JSON.stringify(ported.encode(text)) !== JSON.stringify(expected)) mismatches.push(text);
      assert.equal(ours.decode(got), text, `round trip of ${JSON.stringify(text)}`);
    }
    console.log(
      `# tiktoken ${name}: ${inputs.length} strings, ${tokens} tokens compared with js-tiktoken, ${mismatches.length} mismatches ` +
        `(${flavorSensitive} strings with U+0085/U+FEFF compared in js-tiktoken's regex flavor)`,
    );
    assert.deepEqual(mismatches.slice(0, 5).map((t) => JSON.stringify(t)), []);
  });
}

test("tiktoken: U+0085 is white space and U+FEFF is not, as in tiktoken's Rust regex", async () => {
  const enc = loadTiktoken(await tiktokenFile("cl100k_base"));
  const ref = getEncoding("cl100k_base");
  // Worked by hand from the cl100k pattern with Rust's \s (White_Space): the pieces each text splits into.
  const rustPieces: [string, string[]][] = [
    ["a\u0085\u0085b", ["a", "\u0085", "\u0085b"]], // JavaScript's \s would give ["a", "\u0085\u0085", "b"]
    ["x\ufeff\ufeffy", ["x", "\ufeff\ufeff", "y"]], // JavaScript's \s would give ["x", "\ufeff", "\ufeffy"]
  ];
  for (const [text, pieces] of rustPieces) {
    assert.deepEqual(enc.encode(text), pieces.flatMap((p) => ref.encode(p)), JSON.stringify(text));
  }
});

test("tiktoken: special-token text is plain text unless allowed", async () => {
  const enc = loadTiktoken(await tiktokenFile("cl100k_base"));
  const text = "a<|endoftext|>b";
  assert.ok(!enc.encode(text).includes(100257));
  assert.deepEqual(enc.encode(text, { allowedSpecial: "all" }), [64, 100257, 65]);
  assert.deepEqual(enc.encode(text, { allowedSpecial: new Set(["<|endoftext|>"]) }), getEncoding("cl100k_base").encode(text, "all"));
  assert.equal(enc.decode([64, 100257, 65]), "ab");
  assert.equal(enc.decode([64, 100257, 65], { skipSpecial: false }), text);
});

test("tiktoken: a file not named after an encoding is refused with a clear error", async () => {
  const { parseTiktoken } = await import("./tiktoken.js");
  assert.throws(() => parseTiktoken("IQ== 0\n", "mystery", "mystery.tiktoken"), /mystery\.tiktoken: unknown tiktoken encoding "mystery"/);
  assert.throws(() => parseTiktoken("IQ==\n", "cl100k_base"), /expected "<base64 token> <rank>"/);
});

test("countTokens counts what encode returns, for any format", async () => {
  const { countTokens } = await import("./types.js");
  const enc = loadTiktoken(await tiktokenFile("cl100k_base"));
  for (const text of ["", "Hello world", "<|endoftext|>", "日本語 😀"]) {
    assert.equal(countTokens(enc, text), getEncoding("cl100k_base").encode(text, [], []).length);
  }
  assert.equal(countTokens(enc, "<|endoftext|>", { allowedSpecial: "all" }), 1);
});
