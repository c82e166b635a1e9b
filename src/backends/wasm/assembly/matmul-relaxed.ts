// Products with 4-, 5- and 6-bit weights (q4_0, q5_0, q4_k, q6_k) for the relaxed-SIMD build, where
// i16x8.relaxed_dot_i8x16_i7x16_s multiplies 16 signed bytes by 16 bytes in 0..127 and adds neighbouring
// pairs into 8 × i16 — x86's pmaddubsw, the instruction llama.cpp's AVX2 kernels are built on. The plain
// build widens every weight to i16 first (matmul.ts): here the unsigned quantized weights q (0..15, 0..31,
// 0..63: all fit 7 bits) meet the i8 activations directly, and each format's offset is taken out through
// the activations' sums:  Σ (q − o) q_x = Σ q q_x − o · Σ q_x.
//
// Only i16x8.relaxed_dot_i8x16_i7x16_s is used: on Node 20 (V8 11.3) the i32x4 form with accumulator returns
// wrong values (2 · the dot product, accumulator dropped; test/backends/relaxed-dot.test.ts checks the i16x8
// form exactly and reports the state of the other on the running Node). Its result is deterministic for a second operand in 0..127, so x86 and ARM compute the same exact
// integer sums, and the conformance suite holds these kernels to the reference like every other.
//
// Activations come from quantize_q8_0_i8 / quantize_q8_k_i8: qs i8 (T, K), ds f32 per block, and 8 · Σ q_x
// per four activations (offsets) or Σ q_x per 16 (sums16). Tiles of up to 4 activation rows per decoded weight block, one summation
// order per output whatever T (as matmul.ts). The integer sums are exact; the float steps differ from the
// plain build's only in which integers share a lane, so the two builds agree to rounding.
//
// In the plain build these tiles are never used: the backend calls the *_i8 entry points (products.ts) only
// when `relaxed`, and there they compile to a trap.

import { f16ToF32 } from "./half";
import { scaled, scalesAndMinsK4, storeRows } from "./blocks";
import { hsum, madd } from "./simd";

/** 16 products a[i] · b[i] summed in pairs: i16x8 (b in 0..127; |pair| ≤ 2 · 128 · 127 fits i16). */
// @ts-ignore: decorator
@inline function pairs(a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(a, b);
  return unreachable();
}

// ---------------------------------------------------------------- q4_0, q5_0: 32-weight blocks

/**
 * q4_0 [f16 d][16 bytes: low nibbles are elements 0..15, high nibbles 16..31], w = d · (q − 8);
 * q5_0 [f16 d][u32 qh: fifth bits][16 nibble bytes], w = d · (q − 16).
 * Σ (q − o) q_x over the block at wb against one activation row, as four i32 lanes (exact). The 16 byte
 * pairs q q_x come as 8 i16 lanes (each the sum of four products, ≤ 4 · 127 · 31); the offset is taken out
 * in the same lanes, o times the activations' own four-sums (offsets, quantize_q8_0_i8), so that
 * |lane| ≤ 4 · 128 · 16 still fits i16, and one pairwise add widens to i32.
 */
// @ts-ignore: decorator
@inline function dotSmall(bits: i32, wb: usize, xb: usize, offsets: usize): v128 {
  let lo: v128, hi: v128;
  if (bits == 4) {
    const packed = v128.load(wb + 2);
    lo = v128.and(packed, i8x16.splat(0x0f));
    hi = v128.and(i16x8.shr_u(packed, 4), i8x16.splat(0x0f)); // 16-bit shift, then mask: no 8-bit shift
  } else {
    // lane j of the low half takes bit j of qh, lane j of the high half bit j + 16; a set bit adds 16
    const qh = i32x4.splat(load<i32>(wb + 2));
    const packed = v128.load(wb + 6);
    const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const h0 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)), bit), i8x16.splat(0)), i8x16.splat(16));
    const h1 = v128.and(i8x16.ne(v128.and(i8x16.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)), bit), i8x16.splat(0)), i8x16.splat(16));
    lo = v128.or(v128.and(packed, i8x16.splat(0x0f)), h0);
    hi = v128.or(v128.and(i16x8.shr_u(packed, 4), i8x16.splat(0x0f)), h1);
  }
  const p = i16x8.add(pairs(v128.load(xb), lo), pairs(v128.load(xb, 16), hi));
  const offset = v128.load(offsets); // 8 · the four-sums; q5_0's offset is twice that
  return i32x4.extadd_pairwise_i16x8_s(i16x8.sub(p, bits == 4 ? offset : i16x8.add(offset, offset)));
}

