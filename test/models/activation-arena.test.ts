/**
 * A model's forward pass takes its activations from an arena it resets every pass (src/nn/activations.ts;
 * on the wasm backend the arena lives in wasm memory and the products read and write it in place). These
 * check that nothing of one pass leaks into another: decoding token by token (every pass from the arena)
 * gives bit for bit the logits of one pass over the whole sequence (longer than the arena's limit, so fresh
 * arrays), for float and quantized weights; logits and traces a caller keeps survive later passes; and the
 * arena stops growing after the first step.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { parseFileType } from "../../src/quantize/plan.js";
import { quantizeGguf } from "../../src/quantize/quantize-model.js";
import type { Backend } from "../../src/tensor/backend.js";
import { ActivationArena } from "../../src/nn/activations.js";
import { RecordingTracer } from "../../src/trace/trace.js";
import { fixtureDir } from "../support/model-fixtures.js";
import { QUANT_CACHE, QUANTIZE_CASES } from "../support/quantize-cases.js";

const IDS = Array.from({ length: 20 }, (_, i) => (i * 37 + 5) % 200); // more positions than the arena serves in one pass

function quantized(type: string): string {
  const path = `${QUANT_CACHE}arena-${type}.glassbox.gguf`;
  quantizeGguf(QUANTIZE_CASES.llama8(), path, parseFileType(type));
  return path;
}

const cases: [string, () => string][] = [
  ["gpt2 f32", () => fixtureDir("gpt2", "f32")],
  ["llama f32", () => fixtureDir("llama", "f32")],
  ["llama f16", () => fixtureDir("llama", "f16")],
  ["llama8 q4_0", () => quantized("q4_0")],
  ["llama8 q8_0", () => quantized("q8_0")],
  ["llama8 q4_k_m", () => quantized("q4_k_m")],
];

for (const [name, path] of cases) {
  test(`decoding step by step from the activation arena equals one pass with fresh arrays, bit for bit (${name})`, () => {
    const file = path();
    const backends: Backend[] = [new WasmBackend({ threads: 2 }), new WasmBackend({ threads: 1, relaxed: false })];
    if (name.endsWith("f32")) backends.push(new ReferenceBackend());
    for (const backend of backends) {
      const { model } = loadLanguageModel(file, backend);
      const V = model.config.vocabSize;
      const whole = model.forward(IDS, model.newCache(32)); // (20, V), T above the arena's limit
      const cache = model.newCache(32);
      const steps = IDS.map((id) => model.forward([id], cache));
      steps.forEach((logits, t) => assert.deepEqual(logits, whole.subarray(t * V, (t + 1) * V), `${name} on ${backend.name}: position ${t}`));
      if (backend instanceof WasmBackend) backend.dispose();
    }
  });
}

test("logits and traces a caller keeps are not overwritten by later passes; the arena stops growing after the first step", () => {
  const backend = new WasmBackend({ threads: 2 });
  const { model } = loadLanguageModel(fixtureDir("llama", "f32"), backend);
  const cache = model.newCache(64);
  const tracer = new RecordingTracer();
  const first = model.forward([3, 1, 4], cache, tracer);
  const kept = first.slice();
  const traced = tracer.entries.map((e) => e.values.slice());
  for (let i = 0; i < 40; i++) model.forward([5 + i], cache); // the kernels' scratch regions grow with the positions seen
  assert.deepEqual(first, kept, "returned logits changed");
  tracer.entries.forEach((e, i) => assert.deepEqual(e.values, traced[i], `trace ${e.name} (layer ${e.layer}) changed`));
  // the same positions again: an arena that kept its last passes' arrays would take more memory every step
  cache.truncate(3);
  const capacity = backend.capacity;
  for (let i = 0; i < 400; i++) {
    model.forward([5 + (i % 40)], cache);
    if (i % 40 === 39) cache.truncate(3);
  }
  assert.equal(backend.capacity, capacity, "wasm memory was taken during decode steps");
  backend.dispose();
});

test("ActivationArena: each pass gets the memory of the last one back; long passes get fresh arrays", () => {
  const backend = new WasmBackend({ threads: 1 });
  const arena = new ActivationArena(backend, 16);
  let alloc = arena.begin(1);
  const a = alloc(100), b = alloc(300);
  assert.equal(a.buffer, backend.memory.buffer, "arena arrays live in wasm memory");
  assert.ok(b.byteOffset >= a.byteOffset + a.byteLength, "two arrays of one pass do not overlap");
  a.fill(7);
  alloc = arena.begin(16);
  const c = alloc(100);
  assert.equal(c.byteOffset, a.byteOffset, "the next pass starts where the last one did");
  const fresh = arena.begin(17)(100);
  assert.notEqual(fresh.buffer, backend.memory.buffer, "a pass over more rows than the limit gets ordinary arrays");
  backend.dispose();
});
