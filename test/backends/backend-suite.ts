/**
 * The conformance suite every backend runs against the reference backend, on fresh random inputs and
 * awkward shapes (odd sizes, sizes that are not a multiple of the SIMD width or the block size):
 *   describe("wasm", () => backendSuite(() => new WasmBackend()))
 * Tolerance: max|a − b| / max|ref| ≤ 1e-5 per output tensor (float summation order only).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { Rng } from "../../src/core/rng.js";
import { DTYPES, type DType } from "../../src/core/dtype.js";
import { encodeTensor } from "../../src/quantize/quantize-model.js";
import type { Backend } from "../../src/tensor/backend.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { relativeError } from "../support/model-fixtures.js";

const reference = new ReferenceBackend();
const TOLERANCE = 1e-5;

function randoms(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** A random (N, K) weight in `dtype`, made by quantizing random floats as llama.cpp would. */
function randomWeight(rng: Rng, dtype: DType, N: number, K: number): Tensor {
  return new Tensor(dtype, [N, K], new Uint8Array(encodeTensor(randoms(rng, N * K), dtype, K).slice()));
}

function matmulShapes(dtype: DType): [number, number, number][] {
  const block = DTYPES[dtype].blockSize;
  if (block === 1) return [[1, 1, 1], [1, 7, 3], [2, 5, 17], [3, 33, 100], [1, 64, 288], [17, 9, 131]];
  return [[1, 1, block], [1, 7, block * 2], [3, 5, block * 3], [17, 33, block * 4], [1, 130, block * 9]];
}

