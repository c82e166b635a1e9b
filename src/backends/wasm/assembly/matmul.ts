// Matrix products y (T, N) = x (T, K) · Wᵀ for every weight dtype the wasm backend reads: f32, f16, bf16
// (exported here), and the tiles of the GGML block quantizations q8_0, q4_0, q5_0, q4_k, q6_k for the
// plain-SIMD build (activations quantized to 8-bit integers first, held as i16 so the integer dot products
// need no widening; quantize.ts), whose entry points are in products.ts beside the relaxed-SIMD tiles
// (matmul-relaxed.ts).
//
// Threads split the weight rows n0 .. n1 − 1. Each weight row is read once per group of up to 4
// activation rows (TILE): a decode step (T = 1) streams the weights, a prompt (T = 128) reuses each decoded
// weight block for 4 positions.
//
// One summation order per output, whatever T is and wherever the row falls in a tile, so that a sequence's
// logits do not depend on what it is batched with (test/models/batched-forward.test.ts checks bit
// equality): for y[t, n], two f32x4 partial sums over alternate groups of 4 k, added (float weights), or
// one f32x4 accumulator over blocks (quantized), then the lanes summed in order 0 + 1 + 2 + 3; integer
// partial sums are exact, so only the per-lane float steps matter.

import { f16ToF32, f16x4ToF32x4 } from "./half";
import { broadcastByte, scaled, scalesAndMinsK4, storeRows, TILE } from "./blocks";
import { hsum, madd } from "./simd";


// ---------------------------------------------------------------- float weights

/**
 * y[t, n] = Σ_k x[t, k] · W[n, k], as two f32x4 partial sums per output: `even` over the vectors
 * W[n, 8i .. 8i + 3] · x[t, …] and `odd` over W[n, 8i + 4 .. 8i + 7] · x[t, …] (a vector of 4 left over at
 * K & ~3 goes to even), then y = hsum(even + odd) + the scalar tail. Why two: a decode step streams one
 * weight row at a time, and with one accumulator each 16 bytes of weights would wait for the previous
 * multiply-add (4 cycles): 15 GB/s from one thread, where two chains reach the memory's speed (23 GB/s on a
 * 98 MB matrix, 1.5×; measured with a scratch harness).
 * A decode step reads one weight row at a time front to back: one sequential stream per thread reads memory
 * faster than several rows at once (two or four rows: 0.55–0.75×); the backend's four-row interleaved copy
 * (matmul_f32x4, below) is faster still, being one stream with fewer loads, and gives these same numbers.
 * A prompt (T ≥ TILE): two weight rows against four activation rows, the even vectors in one pass over the
 * row and the odd in a second (8 accumulators each, every weight and activation load feeding 4 or 2
 * products), so the tile keeps the register blocking of a single sum and still adds in decode's order.
 */
export function matmul_f32(y: usize, x: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const K8 = K & ~7, K4 = K & ~3;
  const rowBytes = <usize>K << 2;
  let n = n0;
  if (T >= TILE) {
    for (; n + 2 <= n1; n += 2) {
      const wa = w + <usize>n * rowBytes, wb = wa + rowBytes;
      let t = 0;
      for (; t + TILE <= T; t += TILE) {
        const x0 = x + <usize>t * rowBytes;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
        // the even vectors (k = 0, 8, 16, … < K4) into a (row n) and b (row n + 1) …
        for (let k = 0; k < K4; k += 8) {
          const o = <usize>k << 2;
          const va = v128.load(wa + o), vb = v128.load(wb + o);
          const v0 = v128.load(x0 + o), v1 = v128.load(x0 + rowBytes + o), v2 = v128.load(x0 + 2 * rowBytes + o), v3 = v128.load(x0 + 3 * rowBytes + o);
          a0 = madd(va, v0, a0); a1 = madd(va, v1, a1); a2 = madd(va, v2, a2); a3 = madd(va, v3, a3);
          b0 = madd(vb, v0, b0); b1 = madd(vb, v1, b1); b2 = madd(vb, v2, b2); b3 = madd(vb, v3, b3);
        }
        // … then the odd ones (k = 4, 12, … < K8) into c and d
        for (let k = 4; k < K8; k += 8) {
          const o = <usize>k << 2;
          const va = v128.load(wa + o), vb = v128.load(wb + o);
          const v0 = v128.load(x0 + o), v1 = v128.load(x0 + rowBytes + o), v2 = v128.load(x0 + 2 * rowBytes + o), v3 = v128.load(x0 + 3 * rowBytes + o);
          c0 = madd(va, v0, c0); c1 = madd(va, v1, c1); c2 = madd(va, v2, c2); c3 = madd(va, v3, c3);
          d0 = madd(vb, v0, d0); d1 = madd(vb, v1, d1); d2 = madd(vb, v2, d2); d3 = madd(vb, v3, d3);
        }
        storeF32(y, x, wa, t, n, N, K, K4, f32x4.add(a0, c0));
        storeF32(y, x, wa, t + 1, n, N, K, K4, f32x4.add(a1, c1));
        storeF32(y, x, wa, t + 2, n, N, K, K4, f32x4.add(a2, c2));
        storeF32(y, x, wa, t + 3, n, N, K, K4, f32x4.add(a3, c3));
        storeF32(y, x, wb, t, n + 1, N, K, K4, f32x4.add(b0, d0));
        storeF32(y, x, wb, t + 1, n + 1, N, K, K4, f32x4.add(b1, d1));
        storeF32(y, x, wb, t + 2, n + 1, N, K, K4, f32x4.add(b2, d2));
        storeF32(y, x, wb, t + 3, n + 1, N, K, K4, f32x4.add(b3, d3));
      }
      for (; t < T; t++) {
        storeF32(y, x, wa, t, n, N, K, K4, dotF32(wa, x + <usize>t * rowBytes, K));
        storeF32(y, x, wb, t, n + 1, N, K, K4, dotF32(wb, x + <usize>t * rowBytes, K));
      }
    }
  }
  for (; n < n1; n++) {
    const wa = w + <usize>n * rowBytes;
    for (let t = 0; t < T; t++) storeF32(y, x, wa, t, n, N, K, K4, dotF32(wa, x + <usize>t * rowBytes, K));
  }
}

