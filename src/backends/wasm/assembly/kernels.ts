// glassbox's WebAssembly kernels, in AssemblyScript (TypeScript syntax, compiled by `asc` at npm install;
// see scripts/build-wasm.mjs). Each kernel has a scalar twin in src/backends/reference/ that defines it;
// the conformance suite (test/backends/) holds them to it.
//
// Memory: every pointer is a byte offset into the one shared WebAssembly.Memory that JavaScript owns and
// allocates from (src/backends/wasm/wasm-backend.ts). Nothing here allocates.
// Legend: T = rows of activations, N = output features (weight rows), K = input features (row length).
// Matrix products compute output features n0 .. n1 − 1 of N, so threads can split the rows of W.

// ---------------------------------------------------------------- 16-bit floats

/** f16 bits → f32: move the 10-bit mantissa and 5-bit exponent into f32 position, then rescale the
 *  exponent bias (15 → 127) by multiplying with 2^112; this also turns subnormal halves into exact floats. */
// @ts-ignore: decorator
@inline function f16ToF32(h: u32): f32 {
  const magnitude = reinterpret<f32>((h & 0x7fff) << 13) * reinterpret<f32>(0x77800000); // × 2^112
  return reinterpret<f32>(reinterpret<u32>(magnitude) | ((h & 0x8000) << 16));
}

/** f32 → f16 bits, round to nearest even (as src/core/half.ts). */
function f32ToF16(x: f32): u32 {
  const bits = reinterpret<u32>(x);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent == 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = <i32>exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = <u32>(14 - e);
    const half: u32 = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let m = mantissa >>> shift;
    if (rest > half || (rest == half && (m & 1))) m++;
    return sign | m;
  }
  const rest = mantissa & 0x1fff;
  let h = sign | (<u32>e << 10) | (mantissa >>> 13);
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
  return h;
}

/** Four f16 → four f32 (the SIMD form of f16ToF32): shifting the pattern to the top and back arithmetically
 *  puts the sign at bit 31 (copied into bits 30..28, which the mask clears) and exponent and mantissa
 *  where f32 keeps them; the multiply by 2^112 then rebiases the exponent, keeping the sign. */
// @ts-ignore: decorator
@inline function f16x4ToF32x4(ptr: usize): v128 {
  const h = v128.load16x4_u(ptr); // i32x4 of the 16-bit patterns
  const placed = v128.and(i32x4.shr_s(i32x4.shl(h, 16), 3), i32x4.splat(0x8fffffff));
  return f32x4.mul(placed, f32x4.splat(reinterpret<f32>(0x77800000)));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline function hsumI32(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

// ---------------------------------------------------------------- float weights

/** y[t, n] = Σ_k x[t, k] · W[n, k] for f32 W (N, K). */
export function matmul_f32(y: usize, x: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const K16 = K & ~15;
  const K4 = K & ~3;
  for (let n = n0; n < n1; n++) {
    const row = w + (<usize>n * <usize>K << 2);
    for (let t = 0; t < T; t++) {
      const xr = x + (<usize>t * <usize>K << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let k = 0;
      for (; k < K16; k += 16) {
        const o = <usize>k << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load(row + o), v128.load(xr + o)));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(row + o + 16), v128.load(xr + o + 16)));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(row + o + 32), v128.load(xr + o + 32)));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(row + o + 48), v128.load(xr + o + 48)));
      }
      for (; k < K4; k += 4) a0 = f32x4.add(a0, f32x4.mul(v128.load(row + (<usize>k << 2)), v128.load(xr + (<usize>k << 2))));
      let sum = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
      for (; k < K; k++) sum += load<f32>(row + (<usize>k << 2)) * load<f32>(xr + (<usize>k << 2));
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