/**
 * Σ_b d_b d_x,b · Σ (q − o) q_x for blocks b and b + 1 of one activation row, added to acc: their lanes
 * interleaved and added pairwise, (t0₀ + t0₂, t1₀ + t1₂, t0₁ + t0₃, t1₁ + t1₃) (exact), converted, and
 * multiplied by (d_b d_x,b, d_b+1 d_x,b+1) twice over: each f32 pair loaded into both halves at once.
 */
// @ts-ignore: decorator
@inline function twoSmall(bits: i32, blockBytes: usize, acc: v128, wb: usize, d2: v128, xb: usize, offsets: usize, dx: usize): v128 {
  const t0 = dotSmall(bits, wb, xb, offsets), t1 = dotSmall(bits, wb + blockBytes, xb + 32, offsets + 16);
  const t = i32x4.add(v128.shuffle<i32>(t0, t1, 0, 4, 1, 5), v128.shuffle<i32>(t0, t1, 2, 6, 3, 7));
  return madd(f32x4.convert_i32x4_s(t), f32x4.mul(d2, v128.load64_splat(dx)), acc);
}

/** One block alone (q4_0's last of an odd count; every q5_0 block): its lanes scaled by d d_x. */
// @ts-ignore: decorator
@inline function oneSmall(bits: i32, acc: v128, wb: usize, d: v128, xb: usize, offsets: usize, dx: usize): v128 {
  return madd(f32x4.convert_i32x4_s(dotSmall(bits, wb, xb, offsets)), f32x4.mul(d, v128.load32_splat(dx)), acc);
}

/**
 * Per block and activation row:  Σ w x̃ = d · d_x · Σ (q − o) q_x; d from wd when given (products.ts).
 * q4_0 blocks go two at a time into one f32x4 accumulator per row (twoSmall: one conversion and one
 * multiply-add per pair, 1.15-1.25x a block at a time in decode), a last odd one alone; then
 * y = hsum(acc). The same order for every T. offsets: 8 · the activations' four-sums, 8 × i16 per block
 * (quantize_q8_0_i8). Tiles of 3 or 4 rows make two passes over each weight row, of 2 rows and the rest:
 * V8 issues a loop body's loads before the arithmetic that uses them, and four rows' loads and pointers
 * outgrew the registers (4-row tiles spilled to 0.9x of the per-block form); the second pass reads the
 * weight row from L1.
 */
// @ts-ignore: decorator
@inline export function tileSmall(bits: i32, rows: i32, y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (bits == 5) {
    blockwiseQ5_0(rows, y, qs, ds, offsets, w, wd, copies, t, N, K, n0, n1);
    return;
  }
  for (let n = n0; n < n1; n++) {
    if (rows == 1) rowSmall(bits, 1, y, qs, ds, offsets, w, wd, copies, t, N, K, n);
    else rowSmall(bits, 2, y, qs, ds, offsets, w, wd, copies, t, N, K, n);
    if (rows == 3) rowSmall(bits, 1, y, qs, ds, offsets, w, wd, copies, t + 2, N, K, n);
    if (rows == 4) rowSmall(bits, 2, y, qs, ds, offsets, w, wd, copies, t + 2, N, K, n);
  }
}

/** q5_0, block by block (its fifth bits make decoding the larger part, so each block is decoded once for
 *  all the tile's rows, and scaled on its own). */
// @ts-ignore: decorator
@inline function blockwiseQ5_0(rows: i32, y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  const xRow = <usize>K;
  const dRow = <usize>nb << 2, sRow = <usize>nb << 4;
  for (let n = n0; n < n1; n++) {
    let wb = w + <usize>n * <usize>nb * 22;
    const end = wb + <usize>nb * 22;
    let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sb = offsets + <usize>t * sRow, sd = wd + <usize>n * dRow;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; wb < end; wb += 22, xb += 32, db += 4, sb += 16, sd += 4) {
      const d = copies ? v128.load32_splat(sd) : f32x4.splat(f16ToF32(<u32>load<u16>(wb)));
      a0 = oneSmall(5, a0, wb, d, xb, sb, db);
      if (rows > 1) a1 = oneSmall(5, a1, wb, d, xb + xRow, sb + sRow, db + dRow);
      if (rows > 2) a2 = oneSmall(5, a2, wb, d, xb + 2 * xRow, sb + 2 * sRow, db + 2 * dRow);
      if (rows > 3) a3 = oneSmall(5, a3, wb, d, xb + 3 * xRow, sb + 3 * sRow, db + 3 * dRow);
    }
    storeRows(rows, y, t, n, N, hsum(a0), hsum(a1), hsum(a2), hsum(a3));
  }
}