export function backendSuite(name: string, make: () => Backend): void {
  const backend = make();

  test(`${name}: matmul for every weight dtype and awkward shape`, (t) => {
    const rng = new Rng(101);
    let worst = 0;
    let cases = 0;
    for (const dtype of Object.keys(DTYPES) as DType[]) {
      for (const [T, N, K] of matmulShapes(dtype)) {
        const w = randomWeight(rng, dtype, N, K);
        const x = randoms(rng, T * K);
        const [a, b] = [new Float32Array(T * N), new Float32Array(T * N)];
        backend.matmul(a, x, w, T);
        reference.matmul(b, x, w, T);
        const error = relativeError(a, b);
        worst = Math.max(worst, error);
        cases++;
        assert.ok(error <= TOLERANCE, `${dtype} T=${T} N=${N} K=${K}: ${error}`);
      }
    }
    t.diagnostic(`${name}: ${cases} matmul cases, worst relative error ${worst.toExponential(2)}`);
  });

  test(`${name}: matmul with tiny weights, whose f16 block scales are subnormal halves, every dtype`, () => {
    // rows of weights ~3e-3 … 3e-4 give block scales d of 1e-7 … 1e-4, mostly below 6.1e-5, the smallest
    // normal half: the kernels' f16 → f32 must be exact there too
    const rng = new Rng(105);
    for (const dtype of Object.keys(DTYPES) as DType[]) {
      const K = DTYPES[dtype].blockSize === 1 ? 40 : DTYPES[dtype].blockSize * 2;
      const [T, N] = [5, 11];
      const w = new Tensor(dtype, [N, K], new Uint8Array(encodeTensor(randoms(rng, N * K).map((v, i) => v * 10 ** -(2.5 + 0.25 * (Math.floor(i / K) % 5))), dtype, K).slice()));
      const x = randoms(rng, T * K);
      const [a, b] = [new Float32Array(T * N), new Float32Array(T * N)];
      backend.matmul(a, x, w, T);
      reference.matmul(b, x, w, T);
      assert.ok(relativeError(a, b) <= TOLERANCE, `${dtype}: ${relativeError(a, b)}`);
    }
  });

  test(`${name}: f16 products are bit-identical whether or not activations can be pre-scaled (|x| beyond 2^15 in a batch)`, () => {
    // the wasm backend multiplies activations by 2^112 instead of every f16 weight when max |x| < 2^15;
    // one large activation in a batch turns that off for the whole call, which must change no bit of any row
    const rng = new Rng(107);
    const [T, N, K] = [3, 9, 47]; // K: 8-wide steps, one 4-wide step, 3 single weights
    const w = randomWeight(rng, "f16", N, K);
    const x = randoms(rng, T * K);
    x[2 * K + 5] = 40000; // row 2 holds one activation over 2^15
    const together = new Float32Array(T * N);
    backend.matmul(together, x, w, T);
    for (let t = 0; t < 2; t++) {
      const alone = new Float32Array(N);
      backend.matmul(alone, x.subarray(t * K, (t + 1) * K), w, 1);
      assert.deepEqual(together.subarray(t * N, (t + 1) * N), alone, `row ${t}`);
    }
    const expected = new Float32Array(T * N);
    reference.matmul(expected, x, w, T);
    assert.ok(relativeError(together, expected) <= TOLERANCE);
  });

  test(`${name}: a matmul row does not depend on the rows beside it (bit-equal to the row alone, every dtype)`, () => {
    // a sequence's logits must not depend on what it is batched with (server batching, prefill vs decode)
    const rng = new Rng(103);
    // T = 9: two 4-row tiles and a row alone; float rows of K with every tail the kernels split off (groups
    // of 16, 8 and 4 weights, single weights), as the partial sums of a tile and of a lone row must add in one
    // order; quantized rows of an even and an odd count of blocks (32-weight blocks go in pairs, a last one alone)
    for (const dtype of Object.keys(DTYPES) as DType[]) {
      for (const K of DTYPES[dtype].blockSize === 1 ? [37, 36, 44, 75, 768] : [DTYPES[dtype].blockSize * 2, DTYPES[dtype].blockSize * 3]) {
        const [T, N] = [9, 13];
        const w = randomWeight(rng, dtype, N, K);
        const x = randoms(rng, T * K);
        const together = new Float32Array(T * N);
        backend.matmul(together, x, w, T);
        for (let t = 0; t < T; t++) {
          const alone = new Float32Array(N);
          backend.matmul(alone, x.subarray(t * K, (t + 1) * K), w, 1);
          assert.deepEqual(together.subarray(t * N, (t + 1) * N), alone, `${dtype} (K ${K}) row ${t} of ${T}`);
        }
      }
    }
  });

  test(`${name}: matmuls of one input equal matmul on each weight, bit for bit (shared activations, mixed formats, one or several rows)`, () => {
    // sizes past the wasm backend's parallel threshold, so that the products run as one job of several parts
    const rng = new Rng(107);
    const groups: DType[][] = [["q4_0", "q4_0", "q4_0"], ["q4_k", "q6_k", "q4_k"], ["f16", "f16"], ["bf16", "f16"], ["q8_0", "q4_0", "f32", "q5_0"], ["f32", "f32"]];
    for (const dtypes of groups) {
      for (const T of [1, 5]) {
        const K = 512;
        const ws = dtypes.map((dtype, i) => randomWeight(rng, dtype, 96 + 37 * i, K));
        const x = randoms(rng, T * K);
        const together = ws.map((w) => new Float32Array(T * w.rows));
        backend.matmuls(together, x, ws, T);
        ws.forEach((w, i) => {
          const alone = new Float32Array(T * w.rows);
          backend.matmul(alone, x, w, T);
          assert.deepEqual(together[i], alone, `${dtypes.join("+")} T=${T}: product ${i} (${w.dtype})`);
        });
      }
    }
  });

  test(`${name}: f16 and bf16 weights convert exactly (every finite pattern, read back through one-hot products)`, () => {
    for (const dtype of ["f16", "bf16"] as const) {
      const patterns = Array.from({ length: 65536 }, (_, h) => h).filter((h) => (dtype === "f16" ? ((h >> 10) & 0x1f) !== 0x1f : ((h >> 7) & 0xff) !== 0xff));
      const K = 8;
      const N = Math.ceil(patterns.length / K);
      const bytes = new Uint8Array(N * K * 2);
      patterns.forEach((h, i) => ((bytes[2 * i] = h & 0xff), (bytes[2 * i + 1] = h >> 8)));
      const w = new Tensor(dtype, [N, K], bytes);
      const identity = new Float32Array(K * K).map((_, i) => (i % (K + 1) === 0 ? 1 : 0)); // x = I (K, K)
      const [a, b] = [new Float32Array(K * N), new Float32Array(K * N)];
      backend.matmul(a, identity, w, K);
      reference.matmul(b, identity, w, K);
      const differ = a.reduce((n, v, i) => n + (Object.is(v + 0, b[i]! + 0) ? 0 : 1), 0);
      assert.equal(differ, 0, `${dtype}: ${differ} of ${patterns.length} values differ`);
      // and through decode's path (one activation row, rows of 16: the loop that converts as it reads)
      const K16 = 16, N16 = Math.ceil(patterns.length / K16);
      const w16 = new Tensor(dtype, [N16, K16], bytes.length >= N16 * K16 * 2 ? bytes.subarray(0, N16 * K16 * 2) : Uint8Array.from({ length: N16 * K16 * 2 }, (_, i) => bytes[i] ?? 0));
      let differ16 = 0;
      for (let k = 0; k < K16; k++) {
        const x = new Float32Array(K16);
        x[k] = 1;
        const [c, d] = [new Float32Array(N16), new Float32Array(N16)];
        backend.matmul(c, x, w16, 1);
        reference.matmul(d, x, w16, 1);
        differ16 += c.reduce((n, v, i) => n + (Object.is(v + 0, d[i]! + 0) ? 0 : 1), 0);
      }
      assert.equal(differ16, 0, `${dtype}, one row at a time: ${differ16} values differ`);
    }
  });

  test(`${name}: embedding, norms, rope, softmax, activations, attention`, () => {
    const rng = new Rng(202);
    const same = (what: string, run: (be: Backend) => Float32Array) => {
      const error = relativeError(run(backend), run(reference));
      assert.ok(error <= TOLERANCE, `${what}: ${error}`);
    };
    for (const dtype of ["f32", "f16", "q8_0", "q4_k"] as DType[]) {
      const table = randomWeight(rng, dtype, 11, DTYPES[dtype].blockSize === 1 ? 37 : DTYPES[dtype].blockSize);
      same(`embedding ${dtype}`, (be) => {
        const out = new Float32Array(3 * table.rowLength);
        be.embedding(out, table, [0, 10, 4]);
        return out;
      });
    }
    for (const C of [1, 7, 64, 129]) {
      const x = randoms(rng, 3 * C, 4);
      const weight = randoms(rng, C);
      const bias = randoms(rng, C);
      same(`rmsNorm C=${C}`, (be) => ((y) => (be.rmsNorm(y, x, weight, C, 1e-5), y))(new Float32Array(x.length)));
      same(`layerNorm C=${C}`, (be) => ((y) => (be.layerNorm(y, x, weight, bias, C, 1e-5), y))(new Float32Array(x.length)));
      same(`softmax C=${C}`, (be) => ((y) => (be.softmax(y, C), y))(x.slice()));
      same(`silu`, (be) => ((y) => (be.silu(y), y))(x.slice()));
      same(`gelu`, (be) => ((y) => (be.geluTanh(y), y))(x.slice()));
      const other = randoms(rng, x.length);
      same(`add`, (be) => ((y) => (be.add(y, x, other), y))(new Float32Array(x.length)));
      same(`mul`, (be) => ((y) => (be.mul(y, x, x), y))(new Float32Array(x.length)));
      same(`addBias`, (be) => ((y) => (be.addBias(y, bias), y))(x.slice()));
    }
    for (const style of ["interleaved", "halves"] as const) {
      const [T, H, hs] = [5, 3, 16];
      const x = randoms(rng, T * H * hs);
      const invFreq = Float32Array.from({ length: 6 }, (_, i) => 1 / 10000 ** ((2 * i) / 12)); // partial rotary: 12 of 16 dims
      same(`rope ${style}`, (be) => ((y) => (be.rope(y, T, H, hs, Int32Array.from([0, 1, 2, 300, 4000]), invFreq, style), y))(x.slice()));
    }
    for (const [T, pos0, H, Hkv, hs, window] of [[1, 0, 4, 4, 8, Infinity], [1, 37, 4, 2, 16, Infinity], [6, 3, 6, 2, 12, Infinity], [9, 0, 2, 1, 5, 4], [1, 300, 12, 4, 64, Infinity], [16, 40, 8, 2, 64, Infinity], [12, 100, 4, 4, 30, 33]] as const) {
      const S = pos0 + T;
      const q = randoms(rng, T * H * hs);
      const k = randoms(rng, S * Hkv * hs);
      const v = randoms(rng, S * Hkv * hs);
      same(`attention T=${T} pos0=${pos0} H=${H}/${Hkv} hs=${hs}`, (be) => {
        const out = new Float32Array(T * H * hs);
        const probs = new Float32Array(H * T * S);
        be.attention(out, q, k, v, { T, pos0, nHead: H, nKvHead: Hkv, headDim: hs, window }, probs);
        return Float32Array.from([...out, ...probs]);
      });
    }
  });

  test(`${name}: training products (gemm, every transpose, accumulate) and batched causal attention with gradients`, (t) => {
    const rng = new Rng(303);
    // inputs made by the backend itself (wasm: inside its memory, used in place) and plain arrays (staged)
    const floats = (n: number, inHeap: boolean) => ((bytes) => new Float32Array(bytes.buffer, bytes.byteOffset, n))(inHeap && backend.allocate ? backend.allocate(n * 4) : new Uint8Array(n * 4));
    const filled = (n: number, inHeap: boolean) => ((a) => (a.set(randoms(rng, n)), a))(floats(n, inHeap));
    let worst = 0;
    let cases = 0;
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 65, 31], [768, 24, 32], [37, 128, 9], [64, 130, 200]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            const inHeap = cases % 2 === 0;
            const a = filled(M * K, inHeap);
            const b = filled(K * N, inHeap);
            const start = randoms(rng, M * N);
            const mine = floats(M * N, inHeap);
            mine.set(start);
            const ref = start.slice();
            backend.gemm(mine, a, b, M, N, K, transA, transB, accumulate);
            reference.gemm(ref, a, b, M, N, K, transA, transB, accumulate);
            const error = relativeError(mine, ref);
            worst = Math.max(worst, error);
            cases++;
            assert.ok(error <= TOLERANCE, `gemm M=${M} N=${N} K=${K} transA=${transA} transB=${transB} accumulate=${accumulate}: ${error}`);
          }
        }
      }
    }
    for (const [B, T, H, Hkv, hs] of [[1, 2, 1, 1, 4], [2, 7, 4, 2, 6], [3, 16, 4, 4, 32], [2, 33, 6, 2, 13]] as const) {
      const shape = { B, T, nHead: H, nKvHead: Hkv, headDim: hs };
      const [qn, kvn, pn] = [B * T * H * hs, B * T * Hkv * hs, B * H * T * T];
      const inHeap = T % 2 === 0;
      const [q, k, v, dOut] = [filled(qn, inHeap), filled(kvn, inHeap), filled(kvn, inHeap), filled(qn, inHeap)];
      const run = (be: Backend) => {
        const [out, probs, dq, dk, dv] = [floats(qn, inHeap), floats(pn, inHeap), floats(qn, inHeap), floats(kvn, inHeap), floats(kvn, inHeap)];
        probs.fill(NaN); // every element must be written, the masked ones as zeros
        be.causalAttention(out, probs, q, k, v, shape);
        be.causalAttentionBackward(dq, dk, dv, dOut, probs, q, k, v, shape);
        return [out, probs, dq, dk, dv].map((x) => x.slice());
      };
      const [mine, ref] = [run(backend), run(reference)];
      ["out", "probs", "dq", "dk", "dv"].forEach((what, i) => {
        const error = relativeError(mine[i]!, ref[i]!);
        worst = Math.max(worst, error);
        assert.ok(error <= TOLERANCE, `causal attention ${what} B=${B} T=${T} H=${H}/${Hkv} hs=${hs}: ${error}`);
      });
      cases++;
    }
    const lnRng = new Rng(404); // its own stream: the cases below keep their inputs
    const lnFilled = (n: number, inHeap: boolean) => ((a) => (a.set(randoms(lnRng, n)), a))(floats(n, inHeap));
    for (const [rows, C, withBias] of [[1, 2, true], [3, 7, false], [768, 128, false], [50, 130, true], [9, 1027, true]] as const) {
      for (const inHeap of [true, false]) {
        const x = lnFilled(rows * C, inHeap);
        for (let i = 0; i < x.length; i++) x[i] = x[i]! * 3 + 0.5; // a mean away from zero
        const [w, b, dy] = [lnFilled(C, inHeap), lnFilled(C, inHeap), lnFilled(rows * C, inHeap)];
        const startDx = randoms(lnRng, rows * C), startDw = randoms(lnRng, C), startDb = randoms(lnRng, C);
        const run = (be: Backend) => {
          const [y, xHat, rstd, dx, dw, db] = [floats(rows * C, inHeap), floats(rows * C, inHeap), floats(rows, inHeap), floats(rows * C, inHeap), floats(C, inHeap), floats(C, inHeap)];
          dx.set(startDx);
          dw.set(startDw);
          db.set(startDb);
          be.layerNormForward(y, xHat, rstd, x, w, withBias ? b : undefined, C, 1e-5);
          be.layerNormBackward(dx, dw, withBias ? db : undefined, dy, xHat, rstd, w, C);
          return [y, xHat, rstd, dx, dw, db].map((a) => a.slice());
        };
        const [mine, ref] = [run(backend), run(reference)];
        ["y", "xHat", "rstd", "dx", "dw", "db"].forEach((what, i) => {
          const error = relativeError(mine[i]!, ref[i]!);
          worst = Math.max(worst, error);
          assert.ok(error <= TOLERANCE, `layerNorm ${what} rows=${rows} C=${C} bias=${withBias} inHeap=${inHeap}: ${error}`);
        });
        cases++;
      }
    }
    for (const n of [1, 7, 64, 1000, 70001]) {
      for (const inHeap of [true, false]) {
        const x = filled(n, inHeap);
        for (let i = 0; i < n; i += 5) x[i] = x[i]! * 12; // reach the saturated tails of tanh
        const dy = filled(n, inHeap);
        const other = filled(n, inHeap);
        const elementwise: [string, (be: Backend) => Float32Array[]][] = [
          ["geluTanh", (be) => [((y) => (y.set(x), be.geluTanh(y), y))(floats(n, inHeap))]],
          ["geluTanhBackward", (be) => [((dx) => (dx.set(other), be.geluTanhBackward(dx, dy, x), dx))(floats(n, inHeap))]],
          ["add", (be) => [((y) => (be.add(y, x, other), y))(floats(n, inHeap))]],
          ["swiglu", (be) => [((y) => (be.swiglu(y, x, other), y))(floats(n, inHeap))]],
          ["swigluBackward", (be) => {
            const [dg, du] = [floats(n, inHeap), floats(n, inHeap)];
            dg.set(other);
            du.set(dy);
            be.swigluBackward(dg, du, dy, x, other);
            return [dg, du];
          }],
          ["adamw", (be) => {
            const [p, m, v] = [floats(n, inHeap), floats(n, inHeap), floats(n, inHeap)];
            p.set(x);
            m.set(other);
            v.set(other.map((a) => a * a));
            be.adamw(p, dy, m, v, { shrink: 0.999, beta1: 0.9, beta2: 0.99, stepSize: 0.01, correction2: 0.3, eps: 1e-8 });
            return [p, m, v];
          }],
        ];
        for (const [what, run] of elementwise) {
          const [mine, ref] = [run(backend).map((a) => a.slice()), run(reference).map((a) => a.slice())];
          mine.forEach((a, i) => {
            const error = relativeError(a, ref[i]!);
            worst = Math.max(worst, error);
            assert.ok(error <= TOLERANCE, `${what} n=${n} (output ${i}): ${error}`);
          });
          cases++;
        }
      }
    }
    for (const [rows, V] of [[1, 2], [3, 7], [5, 65], [17, 4096]] as const) {
      for (const inHeap of [true, false]) {
        const logits = filled(rows * V, inHeap);
        for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! * 8;
        const targets = Int32Array.from({ length: rows }, (_, r) => (r % 4 === 3 ? -1 : rng.int(V)));
        const run = (be: Backend) => {
          const [probs, losses, d] = [floats(rows * V, inHeap), floats(rows, inHeap), floats(rows * V, inHeap)];
          be.crossEntropy(probs, losses, logits, targets, V);
          d.set(logits);
          be.crossEntropyBackward(d, probs, targets, V, 0.37);
          return [probs, losses, d].map((a) => a.slice());
        };
        const [mine, ref] = [run(backend), run(reference)];
        mine.forEach((a, i) => {
          const error = relativeError(a, ref[i]!);
          worst = Math.max(worst, error);
          assert.ok(error <= TOLERANCE, `crossEntropy rows=${rows} V=${V} (output ${i}): ${error}`);
        });
        cases++;
      }
    }
    t.diagnostic(`${name}: ${cases} training-kernel cases, worst relative error ${worst.toExponential(2)}`);
  });
}