// ---------------------------------------------------------------- f32 weights four rows interleaved

// Decode streams every weight once per token, and how fast one thread streams depends on how many loads it
// issues per byte: the row-by-row product loads 16 bytes of activations beside every 16 bytes of weights (two
// loads per 16 weight bytes, where native AVX2 code issues one per 32). Measured on a Zen 3 with a scratch
// harness over stories110M's matrices, the same product runs at 12–14 GB/s on one thread, plain 16-byte loads
// at 14–16, and native C at 14 with 16-byte loads, 17 with 32-byte ones; two threads at once, 24–25 against
// 26–28 for the layout below. So the weights are copied once (interleave_f32) into groups of four rows,
// eight columns at a time:
//
//   group g (rows 4g … 4g + 3), for each i < K8 / 8 (k = 8i):   128 bytes
//     W[4g, k … k+3]  W[4g+1, k … k+3]  W[4g+2, k … k+3]  W[4g+3, k … k+3]        the even vectors
//     W[4g, k+4 … k+7] W[4g+1, k+4 … k+7] W[4g+2, k+4 … k+7] W[4g+3, k+4 … k+7]    the odd vectors
//   then, when K4 > K8, the vector left over:                      64 bytes
//     W[4g, K8 … K8+3] … W[4g+3, K8 … K8+3]
//
// one sequential stream in which each 16-byte activation load feeds four rows' multiply-adds (ten loads per
// 128 bytes of weights instead of sixteen). Each row keeps its own even and odd sums, added in the same order
// as dotF32 and the tile, and the scalar tail k ≥ K4 and any rows past the last whole group are read from the
// row-major weight: the results are the row-by-row product's, bit for bit.

/** Copies rows n0 .. n1 − 1 (multiples of 4, at most N & ~3) of the f32 weight w (N, K) into the layout above at out. */
export function interleave_f32(out: usize, w: usize, N: i32, K: i32, n0: i32, n1: i32): void {
  const K8 = K & ~7, K4 = K & ~3;
  const rowBytes = <usize>K << 2;
  for (let n = n0; n + 4 <= n1; n += 4) {
    let o = out + (<usize>n * <usize>K4 << 2);
    const r0 = w + <usize>n * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    for (let k = 0; k < K8; k += 8, o += 128) {
      const b = <usize>k << 2;
      v128.store(o, v128.load(r0 + b)); v128.store(o, v128.load(r1 + b), 16); v128.store(o, v128.load(r2 + b), 32); v128.store(o, v128.load(r3 + b), 48);
      v128.store(o, v128.load(r0 + b, 16), 64); v128.store(o, v128.load(r1 + b, 16), 80); v128.store(o, v128.load(r2 + b, 16), 96); v128.store(o, v128.load(r3 + b, 16), 112);
    }
    if (K4 > K8) {
      const b = <usize>K8 << 2;
      v128.store(o, v128.load(r0 + b)); v128.store(o, v128.load(r1 + b), 16); v128.store(o, v128.load(r2 + b), 32); v128.store(o, v128.load(r3 + b), 48);
    }
  }
}

/**
 * matmul_f32 over the interleaved copy wi of w (interleave_f32): y[t, n] for n0 .. n1 − 1 (n0 a multiple of
 * 4), the same numbers as matmul_f32. For fewer than TILE activation rows (decode), each group of four weight
 * rows is streamed once and applied to every activation row while it is in the L1 cache; a prompt (T ≥ TILE)
 * runs matmul_f32's tiles over the row-major weight, which reuse each weight load four times already.
 */
