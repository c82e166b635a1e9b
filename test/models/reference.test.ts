/**
 * The engine against PyTorch: forward logits of every family in f32, f16 and bf16 checkpoints (and the
 * same checkpoints written as GGUF), then the KV cache against full recomputation.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { Rng } from "../../src/core/rng.js";
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
