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
import { BUNDLED_MODEL_PATH } from "../../src/models/bundled.js";

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

test("KV caches live in wasm memory and give it back: a released cache's block is reused, generations do not grow memory", async () => {
  const backend = new WasmBackend({ threads: 1 });
  const { model } = loadLanguageModel(fixtureDir("llama", "f32"), backend);
  const first = model.newCache(64);
  const at = first.k[0]!.byteOffset;
  first.k[0]![0] = 1.5;
  assert.equal(new Float32Array(backend.memory.buffer, at, 1)[0], 1.5, "the cache is a view of wasm memory");
  first.release();
  assert.throws(() => first.write(0, 0, new Float32Array(0), new Float32Array(0)), /after release/);
  const second = model.newCache(64);
  assert.equal(second.k[0]!.byteOffset, at, "the released block is handed out again");
  assert.ok(second.k[0]!.every((v) => v === 0), "and handed out zeroed");
  second.release();
  const { Model } = await import("../../src/generation/model.js");
  const m = Model.load(BUNDLED_MODEL_PATH, { backend });
  const sizes: number[] = [];
  for (let i = 0; i < 12; i++) {
    const g = m.generate("hello", { temperature: 0, maxTokens: 8 });
    await g.text();
    sizes.push(backend.capacity); // falls with every block taken from the top of the heap
  }
  assert.equal(new Set(sizes.slice(1)).size, 1, `the heap grew across generations (bytes left): ${sizes.join(", ")}`);
  backend.dispose();
});
