// Activation quantization for the products with quantized weights (matmul.ts), as llama.cpp quantizes
// activations: Q8_0 (one scale per 32) for q8_0/q4_0/q5_0 weights, Q8_K (one per 256) for k-quants.
// Two layouts of the same 8-bit values:
// - widened to i16 (2 bytes each; quantize_q8_0, quantize_q8_k): the plain-SIMD products read them straight
//   into i32x4.dot_i16x8_s, so the widening is done once per activation instead of once per weight row;
// - as i8 with their sums per block (quantize_q8_0_i8, quantize_q8_k_i8): the relaxed-SIMD products of
//   4-, 5- and 6-bit weights multiply 16 bytes at once (matmul-relaxed.ts) and correct the weights' offset
//   (q − 8, q − 16, q − 32) with Σ q_x instead of subtracting it from every weight.

import { f16ToF32, f32ToF16 } from "./half";

/**
 * Q8_0 per 32-block: d = f16(max|x| / 127), q = round_half_even(x · 127 / max|x|).
 * x (T·K f32, K a multiple of 32) → qs (T·K i16), ds (T·K/32 f32: the f16-rounded scales).
 */
export function quantize_q8_0(x: usize, qs: usize, ds: usize, T: i32, K: i32): void {
  quantizeQ8_0(x, qs, ds, 0, 0, T, K, true);
}

/** The same values as i8 (qs: T·K bytes), and offsets (T·K/2 bytes: 8 × i16 per block): lane j is
 *  8 · (q[2j] + q[2j + 1] + q[16 + 2j] + q[17 + 2j]), q4_0's offset times the four activations that meet
 *  lane j of a block product (matmul-relaxed.ts's dotSmall), which takes the offset out lane by lane;
 *  |lane| ≤ 8 · 4 · 127. And sums32 (T·K/32 i32): the same offset for the whole block, 8 · Σ q, which the
 *  interleaved q4_0 product takes out once per block (interleaved.ts). */
export function quantize_q8_0_i8(x: usize, qs: usize, ds: usize, offsets: usize, sums32: usize, T: i32, K: i32): void {
  quantizeQ8_0(x, qs, ds, offsets, sums32, T, K, false);
}

// @ts-ignore: decorator
@inline function quantizeQ8_0(x: usize, qs: usize, ds: usize, offsets: usize, sums32: usize, T: i32, K: i32, wide: bool): void {
  const blocks = (T * K) >> 5;
  for (let b = 0; b < blocks; b++) {
    const xb = x + (<usize>b << 7);
    let m = f32x4.abs(v128.load(xb));
    for (let j = 16; j < 128; j += 16) m = f32x4.max(m, f32x4.abs(v128.load(xb + j)));
    const amax = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    store<f32>(ds + (<usize>b << 2), f16ToF32(f32ToF16(amax / 127)));
    const id = f32x4.splat(amax != 0 ? <f32>127 / amax : 0);
    let sum = i16x8.splat(0); // lane j: the pair sums q[2j] + q[2j + 1] of both halves
    for (let j = 0; j < 32; j += 16) {
      const a = i16x8.narrow_i32x4_s(roundTo(xb + (<usize>j << 2), id), roundTo(xb + (<usize>j << 2) + 16, id));
      const c = i16x8.narrow_i32x4_s(roundTo(xb + (<usize>j << 2) + 32, id), roundTo(xb + (<usize>j << 2) + 48, id));
      if (wide) {
        v128.store(qs + (<usize>b << 6) + (<usize>j << 1), a);
        v128.store(qs + (<usize>b << 6) + (<usize>j << 1) + 16, c);
      } else {
        const q = i8x16.narrow_i16x8_s(a, c);
        v128.store(qs + (<usize>b << 5) + <usize>j, q);
        sum = i16x8.add(sum, i16x8.extadd_pairwise_i8x16_s(q));
      }
    }
    if (!wide) {
      const offset = i16x8.shl(sum, 3);
      v128.store(offsets + (<usize>b << 4), offset);
      store<i32>(sums32 + (<usize>b << 2), laneSum(i32x4.extadd_pairwise_i16x8_s(offset)));
    }
  }
}