/** The same for f16 (bf16 = false) or bf16 (bf16 = true) W, converted to f32 four at a time. */
export function matmul_half(y: usize, x: usize, w: usize, T: i32, N: i32, K: i32, bf16: bool, n0: i32, n1: i32): void {
  const K8 = K & ~7;
  for (let n = n0; n < n1; n++) {
    const row = w + (<usize>n * <usize>K << 1);
    for (let t = 0; t < T; t++) {
      const xr = x + (<usize>t * <usize>K << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      let k = 0;
      for (; k < K8; k += 8) {
        const wp = row + (<usize>k << 1);
        const w0 = bf16 ? i32x4.shl(v128.load16x4_u(wp), 16) : f16x4ToF32x4(wp);
        const w1 = bf16 ? i32x4.shl(v128.load16x4_u(wp + 8), 16) : f16x4ToF32x4(wp + 8);
        a0 = f32x4.add(a0, f32x4.mul(w0, v128.load(xr + (<usize>k << 2))));
        a1 = f32x4.add(a1, f32x4.mul(w1, v128.load(xr + (<usize>k << 2) + 16)));
      }
      let sum = hsum(f32x4.add(a0, a1));
      for (; k < K; k++) {
        const h = <u32>load<u16>(row + (<usize>k << 1));
        sum += (bf16 ? reinterpret<f32>(h << 16) : f16ToF32(h)) * load<f32>(xr + (<usize>k << 2));
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

// ---------------------------------------------------------------- 8-bit activations (Q8_0)

/**
 * Quantizes x (T rows of K, K a multiple of 32) to Q8_0 as llama.cpp does for a product with q4_0/q5_0/q8_0
 * weights: per block d = f16(max|x| / 127), q = round_half_even(x · 127 / max|x|).
 * Writes qs (T·K int8) and ds (T·K/32 f32, the f16-rounded scales).
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
      const q16 = i16x8.narrow_i32x4_s(q0, q1);
      v128.store64_lane(qs + (<usize>b << 5) + j, i8x16.narrow_i16x8_s(q16, q16), 0);
    }
  }
}

/** Σ over 32 int8 pairs, as i32x4 partial sums. */
// @ts-ignore: decorator
@inline function dot32(a: v128, b: v128, c: v128, d: v128): v128 {
  // a, c: the weight's two halves (16 × i8); b, d: the activation's
  let acc = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(c), i16x8.extend_low_i8x16_s(d)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(c), i16x8.extend_high_i8x16_s(d)));
}

/** y[t, n] = Σ_blocks d_w · d_x · Σ q_w · q_x for Q8_0 weights [f16 d][32 × i8] (34 bytes a block). */
export function matmul_q8_0(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 34;
    for (let t = 0; t < T; t++) {
      const xq = qs + <usize>t * <usize>K;
      const xd = ds + (<usize>t * <usize>nb << 2);
      let sum: f32 = 0;
      for (let b = 0; b < nb; b++) {
        const wb = row + <usize>b * 34;
        const xb = xq + (<usize>b << 5);
        const acc = dot32(v128.load(wb + 2), v128.load(xb), v128.load(wb + 18), v128.load(xb + 16));
        sum += <f32>hsumI32(acc) * (f16ToF32(<u32>load<u16>(wb)) * load<f32>(xd + (<usize>b << 2)));
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

/** The same for Q4_0 weights [f16 d][16 bytes: low nibbles are elements 0..15, high 16..31], value q − 8. */
export function matmul_q4_0(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  const low = i8x16.splat(0x0f);
  const eight = i8x16.splat(8);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 18;
    for (let t = 0; t < T; t++) {
      const xq = qs + <usize>t * <usize>K;
      const xd = ds + (<usize>t * <usize>nb << 2);
      let sum: f32 = 0;
      for (let b = 0; b < nb; b++) {
        const wb = row + <usize>b * 18;
        const packed = v128.load(wb + 2);
        const lo = i8x16.sub(v128.and(packed, low), eight);
        const hi = i8x16.sub(i8x16.shr_u(packed, 4), eight);
        const xb = xq + (<usize>b << 5);
        const acc = dot32(lo, v128.load(xb), hi, v128.load(xb + 16));
        sum += <f32>hsumI32(acc) * (f16ToF32(<u32>load<u16>(wb)) * load<f32>(xd + (<usize>b << 2)));
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

/** The same for Q5_0 weights [f16 d][u32 qh: the 5th bits][16 nibble bytes], value q − 16. */
export function matmul_q5_0(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  const low = i8x16.splat(0x0f);
  const sixteen = i8x16.splat(16);
  const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  const loBytes = i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const hiBytes = i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 22;
    for (let t = 0; t < T; t++) {
      const xq = qs + <usize>t * <usize>K;
      const xd = ds + (<usize>t * <usize>nb << 2);
      let sum: f32 = 0;
      for (let b = 0; b < nb; b++) {
        const wb = row + <usize>b * 22;
        const qh = i32x4.splat(load<i32>(wb + 2));
        // lane j of the low half takes bit j of qh, lane j of the high half bit j + 16; set bits add 16
        const h0 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, loBytes), bit), i8x16.splat(0)), sixteen);
        const h1 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, hiBytes), bit), i8x16.splat(0)), sixteen);
        const packed = v128.load(wb + 6);
        const lo = i8x16.sub(v128.or(v128.and(packed, low), h0), sixteen);
        const hi = i8x16.sub(v128.or(i8x16.shr_u(packed, 4), h1), sixteen);
        const xb = xq + (<usize>b << 5);
        const acc = dot32(lo, v128.load(xb), hi, v128.load(xb + 16));
        sum += <f32>hsumI32(acc) * (f16ToF32(<u32>load<u16>(wb)) * load<f32>(xd + (<usize>b << 2)));
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

// ---------------------------------------------------------------- 8-bit activations (Q8_K) for k-quants

/**
 * Quantizes x (T rows of K, K a multiple of 256) to Q8_K as llama.cpp does for k-quant weights: per 256,
 * m = the x of largest |x| (signed), s = −127 / m, q = min(127, round_half_even(s · x)), d = 1 / s (f32).
 */
export function quantize_q8_k(x: usize, qs: usize, ds: usize, T: i32, K: i32): void {
  const blocks = (T * K) >> 8;
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
    if (amax == 0) {
      store<f32>(ds + (<usize>b << 2), 0);
      memory.fill(qs + (<usize>b << 8), 0, 256);
      continue;
    }
    const iscale: f32 = -127 / vmax;
    store<f32>(ds + (<usize>b << 2), 1 / iscale);
    const s = f32x4.splat(iscale);
    const top = i32x4.splat(127);
    for (let j = 0; j < 256; j += 8) {
      const q0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2)), s))), top);
      const q1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xb + (<usize>j << 2) + 16), s))), top);
      const q16 = i16x8.narrow_i32x4_s(q0, q1);
      v128.store64_lane(qs + (<usize>b << 8) + j, i8x16.narrow_i16x8_s(q16, q16), 0);
    }
  }
}

