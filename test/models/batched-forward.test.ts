/**
 * forwardBatch (several sequences, each continuing its own KV cache, in one pass) gives each sequence the
 * logits it gets alone: gpt2 (learned positions) and llama (RoPE, GQA), prefill and decode rows mixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { fixtureDir } from "../support/model-fixtures.js";

for (const family of ["gpt2", "llama", "mixtral"]) {
  test(`forwardBatch equals one forward per sequence (${family})`, () => {
    for (const backend of [new ReferenceBackend(), new WasmBackend({ threads: 2 })]) {
      const { model } = loadLanguageModel(fixtureDir(family, "f32"), backend);
      const V = model.config.vocabSize;
      const prompts = [[1, 5, 9, 2], [7], [3, 3, 3, 8, 11, 4]];
      const next = [[6], [2, 9, 10], [12]]; // a second step: decode rows and a prefill row mixed
      const alone = prompts.map((p, i) => {
        const cache = model.newCache(32);
        model.forward(p, cache);
        return model.forward(next[i]!, cache);
      });
      const caches = prompts.map(() => model.newCache(32));
      model.forwardBatch(prompts.map((ids, i) => ({ ids, cache: caches[i]! })));
      const batched = model.forwardBatch(next.map((ids, i) => ({ ids, cache: caches[i]! })));
      let row = 0;
      next.forEach((ids, i) => {
        assert.deepEqual(batched.subarray(row * V, (row + ids.length) * V), alone[i], `${family} sequence ${i} on ${backend.name}`);
        assert.equal(caches[i]!.length, prompts[i]!.length + ids.length);
        row += ids.length;
      });
      if (backend instanceof WasmBackend) backend.dispose();
    }
  });
}

for (const family of ["gpt2", "llama"]) {
  test(`forward with outputs "last" gives the last row of the full logits, bit for bit (${family})`, () => {
    const backend = new WasmBackend({ threads: 2 });
    const { model } = loadLanguageModel(fixtureDir(family, "f32"), backend);
    const V = model.config.vocabSize;
    const ids = [3, 1, 4, 1, 5, 9, 2];
    const all = model.forward(ids, model.newCache(16));
    const lastCache = model.newCache(16);
    const last = model.forward(ids, lastCache, undefined, "last");
    assert.equal(last.length, V);
    assert.deepEqual(last, all.subarray((ids.length - 1) * V));
    assert.equal(lastCache.length, ids.length); // every position's keys and values are still cached
    backend.dispose();
  });
}