export function matmul_f32x4(y: usize, x: usize, w: usize, wi: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (T >= TILE) {
    matmul_f32(y, x, w, T, N, K, n0, n1);
    return;
  }
  const K8 = K & ~7, K4 = K & ~3;
  const rowBytes = <usize>K << 2;
  const groupBytes = <usize>K4 << 4;
  const whole = min(n1, N & ~3);
  let n = n0;
  for (; n + 4 <= whole; n += 4) {
    const g = wi + (<usize>n >> 2) * groupBytes, w0 = w + <usize>n * rowBytes;
    for (let t = 0; t < T; t++) {
      const xt = x + <usize>t * rowBytes;
      let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
      let o0 = f32x4.splat(0), o1 = f32x4.splat(0), o2 = f32x4.splat(0), o3 = f32x4.splat(0);
      let p = g;
      for (let k = 0; k < K8; k += 8, p += 128) {
        const xe = v128.load(xt + (<usize>k << 2)), xo = v128.load(xt + (<usize>k << 2), 16);
        e0 = madd(v128.load(p), xe, e0); e1 = madd(v128.load(p, 16), xe, e1); e2 = madd(v128.load(p, 32), xe, e2); e3 = madd(v128.load(p, 48), xe, e3);
        o0 = madd(v128.load(p, 64), xo, o0); o1 = madd(v128.load(p, 80), xo, o1); o2 = madd(v128.load(p, 96), xo, o2); o3 = madd(v128.load(p, 112), xo, o3);
      }
      if (K4 > K8) {
        const xe = v128.load(xt + (<usize>K8 << 2));
        e0 = madd(v128.load(p), xe, e0); e1 = madd(v128.load(p, 16), xe, e1); e2 = madd(v128.load(p, 32), xe, e2); e3 = madd(v128.load(p, 48), xe, e3);
      }
      storeF32(y, x, w0, t, n, N, K, K4, f32x4.add(e0, o0));
      storeF32(y, x, w0 + rowBytes, t, n + 1, N, K, K4, f32x4.add(e1, o1));
      storeF32(y, x, w0 + 2 * rowBytes, t, n + 2, N, K, K4, f32x4.add(e2, o2));
      storeF32(y, x, w0 + 3 * rowBytes, t, n + 3, N, K, K4, f32x4.add(e3, o3));
    }
  }
  for (; n < n1; n++) {
    const wa = w + <usize>n * rowBytes;
    for (let t = 0; t < T; t++) storeF32(y, x, wa, t, n, N, K, K4, dotF32(wa, x + <usize>t * rowBytes, K));
  }
}

/** even + odd (as the tile) for one row, in one pass: unrolled by 16, the vectors alternating between the two. */
// @ts-ignore: decorator
@inline function dotF32(wRow: usize, xRow: usize, K: i32): v128 {
  const K16 = K & ~15, K8 = K & ~7, K4 = K & ~3;
  let even = f32x4.splat(0), odd = f32x4.splat(0);
  let k = 0;
  for (; k < K16; k += 16) {
    const o = <usize>k << 2;
    even = madd(v128.load(wRow + o), v128.load(xRow + o), even);
    odd = madd(v128.load(wRow + o, 16), v128.load(xRow + o, 16), odd);
    even = madd(v128.load(wRow + o, 32), v128.load(xRow + o, 32), even);
    odd = madd(v128.load(wRow + o, 48), v128.load(xRow + o, 48), odd);
  }
  if (k < K8) {
    const o = <usize>k << 2;
    even = madd(v128.load(wRow + o), v128.load(xRow + o), even);
    odd = madd(v128.load(wRow + o, 16), v128.load(xRow + o, 16), odd);
    k += 8;
  }
  if (k < K4) even = madd(v128.load(wRow + (<usize>k << 2)), v128.load(xRow + (<usize>k << 2)), even);
  return f32x4.add(even, odd);
}

/** y[t, n] = the lanes of acc summed, plus the scalar tail k ≥ K4 of the dot product. */
// @ts-ignore: decorator
@inline function storeF32(y: usize, x: usize, wRow: usize, t: i32, n: i32, N: i32, K: i32, K4: i32, acc: v128): void {
  let sum = hsum(acc);
  const xt = x + (<usize>t * <usize>K << 2);
  for (let k = K4; k < K; k++) sum += load<f32>(wRow + (<usize>k << 2)) * load<f32>(xt + (<usize>k << 2));
  store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
}

// The 16-bit weight kinds of matmul_half: bf16; f16; and f16 with activations pre-scaled by 2^112
// (prescale_f16_activations), so that a weight need not be: the f16 bits put in f32 position are the
// weight × 2^-112 exactly (a subnormal half becomes the subnormal f32 of the same scaled value), and
// (w · 2^-112) · (x · 2^112) is the same real number as w · x, so every product and sum rounds as before.
// @ts-ignore: decorator
@inline const BF16 = 0, F16 = 1, F16_PRESCALED = 2;

/** Four weights of a 16-bit float row at element k, as f32x4 (bf16: the top half of an f32). */
// @ts-ignore: decorator
@inline function halfX4(row: usize, k: i32, kind: i32): v128 {
  const p = row + (<usize>k << 1);
  if (kind == BF16) return i32x4.shl(v128.load16x4_u(p), 16);
  const placed = v128.and(i32x4.shr_s(i32x4.shl(v128.load16x4_u(p), 16), 3), i32x4.splat(0x8fffffff));
  return kind == F16 ? f32x4.mul(placed, f32x4.splat(reinterpret<f32>(0x77800000))) : placed;
}

