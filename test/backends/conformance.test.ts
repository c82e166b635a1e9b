/**
 * Every backend against the reference backend (backend-suite.ts), then whole models: greedy generation is
 * identical between backends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Model } from "../../src/generation/model.js";
import { KvCache } from "../../src/nn/kv-cache.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { parseFileType } from "../../src/quantize/plan.js";
import { quantizeGguf } from "../../src/quantize/quantize-model.js";
import { QUANT_CACHE, QUANTIZE_CASES } from "../support/quantize-cases.js";
import { backendSuite } from "./backend-suite.js";
import { Rng } from "../../src/core/rng.js";
import { encodeTensor } from "../../src/quantize/quantize-model.js";
import { relativeError } from "../support/model-fixtures.js";
import { BUNDLED_MODEL_PATH } from "../../src/models/bundled.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { ggufVocabularyFor } from "../../src/tokenizers/gguf-vocab-for.js";

backendSuite("reference", () => new ReferenceBackend());
backendSuite("wasm", () => new WasmBackend());
backendSuite("wasm, 2 threads", () => new WasmBackend({ threads: 2 }));
backendSuite("wasm, plain SIMD (no relaxed)", () => new WasmBackend({ threads: 2, relaxed: false }));

test("the test run has relaxed SIMD, so the suites above cover both kernel builds", () => {
  // scripts/run-tests.mjs starts the tests with --experimental-wasm-relaxed-simd (Node 20)
  const backend = new WasmBackend();
  assert.equal(backend.relaxed, true);
  backend.dispose();
});

test("KV cache writes land head-major, (Hkv, capacity, hs), the same through the wasm kernel as through KvCache's own copy", () => {
  const rng = new Rng(91);
  for (const [Hkv, hs, capacity, writes] of [[3, 5, 11, [[0, 4], [4, 1], [5, 6]]], [12, 64, 40, [[0, 17], [17, 1], [18, 1], [19, 21]]], [1, 7, 3, [[0, 1], [1, 2]]]] as const) {
    for (const threads of [1, 2]) {
      const backend = new WasmBackend({ threads });
      const inWasm = new KvCache(2, capacity, Hkv, hs, backend), plain = new KvCache(2, capacity, Hkv, hs);
      for (const [pos0, T] of writes) {
        for (const layer of [0, 1]) {
          const k = Float32Array.from({ length: T * Hkv * hs }, () => rng.next() - 0.5), v = Float32Array.from({ length: T * Hkv * hs }, () => rng.next() - 0.5);
          inWasm.write(layer, pos0, k, v);
          plain.write(layer, pos0, k, v);
          // the layout itself: position pos0 + t of head g holds row (t, g) of this write
          for (let t = 0; t < T; t++) for (let g = 0; g < Hkv; g++) for (let i = 0; i < hs; i++) {
            assert.equal(inWasm.k[layer]![(g * capacity + pos0 + t) * hs + i], k[(t * Hkv + g) * hs + i], `k layer ${layer} t ${t} head ${g}`);
            assert.equal(inWasm.v[layer]![(g * capacity + pos0 + t) * hs + i], v[(t * Hkv + g) * hs + i], `v layer ${layer} t ${t} head ${g}`);
          }
        }
      }
      for (const layer of [0, 1]) {
        assert.deepEqual(inWasm.k[layer], plain.k[layer]);
        assert.deepEqual(inWasm.v[layer], plain.v[layer]);
      }
      assert.throws(() => inWasm.write(0, capacity, new Float32Array(Hkv * hs), new Float32Array(Hkv * hs)), /holds/);
      inWasm.release();
      backend.dispose();
    }
  }
});

test("rope equals the reference bit for bit and reuses the last call's angles only for the same positions and frequencies", () => {
  const rng = new Rng(313);
  const [H, hs] = [2, 8];
  const freqA = Float32Array.from({ length: hs / 2 }, (_, i) => 10000 ** (-(2 * i) / hs));
  const freqB = freqA.map((f) => f / 4);
  const shared = new WasmBackend();
  const calls: [Int32Array, Float32Array][] = [[Int32Array.of(0, 1, 2), freqA], [Int32Array.of(0, 1, 2), freqA], [Int32Array.of(5, 6, 7), freqA], [Int32Array.of(5, 6, 7), freqB], [Int32Array.of(5, 6), freqB]];
  for (const style of ["halves", "interleaved"] as const) {
    for (const [positions, freq] of calls) {
      const rows = positions.length;
      const x = Float32Array.from({ length: rows * H * hs }, () => rng.next() * 2 - 1);
      const expected = x.slice();
      new ReferenceBackend().rope(expected, rows, H, hs, positions, freq, style);
      // bit for bit (the wasm kernel repeats the reference's f64 operations), staged and in wasm memory
      const bytes = shared.allocate(x.length * 4);
      const inHeap = new Float32Array(bytes.buffer, bytes.byteOffset, x.length);
      inHeap.set(x);
      shared.rope(x, rows, H, hs, positions, freq, style);
      shared.rope(inHeap, rows, H, hs, positions, freq, style);
      assert.deepEqual(x, expected, `${style}, positions ${positions.join(",")}`);
      assert.deepEqual(inHeap.slice(), expected, `${style}, positions ${positions.join(",")}, in wasm memory`);
    }
  }
  shared.dispose();
});

test("rmsNorm and layerNorm on wasm equal the reference bit for bit (both builds; arrays in wasm memory or staged; odd C; rows split across threads)", () => {
  const rng = new Rng(317);
  // each norm as a call on any backend: y = norm(x) with the given weight (and, for layerNorm, bias)
  const norms = {
    rmsNorm: (be: ReferenceBackend | WasmBackend, y: Float32Array, x: Float32Array, w: Float32Array, _b: Float32Array, C: number, eps: number) => be.rmsNorm(y, x, w, C, eps),
    layerNorm: (be: ReferenceBackend | WasmBackend, y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, C: number, eps: number) => be.layerNorm(y, x, w, b, C, eps),
  };
  for (const backend of [new WasmBackend({ threads: 2 }), new WasmBackend({ relaxed: false })]) {
    for (const [name, norm] of Object.entries(norms)) {
      for (const [rows, C, eps] of [[1, 768, 1e-5], [3, 7, 1e-6], [40, 129, 1e-5], [2, 1, 1e-5], [64, 2048, 1e-6]] as const) {
        // magnitudes from 1e-3 to 1e3, and an offset per row (LayerNorm subtracts the mean): the f64 sums and
        // each rounding after them are exercised
        const x = Float32Array.from({ length: rows * C }, (_, i) => (rng.next() * 2 - 1) * 10 ** (rng.next() * 6 - 3) + (Math.floor(i / C) % 3) * 5);
        const weight = Float32Array.from({ length: C }, () => rng.next() * 2 - 1);
        const bias = Float32Array.from({ length: C }, () => rng.next() * 2 - 1);
        const what = `${name}, rows ${rows}, C ${C}`;
        const expected = new Float32Array(rows * C);
        norm(new ReferenceBackend(), expected, x, weight, bias, C, eps);
        const staged = new Float32Array(rows * C);
        norm(backend, staged, x, weight, bias, C, eps);
        assert.deepEqual(staged, expected, `${what}: staged`);
        const heap = (a: Float32Array) => {
          const bytes = backend.allocate(a.length * 4);
          const view = new Float32Array(bytes.buffer, bytes.byteOffset, a.length);
          view.set(a);
          return view;
        };
        const [xh, wh, bh, yh] = [heap(x), heap(weight), heap(bias), heap(new Float32Array(rows * C))];
        assert.equal(yh.buffer, backend.memory.buffer);
        norm(backend, yh, xh, wh, bh, C, eps);
        assert.deepEqual(yh.slice(), expected, `${what}: in wasm memory`);
      }
    }
    backend.dispose();
  }
});

test("q8_0/q4_0/q5_0/q4_k products are bit-identical with and without the backend's f32 copies of the block scales (both builds, subnormal and zero scales included)", () => {
  const rng = new Rng(311);
  for (const relaxed of [true, false]) {
    // interleave: false, so that q4_0 runs the row-by-row kernel that the copies serve (tested below)
    const [copies, none] = [new WasmBackend({ relaxed, interleave: false }), new WasmBackend({ relaxed, scaleCopies: false, interleave: false })];
    for (const dtype of ["q8_0", "q4_0", "q5_0", "q4_k"] as const) {
      for (const [T, N, K] of [[1, 37, 256 * 3], [5, 11, 256], [4, 8, 256 * 2]] as const) {
        // rows of very different magnitudes: normal, subnormal (|w| ~1e-7 gives scales below 2^-14) and zero
        const values = Float32Array.from({ length: N * K }, (_, i) => (rng.next() * 2 - 1) * [1, 1e-6, 0, 3e-2][Math.floor(i / K) % 4]!);
        const w = new Tensor(dtype, [N, K], new Uint8Array(encodeTensor(values, dtype, K).slice()));
        const x = Float32Array.from({ length: T * K }, () => rng.next() * 2 - 1);
        const [a, b, r] = [new Float32Array(T * N), new Float32Array(T * N), new Float32Array(T * N)];
        copies.matmul(a, x, w, T);
        none.matmul(b, x, w, T);
        new ReferenceBackend().matmul(r, x, w, T);
        assert.deepEqual(a, b, `${dtype} (${T}, ${N}, ${K}) relaxed=${relaxed}`);
        assert.ok(relativeError(a, r) <= 1e-5, `${dtype} against the reference: ${relativeError(a, r)}`);
      }
    }
    copies.dispose();
    none.dispose();
  }
});

/** y (T, N) = rows (T, K) · wᵀ on a backend, in a fresh array. */
function productOf(backend: WasmBackend | ReferenceBackend, w: Tensor, rows: Float32Array, T: number): Float32Array {
  const y = new Float32Array(T * w.rows);
  backend.matmul(y, rows, w, T);
  return y;
}

