// The training products: C (M, N) = A · B, or C += A · B, with f32 everywhere (src/tensor/backend.ts `gemm`).
// A is read through strides, so the same kernel serves A and Aᵀ: element (i, k) sits at a + 4·(i·sai + k·sak).
// B is (K, N) row-major (the caller transposes a Bᵀ first: a copy of K·N floats against the product's M·N·K).
//
// The register tile: 4 rows × 8 columns of C live in eight f32x4 accumulators while k runs; each step
// broadcasts four A scalars and loads eight B values, then does 32 multiply-adds from registers.
// Rows m0 .. m1 − 1 of C are computed (threads split M; the caller aligns their shares to 4).

import { madd } from "./simd";

// @ts-ignore: decorator
@inline function storeTile(p: usize, v: v128, accumulate: bool): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), v) : v);
}

export function gemm_f32(c: usize, a: usize, b: usize, N: i32, K: i32, sai: i32, sak: i32, accumulate: bool, m0: i32, m1: i32): void {
  const N8 = N & ~7;
  const rowA = <usize>sai << 2;
  const stepA = <usize>sak << 2;
  const rowB = <usize>N << 2; // also C's row stride
  let i = m0;
  for (; i + 4 <= m1; i += 4) {
    const aRows = a + <usize>i * rowA;
    const cRows = c + <usize>i * rowB;
    for (let j = 0; j < N8; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let ap = aRows;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = v128.load32_splat(ap);
        const x1 = v128.load32_splat(ap + rowA);
        const x2 = v128.load32_splat(ap + 2 * rowA);
        const x3 = v128.load32_splat(ap + 3 * rowA);
        c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
        c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
        c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
        c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
        ap += stepA;
        bp += rowB;
      }
      const cp = cRows + (<usize>j << 2);
      storeTile(cp, c00, accumulate); storeTile(cp + 16, c01, accumulate);
      storeTile(cp + rowB, c10, accumulate); storeTile(cp + rowB + 16, c11, accumulate);
      storeTile(cp + 2 * rowB, c20, accumulate); storeTile(cp + 2 * rowB + 16, c21, accumulate);
      storeTile(cp + 3 * rowB, c30, accumulate); storeTile(cp + 3 * rowB + 16, c31, accumulate);
    }
    for (let r = 0; r < 4; r++) scalarColumns(c, a, b, N, K, sai, sak, accumulate, i + r, N8);
  }
  // leftover rows (M not a multiple of 4): one row at a time, eight columns per step
  for (; i < m1; i++) {
    const aRow = a + <usize>i * rowA;
    const cRow = c + <usize>i * rowB;
    for (let j = 0; j < N8; j += 8) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      let ap = aRow;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(ap);
        c0 = madd(x, v128.load(bp), c0);
        c1 = madd(x, v128.load(bp, 16), c1);
        ap += stepA;
        bp += rowB;
      }
      storeTile(cRow + (<usize>j << 2), c0, accumulate);
      storeTile(cRow + (<usize>j << 2) + 16, c1, accumulate);
    }
    scalarColumns(c, a, b, N, K, sai, sak, accumulate, i, N8);
  }
}

/** Columns j0 .. N − 1 of row i (N not a multiple of 8), one dot product each. */
function scalarColumns(c: usize, a: usize, b: usize, N: i32, K: i32, sai: i32, sak: i32, accumulate: bool, i: i32, j0: i32): void {
  for (let j = j0; j < N; j++) {
    let sum: f32 = 0;
    for (let k = 0; k < K; k++) sum += load<f32>(a + ((<usize>i * sai + <usize>k * sak) << 2)) * load<f32>(b + ((<usize>k * N + j) << 2));
    const p = c + ((<usize>i * N + j) << 2);
    store<f32>(p, accumulate ? load<f32>(p) + sum : sum);
  }
}

/** out (C, R) = inᵀ for in (R, C): rows r0 .. r1 − 1 of `in`. */
export function transpose_f32(out: usize, input: usize, R: i32, C: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    for (let col = 0; col < C; col++) store<f32>(out + ((<usize>col * R + r) << 2), load<f32>(input + ((<usize>r * C + col) << 2)));
  }
}