/**
 * Eight 16-bit floats loaded as one vector, widened four at a time. bf16: interleaving zero words below
 * each half (one unpack instruction) gives h << 16 in each 32-bit lane, which is already the f32. f16: the
 * f32 bits are sign << 31 | (h & 0x7fff) << 13, made in 16-bit lanes for all eight at once: the upper
 * halves (h >> 3 arithmetic, masked to sign and the top 12 bits) and the lower (h << 13), then one unpack
 * interleaves them into each f32x4 (5 instructions per 8 weights, 6 when each f32x4 is shifted and masked
 * on its own); × 2^112 rebiases unless the activations carry that factor. halfLow and halfHigh compute the
 * same two 16-bit vectors, which the compiler keeps once.
 */
// @ts-ignore: decorator
@inline function halfLow(h: v128, kind: i32): v128 {
  if (kind == BF16) return v128.shuffle<u16>(v128.splat<i32>(0), h, 0, 8, 1, 9, 2, 10, 3, 11);
  return rebias(v128.shuffle<u16>(f16Low16(h), f16High16(h), 0, 8, 1, 9, 2, 10, 3, 11), kind);
}

// @ts-ignore: decorator
@inline function halfHigh(h: v128, kind: i32): v128 {
  if (kind == BF16) return v128.shuffle<u16>(v128.splat<i32>(0), h, 4, 12, 5, 13, 6, 14, 7, 15);
  return rebias(v128.shuffle<u16>(f16Low16(h), f16High16(h), 4, 12, 5, 13, 6, 14, 7, 15), kind);
}

/** The upper 16 bits of each f16's f32 bits (scaled by 2^-112): sign, then (h & 0x7fff) >> 3. */
// @ts-ignore: decorator
@inline function f16High16(h: v128): v128 {
  return v128.and(i16x8.shr_s(h, 3), i16x8.splat(<i16>0x8fff));
}

/** The lower 16 bits: the f16's three lowest mantissa bits at the top. */
// @ts-ignore: decorator
@inline function f16Low16(h: v128): v128 {
  return i16x8.shl(h, 13);
}

// @ts-ignore: decorator
@inline function rebias(bits: v128, kind: i32): v128 {
  return kind == F16 ? f32x4.mul(bits, f32x4.splat(reinterpret<f32>(0x77800000))) : bits;
}

// @ts-ignore: decorator
@inline function halfAt(row: usize, k: i32, kind: i32): f32 {
  const h = <u32>load<u16>(row + (<usize>k << 1));
  if (kind == BF16) return reinterpret<f32>(h << 16);
  return kind == F16 ? f16ToF32(h) : reinterpret<f32>(((h & 0x7fff) << 13) | ((h & 0x8000) << 16));
}

/**
 * x (n floats) × 2^112 in place when max |x| < 2^15 (then no product overflows), for matmul_half's
 * F16_PRESCALED kind; returns whether it did.
 */
export function prescale_f16_activations(x: usize, n: i32): bool {
  let m = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, f32x4.abs(v128.load(x + (<usize>i << 2))));
  let top = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; i < n; i++) top = max(top, abs(load<f32>(x + (<usize>i << 2))));
  if (!(top < 32768)) return false; // also NaN
  const scale = f32x4.splat(reinterpret<f32>(0x77800000));
  for (i = 0; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), scale));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * reinterpret<f32>(0x77800000));
  return true;
}

/**
 * y[t, n] for 16-bit float W (kind: BF16, F16, F16_PRESCALED above): each weight converted once per tile of
 * activation rows. Four f32x4 partial sums per output, p_j over the groups of 4 k whose index k / 4 is j
 * modulo 4, summed as (p0 + p1) + (p2 + p3). Why four: a decode step converts 16 bytes of weights in a few
 * instructions, and with fewer chains each multiply-add waits on the one before (4 cycles): two chains
 * read 12 GB/s from one thread, four 15 GB/s (F16_PRESCALED, a 49 MB matrix; scratch harness).
 */
export function matmul_half(y: usize, x: usize, w: usize, T: i32, N: i32, K: i32, kind: i32, scratch: usize, n0: i32, n1: i32, thread: i32): void {
  const rowsF32 = scratch + <usize>thread * half_scratch_bytes(K); // this thread's scratch (used when T ≥ TILE)
  if (kind == BF16) productHalf(y, x, w, T, N, K, BF16, rowsF32, n0, n1);
  else if (kind == F16) productHalf(y, x, w, T, N, K, F16, rowsF32, n0, n1);
  else productHalf(y, x, w, T, N, K, F16_PRESCALED, rowsF32, n0, n1);
}

/** Bytes of matmul_half's scratch per thread (the backend sizes the region with it): two weight rows
 *  widened to f32, then 16 partial sums (v128). */
export function half_scratch_bytes(K: i32): usize {
  return (<usize>K << 3) + 256;
}