/** Bytes rounded up to whole 64-byte lines, as the wasm backend allocates them. */
const align64 = (bytes: number) => Math.ceil(bytes / 64) * 64;

test("f32 weights interleaved four rows at a time (both builds): bit for bit the row-by-row product, for decode's 1–3 activation rows on any thread; copied only then, rows past the last four and each row's scalar tail left to the row-major weight", () => {
  const rng = new Rng(347);
  for (const relaxed of [true, false]) {
    const [interleaved, single, rowByRow] = [new WasmBackend({ relaxed, threads: 2 }), new WasmBackend({ relaxed }), new WasmBackend({ relaxed, interleave: false })];
    // K: whole 8-column steps, a 4-vector left over (K & 7 = 4), scalar tails, shorter than one vector
    for (const [T, N, K] of [[1, 4, 8], [1, 37, 775], [2, 12, 13], [3, 20, 36], [1, 64, 768], [1, 256, 520], [1, 3, 64], [2, 9, 3], [5, 12, 44], [4, 8, 20]] as const) {
      const label = `f32 (${T}, ${N}, ${K}) relaxed=${relaxed}`;
      const w = new Tensor("f32", [N, K], new Uint8Array(Float32Array.from({ length: N * K }, () => rng.next() * 2 - 1).buffer));
      const x = Float32Array.from({ length: T * K }, () => rng.next() * 2 - 1);
      const product = (backend: WasmBackend | ReferenceBackend, rows: Float32Array, t: number) => productOf(backend, w, rows, t);
      const [before, beforePlain] = [interleaved.capacity, rowByRow.capacity];
      const [a, plain, r] = [product(interleaved, x, T), product(rowByRow, x, T), product(new ReferenceBackend(), x, T)];
      // the copy: whole groups of four rows, K & ~3 columns, made for fewer than 4 activation rows only
      const copy = T < 4 ? align64((N - (N % 4)) * (K - (K % 4)) * 4) : 0;
      assert.equal(before - interleaved.capacity - (beforePlain - rowByRow.capacity), copy, `${label}: copy made`);
      assert.deepEqual(a, plain, `${label} against the row-by-row kernel`);
      assert.ok(relativeError(a, r) <= 1e-5, `${label} against the reference: ${relativeError(a, r)}`);
      assert.deepEqual(product(single, x, T), a, `${label}: one thread`);
      for (let t = 0; t < T; t++) assert.deepEqual(product(interleaved, x.subarray(t * K, (t + 1) * K), 1), a.subarray(t * N, (t + 1) * N), `${label} row ${t} alone`);
    }
    for (const b of [interleaved, single, rowByRow]) b.dispose();
  }
});

