/**
 * The one relaxed-SIMD integer instruction the 4/5/6-bit products are built on
 * (src/backends/wasm/assembly/matmul-relaxed.ts): i16x8.relaxed_dot_i8x16_i7x16_s, 16 signed bytes times 16
 * bytes in 0..127, neighbouring pairs summed into i16. For a second operand in 0..127 the result is exact on
 * every implementation, which is what makes the kernels' integer sums the same everywhere; this test holds
 * this runtime to that on random and extreme inputs. It also reports, without asserting, whether the i32x4
 * form with accumulator is right here: on Node 20 (V8 11.3) it is not, which is why the kernels avoid it.
 *
 * The module is written out byte by byte (no compiler involved) so that the test checks the instruction
 * alone: f(a, b, out) stores op(load a, load b[, load out]) at out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";

const I16X8_DOT = [0x92, 0x02]; // 0x112, LEB128
const I32X4_DOT_ADD = [0x93, 0x02]; // 0x113

function module(): Uint8Array {
  const load = (local: number) => [0x20, local, 0xfd, 0x00, 0x04, 0x00]; // local.get; v128.load align=16 offset=0
  const store = [0xfd, 0x0b, 0x04, 0x00];
  const body = (ops: number[]) => [0x00, ...ops, 0x0b]; // no locals … end
  const dot16 = body([0x20, 2, ...load(0), ...load(1), 0xfd, ...I16X8_DOT, ...store]);
  const dot32 = body([0x20, 2, ...load(0), ...load(1), ...load(2), 0xfd, ...I32X4_DOT_ADD, ...store]);
  const section = (id: number, content: number[]) => [id, content.length, ...content];
  const name = (s: string) => [s.length, ...Buffer.from(s)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // type 0: (i32, i32, i32) → ()
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]), // imported memory, 1 page
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name("dot16"), 0x00, 0, ...name("dot32"), 0x00, 1]),
    ...section(10, [2, dot16.length, ...dot16, dot32.length, ...dot32]),
  ]);
}

function instantiate(): { dot16: (a: number, b: number, out: number) => void; dot32: (a: number, b: number, out: number) => void; memory: WebAssembly.Memory } | null {
  const memory = new WebAssembly.Memory({ initial: 1 });
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(module()), { env: { memory } });
    return { ...(instance.exports as { dot16: (a: number, b: number, out: number) => void; dot32: (a: number, b: number, out: number) => void }), memory };
  } catch {
    return null; // no relaxed SIMD in this runtime
  }
}

test("i16x8.relaxed_dot_i8x16_i7x16_s is exact for a second operand in 0..127 (random and extreme inputs)", (t) => {
  const wasm = instantiate();
  // scripts/run-tests.mjs enables relaxed SIMD; without it there is nothing here to hold to anything
  assert.ok(wasm, "this runtime compiles relaxed SIMD (the test runner passes --experimental-wasm-relaxed-simd)");
  const bytes = new Int8Array(wasm.memory.buffer);
  const i16 = new Int16Array(wasm.memory.buffer);
  const i32 = new Int32Array(wasm.memory.buffer);
  const rng = new Rng(1120);
  const cases: [number[], number[]][] = [
    [Array(16).fill(-128), Array(16).fill(127)], // the largest magnitude: 2 · 128 · 127 = 32512
    [Array(16).fill(127), Array(16).fill(127)],
    [Array(16).fill(-1), Array(16).fill(0)],
  ];
  for (let c = 0; c < 2000; c++) {
    const high = [15, 31, 63, 127][c % 4]!; // the weight ranges the kernels use, then the whole 7 bits
    cases.push([Array.from({ length: 16 }, () => rng.int(256) - 128), Array.from({ length: 16 }, () => rng.int(high + 1))]);
  }
  let i32Right = true;
  for (const [a, b] of cases) {
    bytes.set(a, 0);
    bytes.set(b, 16);
    wasm.dot16(0, 16, 32);
    const want = Array.from({ length: 8 }, (_, j) => a[2 * j]! * b[2 * j]! + a[2 * j + 1]! * b[2 * j + 1]! | 0);
    assert.deepEqual(Array.from(i16.subarray(16, 24)), want, `a ${a} b ${b}`);
    const acc = [7, -7, 1000, 0];
    i32.set(acc, 12);
    wasm.dot32(0, 16, 48);
    const want32 = acc.map((c0, j) => c0 + want[2 * j]! + want[2 * j + 1]!);
    if (Array.from(i32.subarray(12, 16)).some((v, j) => v !== want32[j])) i32Right = false;
  }
  t.diagnostic(`${cases.length} cases exact; i32x4.relaxed_dot_i8x16_i7x16_add_s on this runtime (${process.version}): ${i32Right ? "right" : "wrong (unused)"}`);
});