// @ts-ignore: decorator
@inline function productHalf(y: usize, x: usize, w: usize, T: i32, N: i32, K: i32, kind: i32, rowsF32: usize, n0: i32, n1: i32): void {
  const K4 = K & ~3;
  const xRow = <usize>K << 2, wRow = <usize>K << 1;
  const rowA = rowsF32, rowB = rowsF32 + xRow, sums01 = rowsF32 + (xRow << 1), sums23 = sums01 + 128;
  let n = n0;
  if (T >= TILE) {
    // a prompt or a batch: two weight rows widened once to f32 (the values decode converts), then each
    // tile of 4 activation rows reads floats as matmul_f32's tile does (two weight rows × four activation
    // rows, 8 accumulators, every load feeding 4 or 2 products), in four passes over the rows, one per
    // partial sum p_j (k = 16i + 4j); p0 + p1 and p2 wait in scratch while the next pass runs
    for (; n + 2 <= n1; n += 2) {
      const wa = w + <usize>n * wRow, wb = wa + wRow;
      widenHalfRow(rowA, wa, K4, kind);
      widenHalfRow(rowB, wb, K4, kind);
      let t = 0;
      for (; t + TILE <= T; t += TILE) {
        const x0 = x + <usize>t * xRow;
        halfPass(rowA, rowB, x0, xRow, K4, 0, sums01, 0, 0); // sums01 = p0
        halfPass(rowA, rowB, x0, xRow, K4, 4, sums01, sums01, 0); // sums01 = p0 + p1
        halfPass(rowA, rowB, x0, xRow, K4, 8, sums23, 0, 0); // sums23 = p2
        halfPass(rowA, rowB, x0, xRow, K4, 12, sums23, sums23, sums01); // sums23 = (p0 + p1) + (p2 + p3)
        for (let r = 0; r < TILE; r++) {
          storeHalf(y, x, wa, t + r, n, N, K, K4, v128.load(sums23 + (<usize>r << 4)), kind);
          storeHalf(y, x, wb, t + r, n + 1, N, K, K4, v128.load(sums23 + (<usize>(r + TILE) << 4)), kind);
        }
      }
      for (; t < T; t++) {
        storeHalf(y, x, wa, t, n, N, K, K4, dotHalf(wa, x + <usize>t * xRow, K, kind), kind);
        storeHalf(y, x, wb, t, n + 1, N, K, K4, dotHalf(wb, x + <usize>t * xRow, K, kind), kind);
      }
    }
  }
  // a decode step (and a prompt's last row of an odd count): the row read once, front to back, converted as it goes
  for (; n < n1; n++) {
    const row = w + <usize>n * wRow;
    for (let t = 0; t < T; t++) storeHalf(y, x, row, t, n, N, K, K4, dotHalf(row, x + <usize>t * xRow, K, kind), kind);
  }
}

/** (p0 + p1) + (p2 + p3) for one weight row and one activation row, the four sums made side by side. */
// @ts-ignore: decorator
@inline function dotHalf(row: usize, xt: usize, K: i32, kind: i32): v128 {
  const K16 = K & ~15, K4 = K & ~3;
  let p0 = f32x4.splat(0), p1 = f32x4.splat(0), p2 = f32x4.splat(0), p3 = f32x4.splat(0);
  let k = 0;
  for (; k < K16; k += 16) {
    const o = <usize>k << 2;
    const h = v128.load(row + (<usize>k << 1)), g = v128.load(row + (<usize>k << 1), 16);
    p0 = madd(halfLow(h, kind), v128.load(xt + o), p0);
    p1 = madd(halfHigh(h, kind), v128.load(xt + o, 16), p1);
    p2 = madd(halfLow(g, kind), v128.load(xt + o, 32), p2);
    p3 = madd(halfHigh(g, kind), v128.load(xt + o, 48), p3);
  }
  // at most three groups of 4 are left: to p0, p1, p2 in turn
  if (k < K4) { p0 = madd(halfX4(row, k, kind), v128.load(xt + (<usize>k << 2)), p0); k += 4; }
  if (k < K4) { p1 = madd(halfX4(row, k, kind), v128.load(xt + (<usize>k << 2)), p1); k += 4; }
  if (k < K4) p2 = madd(halfX4(row, k, kind), v128.load(xt + (<usize>k << 2)), p2);
  return f32x4.add(f32x4.add(p0, p1), f32x4.add(p2, p3));
}

/** The first K4 weights of a 16-bit row as f32 at out. */
// @ts-ignore: decorator
@inline function widenHalfRow(out: usize, row: usize, K4: i32, kind: i32): void {
  const K8 = K4 & ~7;
  for (let k = 0; k < K8; k += 8) {
    const h = v128.load(row + (<usize>k << 1));
    v128.store(out + (<usize>k << 2), halfLow(h, kind));
    v128.store(out + (<usize>k << 2), halfHigh(h, kind), 16);
  }
  if (K8 < K4) v128.store(out + (<usize>K8 << 2), halfX4(row, K8, kind));
}

/**
 * One pass of the tile: the sums over k = from, from + 16, … < K4 of rows a and b (widened) against four
 * activation rows, as 8 vectors (row a's four, then row b's) written to `out`: each plus the same vector
 * of `plus` when given, and that plus the same of `before` when given.
 */