/** The f16 scales at a and b as f32 (d_a, d_b, d_a, d_b): twoSmall's pair when there are no f32 copies. */
// @ts-ignore: decorator
@inline function halfPairSplat(a: usize, b: usize): v128 {
  const da = f16ToF32(<u32>load<u16>(a)), db = f16ToF32(<u32>load<u16>(b));
  return f32x4(da, db, da, db);
}

/** y[t .. t + rows − 1, n] for one weight row n against one or two activation rows. */
// @ts-ignore: decorator
@inline function rowSmall(bits: i32, rows: i32, y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n: i32): void {
  const nb = K >> 5;
  const blockBytes: usize = bits == 4 ? 18 : 22;
  const xRow = <usize>K; // bytes of one activation row (i8)
  const dRow = <usize>nb << 2, sRow = <usize>nb << 4;
  // pointers bumped block pair by block pair: the weights, the activations (i8, their scales, their
  // offsets: row t; row t + 1 is a whole row further), the weights' f32 scale copies
  let wb = w + <usize>n * <usize>nb * blockBytes;
  const pairsEnd = wb + <usize>(nb & ~1) * blockBytes;
  let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sb = offsets + <usize>t * sRow, sd = wd + <usize>n * dRow;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  for (; wb < pairsEnd; wb += 2 * blockBytes, xb += 64, db += 8, sb += 32, sd += 8) {
    const d2 = copies ? v128.load64_splat(sd) : halfPairSplat(wb, wb + blockBytes);
    a0 = twoSmall(bits, blockBytes, a0, wb, d2, xb, sb, db);
    if (rows > 1) a1 = twoSmall(bits, blockBytes, a1, wb, d2, xb + xRow, sb + sRow, db + dRow);
  }
  if (nb & 1) {
    const d = copies ? v128.load32_splat(sd) : f32x4.splat(f16ToF32(<u32>load<u16>(wb)));
    a0 = oneSmall(bits, a0, wb, d, xb, sb, db);
    if (rows > 1) a1 = oneSmall(bits, a1, wb, d, xb + xRow, sb + sRow, db + dRow);
  }
  storeRows(rows, y, t, n, N, hsum(a0), hsum(a1), 0, 0);
}

// ---------------------------------------------------------------- q4_k: 256-weight blocks, 8 sub-blocks

/** Σ sc_j Σ q q_x + sc_{j+1} Σ q' q_x for a pair of sub-blocks: (lo0, lo1) the first's 32 weights, (hi0, hi1) the second's. */
// @ts-ignore: decorator
@inline function pairQ4K(lo0: v128, lo1: v128, hi0: v128, hi1: v128, s0: v128, s1: v128, xj: usize): v128 {
  const a = i16x8.add(pairs(v128.load(xj), lo0), pairs(v128.load(xj, 16), lo1));
  const b = i16x8.add(pairs(v128.load(xj, 32), hi0), pairs(v128.load(xj, 48), hi1));
  return i32x4.add(i32x4.dot_i16x8_s(a, s0), i32x4.dot_i16x8_s(b, s1));
}

/** Σ_j m_j Σ_j q_x over a block as four i32 lanes: the mins, each repeated for its two 16-sums, against the row's sums16. */
// @ts-ignore: decorator
@inline function minSums(mLo: v128, mHi: v128, s16: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(mLo, v128.load(s16)), i32x4.dot_i16x8_s(mHi, v128.load(s16, 16)));
}

/**
 * Q4_K [f16 d][f16 dmin][12 bytes: 8 six-bit scales and mins][128 nibble bytes], w = d · sc_j · q − dmin · m_j
 * in sub-block j:  Σ w x̃ = d_x · (d · Σ_j sc_j Σ q q_x − dmin · Σ_j m_j Σ q_x). The sub-block's byte pairs
 * (i16, |lane| ≤ 4 · 127 · 15) meet sc_j in one i32x4.dot_i16x8_s, so the scale costs no extra multiply;
 * the mins meet the activations' sixteen sums per 16 (each min twice) in two more.
 */
