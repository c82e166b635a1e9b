/**
 * glassbox convert: GGUF → Hugging Face directory, any → llama2.c .bin. Each result runs and gives the
 * logits of its source (the PyTorch reference where the source is a fixture).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { exportHf, exportLlama2c } from "../../src/quantize/convert.js";
import { fixtureDir, referenceLogits, relativeError, TOLERANCE } from "../support/model-fixtures.js";
import { writeRandomLlama } from "../support/random-checkpoint.js";

const backend = new ReferenceBackend();
const tmp = () => mkdtempSync(join(tmpdir(), "glassbox-convert-"));

test("GGUF → Hugging Face directory: every family's logits still match PyTorch (llama with rope_freqs is refused)", (t) => {
  for (const family of ["gpt2", "mistral", "qwen2", "mixtral"]) {
    const dir = tmp();
    const src = fixtureDir(family, "f16");
    writeHfAsGguf(src, join(dir, "m.gguf"));
    exportHf(join(dir, "m.gguf"), join(dir, "hf"));
    const { ids, logits } = referenceLogits(src);
    const { model } = loadLanguageModel(join(dir, "hf"), backend);
    const error = relativeError(model.forward(ids, model.newCache(ids.length)), logits);
    t.diagnostic(`${family}: HF → GGUF → HF, error ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE.f16, family);
  }
  const dir = tmp();
  writeHfAsGguf(fixtureDir("llama", "f32"), join(dir, "l.gguf"));
  assert.throws(() => exportHf(join(dir, "l.gguf"), join(dir, "hf")), /uses Llama-3\.1 rope scaling stored as rope_freqs/);
});

test("any → llama2.c: HF and GGUF give the same file, which runs with the same logits; llama2.c → llama2.c keeps every weight", () => {
  const dir = tmp();
  writeRandomLlama(join(dir, "hf"), { modelType: "llama", vocabSize: 320, seed: 4 });
  exportLlama2c(join(dir, "hf"), join(dir, "a.bin"));
  writeHfAsGguf(join(dir, "hf"), join(dir, "m.gguf"));
  exportLlama2c(join(dir, "m.gguf"), join(dir, "b.bin"));
  assert.deepEqual(readFileSync(join(dir, "a.bin")), readFileSync(join(dir, "b.bin")), "q/k pairing converted the same way from both sources");
  const ids = [1, 5, 77, 300, 2, 9];
  const hf = loadLanguageModel(join(dir, "hf"), backend).model;
  const bin = loadLanguageModel(join(dir, "a.bin"), backend).model;
  assert.equal(relativeError(bin.forward(ids, bin.newCache(8)), hf.forward(ids, hf.newCache(8))), 0);

  const original = new URL("../../../test/fixtures/llama2c/separate.bin", import.meta.url).pathname;
  exportLlama2c(original, join(dir, "again.bin"));
  const [x, y] = [readFileSync(original), readFileSync(join(dir, "again.bin"))];
  assert.equal(x.length, y.length);
  // everything but the RoPE tables (which run.c recomputes and glassbox computes in double precision)
  const { dim, layers, hidden, heads, kv, vocab, seq } = { dim: 32, layers: 2, hidden: 64, heads: 4, kv: 2, vocab: 800, seq: 128 };
  const beforeFreqs = 28 + 4 * (vocab * dim + layers * (2 * dim + 2 * dim * dim + 2 * dim * ((dim * kv) / heads) + 3 * dim * hidden) + dim);
  const freqBytes = 2 * seq * (dim / heads / 2) * 4;
  assert.deepEqual(y.subarray(0, beforeFreqs), x.subarray(0, beforeFreqs));
  assert.deepEqual(y.subarray(beforeFreqs + freqBytes), x.subarray(beforeFreqs + freqBytes));
});

test("glassbox convert: models llama2.c cannot hold are refused with the reason, exit 2", () => {
  const bin = new URL("../../../bin/glassbox", import.meta.url).pathname;
  const out = join(tmp(), "x.bin");
  const cases: [string, RegExp][] = [
    [fixtureDir("gpt2", "f32"), /is a gpt2 model; llama2\.c runs Llama-family models/],
    [fixtureDir("qwen2", "f32"), /has biases/],
    [fixtureDir("mixtral", "f32"), /is a mixture of experts/],
    [fixtureDir("mistral", "f32"), /sliding attention window/],
  ];
  for (const [input, message] of cases) {
    const r = spawnSync(bin, ["convert", input, out], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