test("q4_0, q4_k and q6_k interleaved four rows at a time (relaxed build): each activation row's result is the same bit for bit whatever T and threads, within rounding of the row-by-row product and the reference; rows not in fours fall back", () => {
  const rng = new Rng(331);
  const interleaved = new WasmBackend({ threads: 2 });
  const single = new WasmBackend();
  const rowByRow = new WasmBackend({ interleave: false });
  assert.equal(interleaved.relaxed, true);
  const cases = {
    q4_0: { blockWeights: 32, groupBlockBytes: 80, scaleCopyBytes: 4, shapes: [[1, 4, 32], [5, 12, 96], [3, 20, 224], [4, 64, 512], [2, 10, 64], [6, 7, 32]] },
    q4_k: { blockWeights: 256, groupBlockBytes: 608, scaleCopyBytes: 8, shapes: [[1, 4, 256], [5, 12, 768], [3, 20, 512], [4, 64, 256], [2, 10, 256], [7, 7, 256]] },
    q6_k: { blockWeights: 256, groupBlockBytes: 1104, scaleCopyBytes: 0, shapes: [[1, 4, 256], [5, 12, 768], [3, 20, 512], [4, 64, 256], [2, 10, 256], [7, 7, 256]] },
  } as const;
  for (const [dtype, { blockWeights, groupBlockBytes, scaleCopyBytes, shapes }] of Object.entries(cases) as [keyof typeof cases, (typeof cases)[keyof typeof cases]][]) {
    for (const [T, N, K] of shapes) {
      const label = `${dtype} (${T}, ${N}, ${K})`;
      // rows of very different magnitudes: normal, subnormal scales, zero, small
      const values = Float32Array.from({ length: N * K }, (_, i) => (rng.next() * 2 - 1) * [1, 1e-6, 0, 3e-2][Math.floor(i / K) % 4]!);
      const w = new Tensor(dtype, [N, K], new Uint8Array(encodeTensor(values, dtype, K).slice()));
      const x = Float32Array.from({ length: T * K }, () => rng.next() * 2 - 1);
      const product = (backend: WasmBackend | ReferenceBackend, rows: Float32Array, t: number) => productOf(backend, w, rows, t);
      const [before, beforePlain] = [interleaved.capacity, rowByRow.capacity];
      const [a, r, plain] = [product(interleaved, x, T), product(new ReferenceBackend(), x, T), product(rowByRow, x, T)];
      // the interleaved copy is made in place of the f32 scale copies exactly when the rows come in fours;
      // all else the two backends hold is the same
      const blocks = K / blockWeights;
      const extra = N % 4 === 0 ? align64((N / 4) * blocks * groupBlockBytes) - align64(N * blocks * scaleCopyBytes) : 0;
      assert.equal(before - interleaved.capacity - (beforePlain - rowByRow.capacity), extra, `${label}: interleaved copy made`);
      assert.ok(relativeError(a, r) <= 1e-5, `${label} against the reference: ${relativeError(a, r)}`);
      assert.ok(relativeError(a, plain) <= 1e-6, `${label} against the row-by-row kernel: ${relativeError(a, plain)}`);
      if (N % 4 !== 0) assert.deepEqual(a, plain, `${label} falls back to the row-by-row kernel`);
      // a decode step (one row) computes what a prompt pass (T rows, two at a time) does, on any thread
      assert.deepEqual(product(single, x, T), a, `${label}: one thread`);
      for (let t = 0; t < T; t++) assert.deepEqual(product(interleaved, x.subarray(t * K, (t + 1) * K), 1), a.subarray(t * N, (t + 1) * N), `${label} row ${t} alone`);
    }
  }
  for (const b of [interleaved, single, rowByRow]) b.dispose();
});