/** Σ of 16 int8 lanes. */
// @ts-ignore: decorator
@inline function sum16(v: v128): i32 {
  return hsumI32(i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v)));
}

/** Σ of 16 products of int8 lanes. */
// @ts-ignore: decorator
@inline function dot16(a: v128, b: v128): i32 {
  const acc = i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)),
  );
  return hsumI32(acc);
}

/**
 * Q4_K weights [f16 d][f16 dmin][12 bytes: 8 six-bit scales and mins][128 nibble bytes] (144 bytes per 256):
 * w = d · sc_j · q − dmin · m_j per 32-weight sub-block j, so with x̃ = d_x · q_x
 *   Σ w x̃ = d_x · (d · Σ_j sc_j Σ q q_x − dmin · Σ_j m_j Σ q_x).
 */
export function matmul_q4_k(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const low = i8x16.splat(0x0f);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 144;
    for (let t = 0; t < T; t++) {
      const xq = qs + <usize>t * <usize>K;
      const xd = ds + (<usize>t * <usize>nb << 2);
      let sum: f32 = 0;
      for (let b = 0; b < nb; b++) {
        const wb = row + <usize>b * 144;
        const xb = xq + (<usize>b << 8);
        let sumi = 0;
        let summ = 0;
        for (let j = 0; j < 4; j++) {
          const p0 = v128.load(wb + 16 + (<usize>j << 5));
          const p1 = v128.load(wb + 32 + (<usize>j << 5));
          const x0 = v128.load(xb + (<usize>j << 6));
          const x1 = v128.load(xb + (<usize>j << 6) + 16);
          const x2 = v128.load(xb + (<usize>j << 6) + 32);
          const x3 = v128.load(xb + (<usize>j << 6) + 48);
          const dotLo = hsumI32(dot32(v128.and(p0, low), x0, v128.and(p1, low), x1));
          const dotHi = hsumI32(dot32(i8x16.shr_u(p0, 4), x2, i8x16.shr_u(p1, 4), x3));
          const sc = wb + 4;
          const is = j << 1;
          // 6-bit scale and min of sub-blocks is and is + 1 (dequantize.ts scaleMinK4)
          let s0: i32, m0: i32, s1: i32, m1: i32;
          if (is < 4) {
            s0 = load<u8>(sc + is) & 63; m0 = load<u8>(sc + is + 4) & 63;
            s1 = load<u8>(sc + is + 1) & 63; m1 = load<u8>(sc + is + 5) & 63;
          } else {
            s0 = (load<u8>(sc + is + 4) & 0xf) | ((load<u8>(sc + is - 4) >> 6) << 4);
            m0 = (load<u8>(sc + is + 4) >> 4) | ((load<u8>(sc + is) >> 6) << 4);
            s1 = (load<u8>(sc + is + 5) & 0xf) | ((load<u8>(sc + is - 3) >> 6) << 4);
            m1 = (load<u8>(sc + is + 5) >> 4) | ((load<u8>(sc + is + 1) >> 6) << 4);
          }
          sumi += s0 * dotLo + s1 * dotHi;
          summ += m0 * (sum16(x0) + sum16(x1)) + m1 * (sum16(x2) + sum16(x3));
        }
        const d = f16ToF32(<u32>load<u16>(wb));
        const dmin = f16ToF32(<u32>load<u16>(wb + 2));
        sum += load<f32>(xd + (<usize>b << 2)) * (d * <f32>sumi - dmin * <f32>summ);
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

/**
 * Q6_K weights [128 low-nibble bytes][64 high-2-bit bytes][16 int8 scales][f16 d] (210 bytes per 256):
 * w = d · sc_g · (q − 32) per 16-weight group g.
 */
export function matmul_q6_k(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const low = i8x16.splat(0x0f);
  const three = i8x16.splat(3);
  const bias = i8x16.splat(32);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 210;
    for (let t = 0; t < T; t++) {
      const xq = qs + <usize>t * <usize>K;
      const xd = ds + (<usize>t * <usize>nb << 2);
      let sum: f32 = 0;
      for (let b = 0; b < nb; b++) {
        const wb = row + <usize>b * 210;
        const xb = xq + (<usize>b << 8);
        let sumi = 0;
        for (let half = 0; half < 2; half++) {
          const ql = wb + (<usize>half << 6);
          const qh = wb + 128 + (<usize>half << 5);
          const sc = wb + 192 + (<usize>half << 3);
          const xh = xb + (<usize>half << 7);
          for (let l = 0; l < 32; l += 16) {
            const a = v128.load(ql + l);
            const c = v128.load(ql + 32 + l);
            const h = v128.load(qh + l);
            const is = l >> 4;
            const q1 = i8x16.sub(v128.or(v128.and(a, low), i8x16.shl(v128.and(h, three), 4)), bias);
            const q2 = i8x16.sub(v128.or(v128.and(c, low), i8x16.shl(v128.and(i8x16.shr_u(h, 2), three), 4)), bias);
            const q3 = i8x16.sub(v128.or(i8x16.shr_u(a, 4), i8x16.shl(v128.and(i8x16.shr_u(h, 4), three), 4)), bias);
            const q4 = i8x16.sub(v128.or(i8x16.shr_u(c, 4), i8x16.shl(i8x16.shr_u(h, 6), 4)), bias);
            sumi += <i32>load<i8>(sc + is) * dot16(q1, v128.load(xh + l));
            sumi += <i32>load<i8>(sc + is + 2) * dot16(q2, v128.load(xh + 32 + l));
            sumi += <i32>load<i8>(sc + is + 4) * dot16(q3, v128.load(xh + 64 + l));
            sumi += <i32>load<i8>(sc + is + 6) * dot16(q4, v128.load(xh + 96 + l));
          }
        }
        sum += load<f32>(xd + (<usize>b << 2)) * f16ToF32(<u32>load<u16>(wb + 208)) * <f32>sumi;
      }
      store<f32>(y + ((<usize>t * <usize>N + <usize>n) << 2), sum);
    }
  }
}

// ---------------------------------------------------------------- training (f32 products and attention)

export { gemm_f32, transpose_f32 } from "./gemm";
export { attention_forward, attention_backward } from "./attention";
export { gelu_tanh, gelu_tanh_backward, add_f32, adamw, swiglu, swiglu_backward, cross_entropy, cross_entropy_backward } from "./elementwise";
