import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { loadGgufVocab } from "./gguf-vocab.js";
import { loadTokenizer } from "./load.js";
import { CORPUS, randomStrings, SHARED_DATA } from "../../test/support/corpus.js";
import { assertRoundTrip, compareEncodings, report } from "../../test/support/differential.js";
import { GGUF_VOCABS, type GgufVocabName } from "../../test/support/gguf-vocabs.js";
import { CACHE_DIR } from "../../test/support/tiktoken-files.js";
import { GgufType } from "../formats/gguf.js";
import { serializeGguf } from "../formats/gguf-writer.js";

const FIXTURES = new URL("../../../test/fixtures/tokenizers/", import.meta.url).pathname;

interface LlamaCppFixture {
  seed: number;
  random: number;
  ids: number[][];
}

for (const name of ["llama2-spm", "llama3-bpe"] as GgufVocabName[]) {
  test(`GGUF vocabulary ${name}: same ids as llama.cpp (fixture from scripts/reference/llamacpp-tokenize.mjs)`, (t) => {
    if (name === "llama2-spm" && !existsSync(`${SHARED_DATA}llama2-tokenizer.model`)) return t.skip("../shared/data is absent");
    const fixture = JSON.parse(gunzipSync(readFileSync(`${FIXTURES}llamacpp-${name}.json.gz`)).toString("utf8")) as LlamaCppFixture;
    const inputs = [...CORPUS, ...randomStrings(fixture.seed, fixture.random)];
    const ours = loadGgufVocab(GGUF_VOCABS[name]());
    report(`GGUF vocabulary ${name}`, "llama.cpp (llama_tokenize, parse_special=false)", compareEncodings(inputs, fixture.ids, (s) => ours.encode(s)));
    assertRoundTrip(`GGUF vocabulary ${name}`, inputs.filter((s) => !s.includes("\u2581")), (s) => ours.decode(ours.encode(s)));
  });
}

test("GGUF vocabulary: add_bos_token and control tokens follow the metadata", (t) => {
  if (!existsSync(`${SHARED_DATA}llama2-tokenizer.model`)) return t.skip("../shared/data is absent");
  const tok = loadTokenizer(GGUF_VOCABS["llama2-spm"]());
  assert.equal(tok.format, "gguf");
  assert.deepEqual(tok.encode("Hi", { addSpecial: true }), [1, ...tok.encode("Hi")]);
  assert.ok(!tok.encode("<s>").includes(1));
  assert.deepEqual(tok.encode("<s>Hi", { allowedSpecial: "all" }), [1, ...tok.encode("Hi")]);
});

test("GGUF: corrupt files fail with a clear error and no runaway allocation", () => {
  const path = `${CACHE_DIR}corrupt.gguf`;
  const write = (bytes: Uint8Array) => writeFileSync(path, bytes);
  write(Buffer.from("GGML not a gguf file"));
  assert.throws(() => loadGgufVocab(path), /corrupt\.gguf: not a GGUF file/);
  const good = serializeGguf(new Map([["tokenizer.ggml.model", { type: GgufType.String, value: "llama" }]]));
  write(good.subarray(0, 40)); // inside the first metadata value
  assert.throws(() => loadGgufVocab(path), /corrupt\.gguf: (truncated|.*larger than the file can hold)/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(1n << 60n, 16); // metadata count
  write(huge);
  assert.throws(() => loadGgufVocab(path), /metadata count \d+ .* larger than the file can hold/);
  write(serializeGguf(new Map([["general.name", { type: GgufType.String, value: "x" }]])));
  assert.throws(() => loadGgufVocab(path), /no tokenizer\.ggml\.model/);
  write(serializeGguf(new Map([["tokenizer.ggml.model", { type: GgufType.String, value: "rwkv" }]])));
  assert.throws(() => loadGgufVocab(path), /tokenizer\.ggml\.model: vocabulary type "rwkv" is not supported \(supported: llama, gpt2\)/);
});
