/**
 * Every backend against the reference backend (backend-suite.ts), then whole models: greedy generation is
 * identical between backends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Model } from "../../src/generation/model.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { parseFileType } from "../../src/quantize/plan.js";
import { quantizeGguf } from "../../src/quantize/quantize-model.js";
import { QUANT_CACHE, QUANTIZE_CASES } from "../support/quantize-cases.js";
import { backendSuite } from "./backend-suite.js";

backendSuite("reference", () => new ReferenceBackend());
backendSuite("wasm", () => new WasmBackend());
backendSuite("wasm, 2 threads", () => new WasmBackend({ threads: 2 }));

test("greedy generation is identical on the reference and wasm backends (llama2.c f32, GGUF f16/q8_0/q4_0/q4_k_m)", async (t) => {
  const L2C = new URL("../../../test/fixtures/llama2c/", import.meta.url).pathname;
  const input = QUANTIZE_CASES.llama8();
  const models: [string, string, string | undefined][] = [["llama2.c f32", `${L2C}separate.bin`, `${L2C}tokenizer.bin`]];
  for (const type of ["f16", "q8_0", "q4_0", "q4_k_m"]) {
    const path = `${QUANT_CACHE}backends-${type}.gguf`;
    quantizeGguf(input, path, parseFileType(type));
    models.push([`llama8 ${type}`, path, undefined]);
  }
  for (const [label, path, tokenizer] of models) {
    const ids = async (backend: ReferenceBackend) => {
      const g = Model.load(path, { tokenizer, backend }).generate("the king said", { temperature: 0, maxTokens: 24 });
      await g.text();
      return g.ids;
    };
    const wasm = new WasmBackend({ threads: 2 });
    const [a, b] = [await ids(new ReferenceBackend()), await ids(wasm)];
    wasm.dispose();
    t.diagnostic(`${label}: ${a.length} greedy tokens, identical: ${a.join(",") === b.join(",")}`);
    assert.deepEqual(b, a, label);
  }
});

test("wasm threads: a product posted while the workers are still starting completes, every time", () => {
  for (let i = 0; i < 10; i++) {
    const backend = new WasmBackend({ threads: 2 });
    const w = Tensor.fromF32([512, 512], new Float32Array(512 * 512).fill(1));
    const y = new Float32Array(512);
    backend.matmul(y, new Float32Array(512).fill(1), w, 1); // N·K ≥ the parallel threshold: both threads work
    assert.ok(y.every((v) => v === 512));
    backend.dispose();
  }
});
