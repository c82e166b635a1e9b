/**
 * The engine against PyTorch: forward logits of every family in f32, f16 and bf16 checkpoints (and the
 * same checkpoints written as GGUF), then the KV cache against full recomputation.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { GgufType } from "../../src/formats/gguf.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { Rng } from "../../src/core/rng.js";
import { readSafetensorsHeader, writeSafetensors } from "../../src/formats/safetensors.js";
import { TensorReader } from "../../src/formats/stored-tensor.js";
import { sinusoidalPositions } from "../../src/nn/positions.js";
import { FAMILIES, fixtureDir, referenceLogits, relativeError, TOLERANCE, WEIGHT_DTYPES } from "../support/model-fixtures.js";
import { CACHE_DIR } from "../support/tiktoken-files.js";

const backend = new ReferenceBackend();

for (const family of FAMILIES) {
  test(`${family}: forward logits match the PyTorch reference in f32, f16 and bf16, from safetensors and from GGUF`, (t) => {
    for (const dtype of WEIGHT_DTYPES) {
      const dir = fixtureDir(family, dtype);
      const { ids, logits: reference } = referenceLogits(dir);
      mkdirSync(CACHE_DIR, { recursive: true });
      const gguf = `${CACHE_DIR}${family}-${dtype}.gguf`;
      writeHfAsGguf(dir, gguf);
      for (const [source, path] of [["safetensors", dir], ["gguf", gguf]] as const) {
        const { model } = loadLanguageModel(path, backend);
        const error = relativeError(model.forward(ids, model.newCache(ids.length)), reference);
        t.diagnostic(`${family} ${dtype} ${source}: ${ids.length} positions × ${model.config.vocabSize} logits, max|a − b| / max|ref| = ${error.toExponential(2)} (tolerance ${TOLERANCE[dtype]})`);
        assert.ok(error <= TOLERANCE[dtype], `${family} ${dtype} ${source}: error ${error} > ${TOLERANCE[dtype]}`);
      }
    }
  });
}

for (const family of FAMILIES) {
  test(`${family}: decoding with the KV cache gives the logits of a full forward, over 320 positions`, (t) => {
    const { model } = loadLanguageModel(fixtureDir(family, "f32"), backend);
    const V = model.config.vocabSize;
    const rng = new Rng(7);
    const ids = Array.from({ length: 320 }, () => rng.int(V));
    const full = model.forward(ids, model.newCache(ids.length));

    // prefill 40 positions at once, then one position per call
    const cache = model.newCache(ids.length);
    const stepwise = new Float32Array(full.length);
    stepwise.set(model.forward(ids.slice(0, 40), cache));
    for (let p = 40; p < ids.length; p++) stepwise.set(model.forward([ids[p]!], cache), p * V);
    const error = relativeError(stepwise, full);
    const tail = relativeError(stepwise.subarray(300 * V), full.subarray(300 * V));
    t.diagnostic(`${family}: 320 positions, cached decode vs full forward ${error.toExponential(2)} (positions 300–319: ${tail.toExponential(2)})`);
    assert.ok(error <= 1e-5 && tail <= 1e-5, `KV cache error ${error}`);
    assert.equal(cache.length, ids.length);
  });
}

test("sharded safetensors (model.safetensors.index.json) load as one checkpoint", (t) => {
  const src = fixtureDir("mixtral", "f16");
  const dir = mkdtempSync(join(tmpdir(), "glassbox-shards-"));
  const stored = readSafetensorsHeader(join(src, "model.safetensors"));
  const reader = new TensorReader();
  const shards: Record<string, string> = {};
  stored.forEach((s, i) => (shards[s.name] = `model-0000${(i % 3) + 1}-of-00003.safetensors`));
  for (const file of new Set(Object.values(shards))) {
    const mine = stored.filter((s) => shards[s.name] === file);
    writeSafetensors(join(dir, file), mine.map((s) => ({ name: s.name, dtype: s.dtype as "f16", shape: s.shape, bytes: reader.read(s).bytes })));
  }
  reader.close();
  writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: shards }));
  copyFileSync(join(src, "config.json"), join(dir, "config.json"));
  const { ids, logits } = referenceLogits(src);
  const { model } = loadLanguageModel(dir, backend);
  const error = relativeError(model.forward(ids, model.newCache(ids.length)), logits);
  t.diagnostic(`mixtral f16 in 3 shards: ${stored.length} tensors, error ${error.toExponential(2)}`);
  assert.ok(error <= TOLERANCE.f16);
});

test("sinusoidal positions: PE[p, 2i] = sin(p / 10000^(2i/C)), PE[p, 2i+1] = cos(...)", () => {
  const C = 16;
  const pe = sinusoidalPositions(3, 5, C); // positions 3..7
  assert.ok(Math.abs(pe[0]! - Math.sin(3)) < 1e-7 && Math.abs(pe[1]! - Math.cos(3)) < 1e-7);
  assert.ok(Math.abs(pe[2 * C + 6]! - Math.sin(5 / 10000 ** (6 / C))) < 1e-7);
  for (let i = 0; i < pe.length; i += 2) assert.ok(Math.abs(pe[i]! ** 2 + pe[i + 1]! ** 2 - 1) < 1e-6);
});

test("quantized GGUF written by llama.cpp (gguf-py + llama-quantize): logits match llama.cpp's", (t) => {
  const dir = new URL("../../../test/fixtures/llamacpp/", import.meta.url).pathname;
  const ref = JSON.parse(readFileSync(`${dir}reference.json`, "utf8")) as { ids: number[]; files: Record<string, { gguf: string; logits: string }> };
  for (const [type, f] of Object.entries(ref.files)) {
    const { model } = loadLanguageModel(`${dir}${f.gguf}`, backend);
    const bytes = readFileSync(`${dir}${f.logits}`);
    const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const V = model.config.vocabSize;
    const ours = model.forward(ref.ids, model.newCache(ref.ids.length));
    let worst = 0;
    let sameArgmax = 0;
    for (let p = 0; p < ref.ids.length; p++) {
      const a = ours.subarray(p * V, (p + 1) * V);
      const b = expected.subarray(p * V, (p + 1) * V);
      worst = Math.max(worst, relativeError(a, b));
      if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) sameArgmax++;
    }
    const dtypes = [...new Set(model.tensors().map((x) => x.dtype))].join("+");
    t.diagnostic(`${type} (${dtypes}): ${ref.ids.length} positions, worst per-position max|a − b| / max|ref| ${worst.toExponential(2)}, same argmax ${sameArgmax}/${ref.ids.length}`);
    assert.ok(worst <= 2e-2 && sameArgmax >= 0.98 * ref.ids.length, `${type}: ${worst}, ${sameArgmax}`);
  }
});

test("GGUF metadata: tokenizer.chat_template and special ids are kept for generation", () => {
  const gguf = `${CACHE_DIR}chat-template.gguf`;
  const template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}";
  writeHfAsGguf(fixtureDir("qwen2", "f32"), gguf, new Map([
    ["tokenizer.chat_template", { type: GgufType.String, value: template }],
    ["tokenizer.ggml.bos_token_id", { type: GgufType.Uint32, value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: GgufType.Uint32, value: 2 }],
  ]));
  const loaded = loadLanguageModel(gguf, backend);
  assert.equal(loaded.defaults.chatTemplate, template);
  assert.equal(loaded.defaults.bosId, 1);
  assert.deepEqual(loaded.defaults.eosIds, [2]);
  assert.equal(loaded.model.config.architecture, "qwen2");
  assert.equal(loaded.model.config.rope?.style, "halves");
});