// @ts-ignore: decorator
@inline export function tileQ4K(rows: i32, y: usize, qs: usize, ds: usize, sums16: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K;
  const dRow = <usize>nb << 2;
  const sRow = <usize>(K >> 4) << 1;
  const low4 = i8x16.splat(0x0f);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 144;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let b = 0; b < nb; b++) {
      const wb = row + <usize>b * 144;
      const sm = scalesAndMinsK4(wb + 4);
      let sc = i16x8.extend_low_i8x16_u(sm); // the eight scales as i16 (6-bit: zero-extended)
      // mins 0..3 and 4..7 as i16, each twice: m0 m0 m1 m1 m2 m2 m3 m3 | m4 m4 ... m7 m7 (x86: punpcklwd and
      // punpckhwd of the mins with themselves; a byte swizzle's index constants were rebuilt every block)
      const mins = i16x8.extend_high_i8x16_u(sm);
      const mLo = v128.shuffle<u16>(mins, mins, 0, 0, 1, 1, 2, 2, 3, 3), mHi = v128.shuffle<u16>(mins, mins, 4, 4, 5, 5, 6, 6, 7, 7);
      const xb = qs + <usize>t * xRow + (<usize>b << 8);
      const sb = sums16 + <usize>t * sRow + (<usize>b << 5);
      let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
      for (let pair = 0; pair < 4; pair++) {
        // sub-blocks 2·pair and 2·pair + 1 share 32 bytes: low nibbles are the first's 32 weights, high the second's
        const p0 = v128.load(wb + 16 + (<usize>pair << 5));
        const p1 = v128.load(wb + 32 + (<usize>pair << 5));
        const lo0 = v128.and(p0, low4), lo1 = v128.and(p1, low4);
        const hi0 = v128.and(i16x8.shr_u(p0, 4), low4), hi1 = v128.and(i16x8.shr_u(p1, 4), low4);
        // scales 2·pair and 2·pair + 1: i16 lanes 0 and 1 of sc, broadcast by fixed shuffles (x86: pshuflw, punpck)
        const s0 = v128.shuffle<u16>(sc, sc, 0, 0, 0, 0, 0, 0, 0, 0), s1 = v128.shuffle<u16>(sc, sc, 1, 1, 1, 1, 1, 1, 1, 1);
        const xj = xb + (<usize>pair << 6);
        i0 = i32x4.add(i0, pairQ4K(lo0, lo1, hi0, hi1, s0, s1, xj));
        if (rows > 1) i1 = i32x4.add(i1, pairQ4K(lo0, lo1, hi0, hi1, s0, s1, xj + xRow));
        if (rows > 2) i2 = i32x4.add(i2, pairQ4K(lo0, lo1, hi0, hi1, s0, s1, xj + 2 * xRow));
        if (rows > 3) i3 = i32x4.add(i3, pairQ4K(lo0, lo1, hi0, hi1, s0, s1, xj + 3 * xRow));
        sc = v128.shuffle<u32>(sc, sc, 1, 2, 3, 3); // the next pair's scales down to lanes 0 and 1 (pshufd)
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

// ---------------------------------------------------------------- q6_k: 256-weight blocks, 16 groups of 16

/** 32 · Σ_g sc_g Σ_g q_x over a block: scales (i16x8 × 2) against the row's sixteen sums per 16. */
// @ts-ignore: decorator
@inline function offsetQ6K(sLo: v128, sHi: v128, s16: usize): v128 {
  return i32x4.shl(i32x4.add(i32x4.dot_i16x8_s(sLo, v128.load(s16)), i32x4.dot_i16x8_s(sHi, v128.load(s16, 16))), 5);
}

/** Σ_r sc_r Σ q_r q_x over four runs of 16 weights (q0..q3, 0..63), run r's activations at xg + 32 r. */
// @ts-ignore: decorator
@inline function runsQ6K(q0: v128, q1: v128, q2: v128, q3: v128, s0: v128, s1: v128, s2: v128, s3: v128, xg: usize): v128 {
  // |pair| ≤ 2 · 128 · 63 fits i16; · sc_g (|sc_g| ≤ 128) in i32
  const a = i32x4.add(i32x4.dot_i16x8_s(pairs(v128.load(xg), q0), s0), i32x4.dot_i16x8_s(pairs(v128.load(xg, 32), q1), s1));
  const b = i32x4.add(i32x4.dot_i16x8_s(pairs(v128.load(xg, 64), q2), s2), i32x4.dot_i16x8_s(pairs(v128.load(xg, 96), q3), s3));
  return i32x4.add(a, b);
}

/**
 * Q6_K [128 low-nibble bytes][64 high-2-bit bytes][16 int8 scales][f16 d], w = d · sc_g · (q − 32) in
 * 16-weight group g (element order as matmul.ts's tileQ6K):
 *   Σ w x̃ = d · d_x · (Σ_g sc_g Σ q q_x − 32 · Σ_g sc_g Σ_g q_x)
 * the second term from the sixteen sums per 16 (sums16, i16) and the sixteen scales in two dot products.
 */
// @ts-ignore: decorator
@inline export function tileQ6K(rows: i32, y: usize, qs: usize, ds: usize, sums16: usize, w: usize, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K;
  const dRow = <usize>nb << 2;
  const sRow = <usize>(K >> 4) << 1;
  const low4 = i8x16.splat(0x0f), bits = i8x16.splat(0x30);
  for (let n = n0; n < n1; n++) {
    const row = w + <usize>n * <usize>nb * 210;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let b = 0; b < nb; b++) {
      const wb = row + <usize>b * 210;
      const xb = qs + <usize>t * xRow + (<usize>b << 8);
      const sb = sums16 + <usize>t * sRow + (<usize>b << 5);
      const scales = v128.load(wb + 192);
      const sLo = i16x8.extend_low_i8x16_s(scales), sHi = i16x8.extend_high_i8x16_s(scales);
      let i0 = i32x4.sub(i32x4.splat(0), offsetQ6K(sLo, sHi, sb));
      let i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
      if (rows > 1) i1 = i32x4.sub(i1, offsetQ6K(sLo, sHi, sb + sRow));
      if (rows > 2) i2 = i32x4.sub(i2, offsetQ6K(sLo, sHi, sb + 2 * sRow));
      if (rows > 3) i3 = i32x4.sub(i3, offsetQ6K(sLo, sHi, sb + 3 * sRow));
      for (let h = 0; h < 2; h++) {
        const sv = h ? sHi : sLo; // the scales of this half's eight groups, as i16
        for (let l = 0; l < 32; l += 16) {
          const qlA = v128.load(wb + (<usize>h << 6) + l); // runs 0 (low nibbles) and 2 (high)
          const qlB = v128.load(wb + (<usize>h << 6) + 32 + l); // runs 1 and 3
          const qh = v128.load(wb + 128 + (<usize>h << 5) + l); // bits 2r, 2r + 1 for run r
          // shifts by 16-bit lanes, then masks: the bits a shift carries across bytes are masked away
          const q0 = v128.or(v128.and(qlA, low4), v128.and(i16x8.shl(qh, 4), bits));
          const q1 = v128.or(v128.and(qlB, low4), v128.and(i16x8.shl(qh, 2), bits));
          const q2 = v128.or(v128.and(i16x8.shr_u(qlA, 4), low4), v128.and(qh, bits));
          const q3 = v128.or(v128.and(i16x8.shr_u(qlB, 4), low4), v128.and(i16x8.shr_u(qh, 2), bits));
          // run r's group is 2r + l/16: its scale is i16 lane 2r of sv shifted down by l/16 lanes, broadcast
          // by a fixed shuffle (x86: pshuflw or pshufhw, then punpck: no index vector to keep in a register)
          const sl = l ? i32x4.shr_s(sv, 16) : sv;
          const s0 = v128.shuffle<u16>(sl, sl, 0, 0, 0, 0, 0, 0, 0, 0), s1 = v128.shuffle<u16>(sl, sl, 2, 2, 2, 2, 2, 2, 2, 2);
          const s2 = v128.shuffle<u16>(sl, sl, 4, 4, 4, 4, 4, 4, 4, 4), s3 = v128.shuffle<u16>(sl, sl, 6, 6, 6, 6, 6, 6, 6, 6);
          const xg = xb + <usize>((h << 7) + l);
          i0 = i32x4.add(i0, runsQ6K(q0, q1, q2, q3, s0, s1, s2, s3, xg));
          if (rows > 1) i1 = i32x4.add(i1, runsQ6K(q0, q1, q2, q3, s0, s1, s2, s3, xg + xRow));
          if (rows > 2) i2 = i32x4.add(i2, runsQ6K(q0, q1, q2, q3, s0, s1, s2, s3, xg + 2 * xRow));
          if (rows > 3) i3 = i32x4.add(i3, runsQ6K(q0, q1, q2, q3, s0, s1, s2, s3, xg + 3 * xRow));
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