/** round_half_even(x · s) for the four floats at p, as i32x4. */
// @ts-ignore: decorator
@inline function roundTo(p: usize, s: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p), s)));
}

// @ts-ignore: decorator
@inline function laneSum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/**
 * Q8_K per 256-block: m = the x of largest |x| (signed), s = −127 / m, q = min(127, round_half_even(s · x)),
 * d = 1 / s (f32). x (T·K, K a multiple of 256) → qs (T·K i16), ds (T·K/256 f32), and bsums (T·K/32 i32):
 * Σ q over each 32, which the k-quant products need for their per-sub-block minimums.
 */
export function quantize_q8_k(x: usize, qs: usize, ds: usize, bsums: usize, T: i32, K: i32): void {
  quantizeQ8K(x, qs, ds, bsums, 0, T, K, true);
}

/** The same values as i8 (qs: T·K bytes), with sums16 (T·K/16 i16): Σ q per 16, which both relaxed k-quant products read. */
export function quantize_q8_k_i8(x: usize, qs: usize, ds: usize, sums16: usize, T: i32, K: i32): void {
  quantizeQ8K(x, qs, ds, 0, sums16, T, K, false);
}

// @ts-ignore: decorator
@inline function quantizeQ8K(x: usize, qs: usize, ds: usize, bsums: usize, sums16: usize, T: i32, K: i32, wide: bool): void {
  const blocks = (T * K) >> 8;
  const ones = i16x8.splat(1);
  for (let b = 0; b < blocks; b++) {
    const xb = x + (<usize>b << 10);
    let amax: f32 = 0;
    let vmax: f32 = 0;
    for (let j = 0; j < 256; j++) {
      const v = load<f32>(xb + (<usize>j << 2));
      if (abs(v) > amax) {
        amax = abs(v);
        vmax = v;
      }
    }
    const qb = qs + (<usize>b << (wide ? 9 : 8));
    const sb = bsums + (<usize>b << 5);
    const s16 = sums16 + (<usize>b << 5);
    if (amax == 0) {
      store<f32>(ds + (<usize>b << 2), 0);
      memory.fill(qb, 0, wide ? 512 : 256);
      if (wide) memory.fill(sb, 0, 32);
      else memory.fill(s16, 0, 32);
      continue;
    }
    const iscale: f32 = -127 / vmax;
    store<f32>(ds + (<usize>b << 2), 1 / iscale);
    const s = f32x4.splat(iscale);
    const top = i32x4.splat(127);
    for (let g = 0; g < 8; g++) {
      let sum = i32x4.splat(0);
      for (let j = g << 5; j < (g + 1) << 5; j += 16) {
        const a = i16x8.narrow_i32x4_s(i32x4.min_s(roundTo(xb + (<usize>j << 2), s), top), i32x4.min_s(roundTo(xb + (<usize>j << 2) + 16, s), top));
        const c = i16x8.narrow_i32x4_s(i32x4.min_s(roundTo(xb + (<usize>j << 2) + 32, s), top), i32x4.min_s(roundTo(xb + (<usize>j << 2) + 48, s), top));
        const half = i32x4.add(i32x4.dot_i16x8_s(a, ones), i32x4.dot_i16x8_s(c, ones)); // Σ q over these 16
        if (wide) {
          v128.store(qb + (<usize>j << 1), a);
          v128.store(qb + (<usize>j << 1) + 16, c);
        } else {
          v128.store(qb + <usize>j, i8x16.narrow_i16x8_s(a, c));
          store<i16>(s16 + (<usize>(j >> 4) << 1), <i16>laneSum(half));
        }
        sum = i32x4.add(sum, half);
      }
      if (wide) store<i32>(sb + (<usize>g << 2), laneSum(sum));
    }
  }
}