// @ts-ignore: decorator
@inline function halfPass(rowA: usize, rowB: usize, x0: usize, xRow: usize, K4: i32, from: i32, out: usize, plus: usize, before: usize): void {
  const x1 = x0 + xRow, x2 = x1 + xRow, x3 = x2 + xRow;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let k = from; k < K4; k += 16) {
    const o = <usize>k << 2;
    const va = v128.load(rowA + o), vb = v128.load(rowB + o);
    const v0 = v128.load(x0 + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
    a0 = madd(va, v0, a0); a1 = madd(va, v1, a1); a2 = madd(va, v2, a2); a3 = madd(va, v3, a3);
    b0 = madd(vb, v0, b0); b1 = madd(vb, v1, b1); b2 = madd(vb, v2, b2); b3 = madd(vb, v3, b3);
  }
  passOut(out, 0, a0, plus, before); passOut(out, 1, a1, plus, before); passOut(out, 2, a2, plus, before); passOut(out, 3, a3, plus, before);
  passOut(out, 4, b0, plus, before); passOut(out, 5, b1, plus, before); passOut(out, 6, b2, plus, before); passOut(out, 7, b3, plus, before);
}

// @ts-ignore: decorator
@inline function passOut(out: usize, i: i32, v: v128, plus: usize, before: usize): void {
  const at = <usize>i << 4;
  let r = plus ? f32x4.add(v128.load(plus + at), v) : v;
  if (before) r = f32x4.add(v128.load(before + at), r);
  v128.store(out + at, r);
}

// @ts-ignore: decorator
@inline function storeHalf(y: usize, x: usize, row: usize, t: i32, n: i32, N: i32, K: i32, K4: i32, acc: v128, kind: i32): void {
  let sum = hsum(acc);
  const xt = x + (<usize>t * <usize>K << 2);
  for (let k = K4; k < K; k++) sum += halfAt(row, k, kind) * load<f32>(xt + (<usize>k << 2));
  store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
}

// ---------------------------------------------------------------- quantized weights, 8-bit activations

/**
 * Σ of 32 products, weights w0..w3 (i16x8: elements 0–7, 8–15, 16–23, 24–31) by activations at xq (32 × i16),
 * as i32x4: lane j holds the products of elements 2j and 2j + 1 of each group of 8. Exact.
 */
// @ts-ignore: decorator
@inline function dot32(w0: v128, w1: v128, w2: v128, w3: v128, xq: usize): v128 {
  let acc = i32x4.dot_i16x8_s(w0, v128.load(xq));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(w1, v128.load(xq, 16)));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(w2, v128.load(xq, 32)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(w3, v128.load(xq, 48)));
}

/** The same over 16 elements (w0: 0–7, w1: 8–15). */
// @ts-ignore: decorator
@inline function dot16(w0: v128, w1: v128, xq: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(xq)), i32x4.dot_i16x8_s(w1, v128.load(xq, 16)));
}

/**
 * Products with 32-weight blocks (q8_0, q4_0, q5_0): per block, the weights decoded to four i16x8 once,
 * then for each of `rows` activation rows t:  acc_t += (Σ q_w q_x) · (d_w · d_x[t]).
 * Activations: qs (T, K) i16, ds (T, K/32) f32 (quantize_q8_0). d_w: from wd (f32 per block) when given,
 * else the block's f16. `rows` is a constant at each call site
 * (products.ts), so the compiler drops the unused rows' code from each copy.
 */
// @ts-ignore: decorator
@inline export function tile32(kind: i32, rows: i32, y: usize, qs: usize, ds: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  const blockBytes: usize = kind == 8 ? 34 : kind == 4 ? 18 : 22;
  const xRow = <usize>K << 1; // bytes of one activation row (i16)
  const dRow = <usize>nb << 2;
  for (let n = n0; n < n1; n++) {
    let wb = w + <usize>n * <usize>nb * blockBytes;
    const end = wb + <usize>nb * blockBytes;
    let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sd = wd + <usize>n * dRow;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; wb < end; wb += blockBytes, xb += 64, db += 4, sd += 4) {
      let w0: v128, w1: v128, w2: v128, w3: v128;
      if (kind == 8) {
        // [f16 d][32 × i8], eight at a time loaded and sign-extended in one instruction (x86: pmovsxbw from
        // memory; extending a register's high half takes a shuffle first)
        w0 = v128.load8x8_s(wb, 2); w1 = v128.load8x8_s(wb, 10);
        w2 = v128.load8x8_s(wb, 18); w3 = v128.load8x8_s(wb, 26);
      } else if (kind == 4) {
        // [f16 d][16 bytes: low nibbles are elements 0..15, high nibbles 16..31], value q − 8
        const packed = v128.load(wb + 2);
        const lo = i8x16.sub(v128.and(packed, i8x16.splat(0x0f)), i8x16.splat(8));
        const hi = i8x16.sub(v128.and(i16x8.shr_u(packed, 4), i8x16.splat(0x0f)), i8x16.splat(8)); // 16-bit shift, then mask: x86 has no 8-bit shift
        w0 = i16x8.extend_low_i8x16_s(lo); w1 = i16x8.extend_high_i8x16_s(lo);
        w2 = i16x8.extend_low_i8x16_s(hi); w3 = i16x8.extend_high_i8x16_s(hi);
      } else {
        // [f16 d][u32 qh: the fifth bits][16 nibble bytes], value q − 16: lane j of the low half takes bit
        // j of qh, lane j of the high half bit j + 16; a set bit adds 16
        const qh = i32x4.splat(load<i32>(wb + 2));
        const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
        const h0 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)), bit), i8x16.splat(0)), i8x16.splat(16));
        const h1 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)), bit), i8x16.splat(0)), i8x16.splat(16));
        const packed = v128.load(wb + 6);
        const lo = i8x16.sub(v128.or(v128.and(packed, i8x16.splat(0x0f)), h0), i8x16.splat(16));
        const hi = i8x16.sub(v128.or(v128.and(i16x8.shr_u(packed, 4), i8x16.splat(0x0f)), h1), i8x16.splat(16));
        w0 = i16x8.extend_low_i8x16_s(lo); w1 = i16x8.extend_high_i8x16_s(lo);
        w2 = i16x8.extend_low_i8x16_s(hi); w3 = i16x8.extend_high_i8x16_s(hi);
      }
      const d = copies ? load<f32>(sd) : f16ToF32(<u32>load<u16>(wb));
      a0 = scaled(a0, dot32(w0, w1, w2, w3, xb), d * load<f32>(db));
      if (rows > 1) a1 = scaled(a1, dot32(w0, w1, w2, w3, xb + xRow), d * load<f32>(db + dRow));
      if (rows > 2) a2 = scaled(a2, dot32(w0, w1, w2, w3, xb + 2 * xRow), d * load<f32>(db + 2 * dRow));
      if (rows > 3) a3 = scaled(a3, dot32(w0, w1, w2, w3, xb + 3 * xRow), d * load<f32>(db + 3 * dRow));
    }
    storeRows(rows, y, t, n, N, hsum(a0), hsum(a1), hsum(a2), hsum(a3));
  }
}

