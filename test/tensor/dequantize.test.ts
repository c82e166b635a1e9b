/**
 * Dequantization of every GGML block type, bit for bit against llama.cpp's own C (ggml type_traits
 * to_float, fixtures by scripts/reference/make-dequant-fixtures.mjs), and the 16-bit float conversions.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { dequantize } from "../../src/backends/reference/dequantize.js";
import { DTYPES, type DType } from "../../src/core/dtype.js";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../src/core/half.js";
import { Tensor } from "../../src/tensor/tensor.js";

const DIR = new URL("../../../test/fixtures/quants/", import.meta.url).pathname;
const TYPES: DType[] = ["f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k"];

test("dequantization is bit-identical to llama.cpp's for every block type", (t) => {
  for (const dtype of TYPES) {
    const blocks = readFileSync(`${DIR}${dtype}.blocks`);
    const ref = readFileSync(`${DIR}${dtype}.f32`);
    const expected = new Float32Array(ref.buffer.slice(ref.byteOffset, ref.byteOffset + ref.byteLength));
    const { blockSize, bytesPerBlock } = DTYPES[dtype];
    const n = (blocks.length / bytesPerBlock) * blockSize;
    const rowLength = blockSize === 1 ? 64 : blockSize * 2; // several rows, to exercise row offsets
    const bytes = new Uint8Array(new ArrayBuffer(blocks.length));
    bytes.set(blocks);
    const actual = dequantize(new Tensor(dtype, [n / rowLength, rowLength], bytes));
    const exp = new Uint32Array(expected.buffer);
    const act = new Uint32Array(actual.buffer);
    let differ = 0;
    for (let i = 0; i < n; i++) if (exp[i] !== act[i] && !(Number.isNaN(expected[i]) && Number.isNaN(actual[i]))) differ++;
    t.diagnostic(`${dtype}: ${n} weights, ${differ} differ from llama.cpp in any bit`);
    assert.equal(differ, 0, dtype);
  }
});

test("f16 and bf16: every bit pattern survives a round trip through f32; rounding is to nearest even", () => {
  for (let h = 0; h < 65536; h++) {
    const x = f16ToF32(h);
    if (!Number.isNaN(x)) assert.equal(f32ToF16(x), h, `f16 ${h.toString(16)}`);
    const b = bf16ToF32(h);
    if (!Number.isNaN(b)) assert.equal(f32ToBf16(b), h, `bf16 ${h.toString(16)}`);
  }
  assert.equal(f32ToF16(65504), 0x7bff); // the largest f16
  assert.equal(f32ToF16(65520), 0x7c00); // halfway to the next: rounds to even, which is Inf
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie → even mantissa (1.0)
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // tie → even mantissa (1 + 2^-9)
  assert.equal(f32ToF16(2 ** -25), 0); // half the smallest subnormal: tie → 0
  assert.equal(f32ToF16(3 * 2 ** -25), 2); // 1.5 × smallest subnormal → 2 (even)
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80); // tie → even
  assert.equal(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82);
});
