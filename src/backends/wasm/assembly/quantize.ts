// Activation quantization for the products with quantized weights (matmul.ts), as llama.cpp quantizes
// activations: Q8_0 (one scale per 32) for q8_0/q4_0/q5_0 weights, Q8_K (one per 256) for k-quants.
// The 8-bit values are stored widened to i16 (2 bytes each): the products read them straight into
// i32x4.dot_i16x8_s, so the widening is done once per activation instead of once per weight row.

import { f16ToF32, f32ToF16 } from "./half";

/**
 * Q8_0 per 32-block: d = f16(max|x| / 127), q = round_half_even(x · 127 / max|x|).
 * x (T·K f32, K a multiple of 32) → qs (T·K i16), ds (T·K/32 f32: the f16-rounded scales).
 */
export function quantize_q8_0(x: usize, qs: usize, ds: usize, T: i32, K: i32): void {
  const blocks = (T * K) >> 5;
  for (let b = 0; b < blocks; b++) {
    const xb = x + (<usize>b << 7);
    let m = f32x4.abs(v128.load(xb));
    for (let j = 16; j < 128; j += 16) m = f32x4.max(m, f32x4.abs(v128.load(xb + j)));
    const amax = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    store<f32>(ds + (<usize>b << 2), f16ToF32(f32ToF16(amax / 127)));
    const id = f32x4.splat(amax != 0 ? <f32>127 / amax : 0);
    for (let j = 0; j < 32; j += 8) {
      const q0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2)), id)));
      const q1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2) + 16), id)));
      v128.store(qs + (<usize>b << 6) + (<usize>j << 1), i16x8.narrow_i32x4_s(q0, q1));
    }
  }
}

/**
 * Q8_K per 256-block: m = the x of largest |x| (signed), s = −127 / m, q = min(127, round_half_even(s · x)),
 * d = 1 / s (f32). x (T·K, K a multiple of 256) → qs (T·K i16), ds (T·K/256 f32), and bsums (T·K/32 i32):
 * Σ q over each 32, which the k-quant products need for their per-sub-block minimums.
 */
export function quantize_q8_k(x: usize, qs: usize, ds: usize, bsums: usize, T: i32, K: i32): void {
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
    const qb = qs + (<usize>b << 9);
    const sb = bsums + (<usize>b << 5);
    if (amax == 0) {
      store<f32>(ds + (<usize>b << 2), 0);
      memory.fill(qb, 0, 512);
      memory.fill(sb, 0, 32);
      continue;
    }
    const iscale: f32 = -127 / vmax;
    store<f32>(ds + (<usize>b << 2), 1 / iscale);
    const s = f32x4.splat(iscale);
    const top = i32x4.splat(127);
    for (let g = 0; g < 8; g++) {
      let sum = i32x4.splat(0);
      for (let j = g << 5; j < (g + 1) << 5; j += 8) {
        const q0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2)), s))), top);
        const q1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2) + 16), s))), top);
        const q = i16x8.narrow_i32x4_s(q0, q1);
        v128.store(qb + (<usize>j << 1), q);
        sum = i32x4.add(sum, i32x4.dot_i16x8_s(q, ones));
      }
      store<i32>(sb + (<usize>g << 2), i32x4.extract_lane(sum, 0) + i32x4.extract_lane(sum, 1) + i32x4.extract_lane(sum, 2) + i32x4.extract_lane(sum, 3));
    }
  }
}