/** Σ_j m_j · bsum_j over a Q4_K block's eight sub-blocks, as four i32 lanes (exact: integers). */
// @ts-ignore: decorator
@inline function minSums(mLo: v128, mHi: v128, bsums: usize): v128 {
  return i32x4.add(i32x4.mul(mLo, v128.load(bsums)), i32x4.mul(mHi, v128.load(bsums, 16)));
}

/**
 * Q4_K weights [f16 d][f16 dmin][12 bytes: 8 six-bit scales and mins][128 nibble bytes] (144 bytes per 256):
 * w = d · sc_j · q − dmin · m_j in 32-weight sub-block j. With x̃ = d_x · q_x (Q8_K, one d_x per 256):
 *   Σ w x̃ = d_x · (d · Σ_j Σ (sc_j q) q_x − dmin · Σ_j m_j Σ q_x)
 * sc_j · q ≤ 63 · 15 fits i16, so the scale is folded into the decoded weights; Σ q_x per 32 comes with
 * the activations (bsums). acc_t gathers the first term per block, mins_t the second; y = Σ acc_t − mins_t.
 */
// @ts-ignore: decorator
@inline export function tileQ4K(rows: i32, y: usize, qs: usize, ds: usize, bsums: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K << 1;
  const dRow = <usize>nb << 2;
  const sRow = <usize>(K >> 5) << 2;
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 144;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let b = 0; b < nb; b++) {
      const wb = row + <usize>b * 144;
      const xb = qs + <usize>t * xRow + (<usize>b << 9);
      const sb = bsums + <usize>t * sRow + (<usize>b << 5);
      let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
      // the eight sub-block minimums as two i32x4, once per block; Σ_j m_j Σ q_x per row is then two
      // vector products against the row's eight bsums
      const sm = scalesAndMinsK4(wb + 4);
      const mins = i16x8.extend_high_i8x16_u(sm);
      const mLo = i32x4.extend_low_i16x8_u(mins), mHi = i32x4.extend_high_i16x8_u(mins);
      for (let pair = 0; pair < 4; pair++) {
        // sub-blocks 2·pair and 2·pair + 1 share 32 bytes: low nibbles are the first's 32 weights, high the second's
        const p0 = v128.load(wb + 16 + (<usize>pair << 5));
        const p1 = v128.load(wb + 32 + (<usize>pair << 5));
        for (let half = 0; half < 2; half++) {
          const j = (pair << 1) + half;
          const q0 = half ? v128.and(i16x8.shr_u(p0, 4), i8x16.splat(0x0f)) : v128.and(p0, i8x16.splat(0x0f));
          const q1 = half ? v128.and(i16x8.shr_u(p1, 4), i8x16.splat(0x0f)) : v128.and(p1, i8x16.splat(0x0f));
          const s = broadcastByte(sm, j);
          const w0 = i16x8.mul(i16x8.extend_low_i8x16_u(q0), s), w1 = i16x8.mul(i16x8.extend_high_i8x16_u(q0), s);
          const w2 = i16x8.mul(i16x8.extend_low_i8x16_u(q1), s), w3 = i16x8.mul(i16x8.extend_high_i8x16_u(q1), s);
          const xj = xb + (<usize>j << 6);
          i0 = i32x4.add(i0, dot32(w0, w1, w2, w3, xj));
          if (rows > 1) i1 = i32x4.add(i1, dot32(w0, w1, w2, w3, xj + xRow));
          if (rows > 2) i2 = i32x4.add(i2, dot32(w0, w1, w2, w3, xj + 2 * xRow));
          if (rows > 3) i3 = i32x4.add(i3, dot32(w0, w1, w2, w3, xj + 3 * xRow));
        }
      }
      const sd = wd + ((<usize>n * <usize>nb + <usize>b) << 3); // d, dmin as f32 when copied (products.ts)
      const d = copies ? load<f32>(sd) : f16ToF32(<u32>load<u16>(wb)), dmin = copies ? load<f32>(sd, 4) : f16ToF32(<u32>load<u16>(wb + 2));
      const db = ds + <usize>t * dRow + (<usize>b << 2);
      // the mins' term goes into the same lanes (− dmin · d_x): no horizontal sum per block
      a0 = scaled(scaled(a0, i0, d * load<f32>(db)), minSums(mLo, mHi, sb), -(dmin * load<f32>(db)));
      if (rows > 1) a1 = scaled(scaled(a1, i1, d * load<f32>(db + dRow)), minSums(mLo, mHi, sb + sRow), -(dmin * load<f32>(db + dRow)));
      if (rows > 2) a2 = scaled(scaled(a2, i2, d * load<f32>(db + 2 * dRow)), minSums(mLo, mHi, sb + 2 * sRow), -(dmin * load<f32>(db + 2 * dRow)));
      if (rows > 3) a3 = scaled(scaled(a3, i3, d * load<f32>(db + 3 * dRow)), minSums(mLo, mHi, sb + 3 * sRow), -(dmin * load<f32>(db + 3 * dRow)));
    }
    storeRows(rows, y, t, n, N, hsum(a0), hsum(a1), hsum(a2), hsum(a3));
  }
}