/**
 * Greedy generation, token for token, on both backends. A random-weight model's logits are nearly flat, so
 * the quantized cases use the bundled trained model (peaked logits, as in use): with a random model and
 * k-quants, a last-bit difference in an activation moves one 8-bit rounding of the activation quantization,
 * which moves a logit by ~1e-2, which flips an argmax between two candidates 2e-2 apart.
 */
test("greedy generation is identical on the reference and wasm backends (llama2.c f32; random GGUF f16; bundled trained model f32/q8_0/q4_0/q4_k_m/q6_k)", async (t) => {
  const L2C = new URL("../../../test/fixtures/llama2c/", import.meta.url).pathname;
  const models: [string, string, string | undefined, string][] = [["llama2.c f32", `${L2C}separate.bin`, `${L2C}tokenizer.bin`, "the king said"]];
  const f16 = `${QUANT_CACHE}backends-f16.gguf`;
  quantizeGguf(QUANTIZE_CASES.llama8(), f16, parseFileType("f16"));
  models.push(["llama8 (random) f16", f16, undefined, "the king said"]);
  const bundled = `${QUANT_CACHE}backends-bundled-f32.gguf`;
  writeHfAsGguf(BUNDLED_MODEL_PATH, bundled, ggufVocabularyFor(`${BUNDLED_MODEL_PATH}/tokenizer.json`));
  models.push(["bundled f32", bundled, undefined, "The jury said that"]);
  for (const type of ["q8_0", "q4_0", "q4_k_m", "q6_k"]) {
    const path = `${QUANT_CACHE}backends-bundled-${type}.gguf`;
    quantizeGguf(bundled, path, parseFileType(type));
    models.push([`bundled ${type}`, path, undefined, "The jury said that"]);
  }
  for (const [label, path, tokenizer, prompt] of models) {
    const ids = async (backend: ReferenceBackend) => {
      const g = Model.load(path, { tokenizer, backend }).generate(prompt, { temperature: 0, maxTokens: 32 });
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
