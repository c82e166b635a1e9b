/**
 * Quantization against llama.cpp's reference quantizers (ggml_quantize_chunk without an importance matrix,
 * what llama-quantize runs): the blocks must be byte-identical. Fixtures by scripts/reference/make-quant-fixtures.mjs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { dequantize } from "../../src/backends/reference/dequantize.js";
import { quantizeRow } from "../../src/backends/reference/quantize.js";
import { byteSize, type DType } from "../../src/core/dtype.js";
import { Tensor } from "../../src/tensor/tensor.js";

const DIR = new URL("../../../test/fixtures/quants/", import.meta.url).pathname;
const TYPES: DType[] = ["q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"];

test("quantization is byte-identical to llama.cpp's for every block type", (t) => {
  const raw = readFileSync(`${DIR}source.f32`);
  const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  for (const dtype of TYPES) {
    const expected = new Uint8Array(readFileSync(`${DIR}${dtype}.quant`));
    const ours = new Uint8Array(byteSize(dtype, x.length));
    quantizeRow(dtype, x, ours);
    const differ = ours.reduce((n, b, i) => n + (b !== expected[i] ? 1 : 0), 0);
    const rmse = (bytes: Uint8Array) => {
      const back = dequantize(new Tensor(dtype, [x.length], bytes));
      return Math.sqrt(back.reduce((s, v, i) => s + (v - x[i]!) ** 2, 0) / x.length);
    };
    t.diagnostic(`${dtype}: ${ours.length} bytes, ${differ} differ from llama.cpp; dequantization RMSE ${rmse(ours).toExponential(3)} (llama.cpp ${rmse(expected).toExponential(3)})`);
    assert.equal(differ, 0, dtype);
  }
});