/**
 * Q6_K weights [128 low-nibble bytes][64 high-2-bit bytes][16 int8 scales][f16 d] (210 bytes per 256):
 * w = d · sc_g · (q − 32) per 16-weight group g; sc_g · (q − 32) ≤ 128 · 32 fits i16, so the scale is folded
 * into the decoded weights:  Σ w x̃ = d · d_x · Σ_g Σ (sc_g (q − 32)) q_x.
 * Element order: half h (128 elements) = four runs of 32: run r takes the low (r = 0, 1) or high (r = 2, 3)
 * nibbles of ql[h·64 + (r & 1)·32 + l] and bits 2r, 2r + 1 of qh[h·32 + l], l = 0..31; group 2r + l/16.
 */
// @ts-ignore: decorator
@inline export function tileQ6K(rows: i32, y: usize, qs: usize, ds: usize, w: usize, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K << 1;
  const dRow = <usize>nb << 2;
  const low4 = i8x16.splat(0x0f), bits = i8x16.splat(0x30), bias = i8x16.splat(32);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 210;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let b = 0; b < nb; b++) {
      const wb = row + <usize>b * 210;
      const xb = qs + <usize>t * xRow + (<usize>b << 9);
      let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
      for (let h = 0; h < 2; h++) {
        for (let l = 0; l < 32; l += 16) {
          const qlA = v128.load(wb + (<usize>h << 6) + l); // runs 0 (low nibbles) and 2 (high)
          const qlB = v128.load(wb + (<usize>h << 6) + 32 + l); // runs 1 and 3
          const qh = v128.load(wb + 128 + (<usize>h << 5) + l); // bits 2r, 2r + 1 for run r
          const sc = wb + 192 + (<usize>h << 3) + (l >> 4);
          for (let r = 0; r < 4; r++) {
            // shifts by 16-bit lanes, then masks: the bits a shift carries across bytes are masked away
            const nib = r == 0 ? v128.and(qlA, low4) : r == 1 ? v128.and(qlB, low4) : r == 2 ? v128.and(i16x8.shr_u(qlA, 4), low4) : v128.and(i16x8.shr_u(qlB, 4), low4);
            const hi = r == 0 ? i16x8.shl(qh, 4) : r == 1 ? i16x8.shl(qh, 2) : r == 2 ? qh : i16x8.shr_u(qh, 2);
            const q = i8x16.sub(v128.or(nib, v128.and(hi, bits)), bias);
            const s = i16x8.splat(<i16>load<i8>(sc + (<usize>r << 1)));
            const w0 = i16x8.mul(i16x8.extend_low_i8x16_s(q), s), w1 = i16x8.mul(i16x8.extend_high_i8x16_s(q), s);
            const xg = xb + (<usize>((h << 7) + (r << 5) + l) << 1);
            i0 = i32x4.add(i0, dot16(w0, w1, xg));
            if (rows > 1) i1 = i32x4.add(i1, dot16(w0, w1, xg + xRow));
            if (rows > 2) i2 = i32x4.add(i2, dot16(w0, w1, xg + 2 * xRow));
            if (rows > 3) i3 = i32x4.add(i3, dot16(w0, w1, xg + 3 * xRow));
          }
        }
      }
      const d = f16ToF32(<u32>load<u16>(wb + 208));
      const db = ds + <usize>t * dRow + (<usize>b << 2);
      a0 = scaled(a0, i0, d * load<f32>(db));
      if (rows > 1) a1 = scaled(a1, i1, d * load<f32>(db + dRow));
      if (rows > 2) a2 = scaled(a2, i2, d * load<f32>(db + 2 * dRow));
      if (rows > 3) a3 = scaled(a3, i3, d * load<f32>(db + 3 * dRow));
    }
    storeRows(rows, y, t, n, N, hsum(a0), hsum(a1), hsum(a2), hsum(a3));
  }
}
