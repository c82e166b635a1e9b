// q4_0 and q4_k products over weights interleaved four rows at a time, for the relaxed-SIMD build: the
// layouts llama.cpp's x86 kernels repack these formats into at load (its "q4_0_8x8", "q4_K_8x8"), cut to
// 128-bit vectors. A decode step's q4_0 products run 1.2–1.4× faster than row by row, q4_k's 1.5–1.6×
// (stories110M shapes, in cache).
//
// In q4_0's own layout each weight row is a run of blocks, so a product row by row ends every row with a
// horizontal sum, and every block's integer lanes are scaled one row at a time. Here the backend copies a
// weight once (interleave_q4_0) into groups of four rows, block by block:
//
//   [d₀ d₁ d₂ d₃ as f32][v = 0: bytes 0..3 of rows 0, 1, 2, 3][v = 1: bytes 4..7 of each]…[v = 3: bytes 12..15]
//
// 80 bytes per four blocks (four 18-byte blocks hold 72; the f16 scales are f32 here, as block_scales_f32
// copies them for the row-by-row kernel). Byte i of a q4_0 block holds element i (low nibble) and element
// i + 16 (high), so in vector v, row r's four bytes are elements 4v..4v + 3 and 4v + 16..4v + 19. Multiplied
// by those four activations broadcast to every row (one shuffle each), one relaxed dot gives eight i16
// lanes, two per row: after the block's four vectors, one pairwise widening gives the four rows' sums as
// four i32 lanes, and one multiply-add scales all four rows. No horizontal sum at all; the four outputs
// are stored as one vector.
//
//   Σ w x̃ (row r, block b) = d_r · d_x · (Σ q q_x − 8 · Σ q_x)
//
// Σ q q_x per lane is ≤ 16 products of 15 · 128 = 30720: it fits i16 over the whole block. 8 · Σ q_x comes
// per block as an i32 (quantize_q8_0_i8's sums32). Each output is Σ over blocks in order of one f32
// multiply-add, for every T (the 2-row tiles only share the decoded weights), so a decode step's numbers
// equal a prompt pass's.

import { f16ToF32 } from "./half";
import { madd } from "./simd";

/** Bytes per group of four rows per block. */
// @ts-ignore: decorator
@inline const GROUP_BLOCK = 80;

/**
 * Copies q4_0 weights (N, K) at w into the interleaved layout at out (N/4 · K/32 · 80 bytes); N a multiple of 4.
 * Rows n0 .. n1 − 1 of N (multiples of 4), so threads can split it.
 */
export function interleave_q4_0(out: usize, w: usize, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  for (let n = n0; n < n1; n += 4) {
    for (let b = 0; b < nb; b++) {
      const group = out + (<usize>(n >> 2) * <usize>nb + <usize>b) * GROUP_BLOCK;
      for (let r = 0; r < 4; r++) {
        const block = w + (<usize>(n + r) * <usize>nb + <usize>b) * 18;
        store<f32>(group + (<usize>r << 2), f16ToF32(<u32>load<u16>(block)));
        for (let v = 0; v < 4; v++) store<u32>(group + 16 + (<usize>v << 4) + (<usize>r << 2), load<u32>(block + 2 + (<usize>v << 2)));
      }
    }
  }
}

/** i16x8.relaxed_dot_i8x16_i7x16_s: a signed bytes, b bytes in 0..127 (matmul-relaxed.ts). */
// @ts-ignore: decorator
@inline function pairs(a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(a, b);
  return unreachable();
}

/** i32 lane j of v in every lane (x86: pshufd). */
// @ts-ignore: decorator
@inline function lane(v: v128, j: i32): v128 {
  if (j == 0) return i32x4.shuffle(v, v, 0, 0, 0, 0);
  if (j == 1) return i32x4.shuffle(v, v, 1, 1, 1, 1);
  if (j == 2) return i32x4.shuffle(v, v, 2, 2, 2, 2);
  return i32x4.shuffle(v, v, 3, 3, 3, 3);
}

/** acc + d · d_x · (Σ q q_x − 8 Σ q_x) for the four rows (s: the block's i16 lanes, two per row). */
// @ts-ignore: decorator
@inline function scaleBlock(acc: v128, s: v128, d: v128, sum8: usize, dx: usize): v128 {
  const lanes = i32x4.sub(i32x4.extadd_pairwise_i16x8_s(s), v128.load32_splat(sum8));
  return madd(f32x4.convert_i32x4_s(lanes), f32x4.mul(d, v128.load32_splat(dx)), acc);
}

/**
 * y (T, N) f32 for output rows n0 .. n1 − 1 (multiples of 4) from the interleaved weights wp and i8
 * activations (quantize_q8_0_i8: qs (T, K), ds per block, sums32: 8 · Σ q per block as i32).
 */
export function matmul_q4_0x4_i8(y: usize, qs: usize, ds: usize, sums32: usize, wp: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (!ASC_FEATURE_RELAXED_SIMD) unreachable();
  let t = 0;
  for (; t + 2 <= T; t += 2) groups(2, y, qs, ds, sums32, wp, t, N, K, n0, n1);
  if (t < T) groups(1, y, qs, ds, sums32, wp, t, N, K, n0, n1);
}

/** Activation rows t .. t + rows − 1 (rows 1 or 2: two rows' registers already fill x86's sixteen). */
// @ts-ignore: decorator
@inline function groups(rows: i32, y: usize, qs: usize, ds: usize, sums32: usize, wp: usize, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 5;
  const xRow = <usize>K, dRow = <usize>nb << 2; // one activation row's i8 values; its scales (and its sums)
  for (let n = n0; n < n1; n += 4) {
    let p = wp + <usize>(n >> 2) * <usize>nb * GROUP_BLOCK;
    const end = p + <usize>nb * GROUP_BLOCK;
    let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sb = sums32 + <usize>t * dRow;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (; p < end; p += GROUP_BLOCK, xb += 32, db += 4, sb += 4) {
      const x0Lo = v128.load(xb), x0Hi = v128.load(xb, 16);
      let x1Lo = x0Lo, x1Hi = x0Hi;
      if (rows > 1) {
        x1Lo = v128.load(xb + xRow);
        x1Hi = v128.load(xb + xRow, 16);
      }
      // vector v: the rows' nibbles for elements 4v..4v + 3 (lo) and 4v + 16..4v + 19 (hi), decoded once for
      // both activation rows (a helper per row, as q4_k's, decoded them twice: prompt passes 0.9×)
      let s0 = i16x8.splat(0), s1 = i16x8.splat(0);
      const q0 = v128.load(p, 16), lo0 = nibbles(false, q0), hi0 = nibbles(true, q0);
      s0 = dotInto(dotInto(s0, lo0, x0Lo, 0), hi0, x0Hi, 0);
      if (rows > 1) s1 = dotInto(dotInto(s1, lo0, x1Lo, 0), hi0, x1Hi, 0);
      const q1 = v128.load(p, 32), lo1 = nibbles(false, q1), hi1 = nibbles(true, q1);
      s0 = dotInto(dotInto(s0, lo1, x0Lo, 1), hi1, x0Hi, 1);
      if (rows > 1) s1 = dotInto(dotInto(s1, lo1, x1Lo, 1), hi1, x1Hi, 1);
      const q2 = v128.load(p, 48), lo2 = nibbles(false, q2), hi2 = nibbles(true, q2);
      s0 = dotInto(dotInto(s0, lo2, x0Lo, 2), hi2, x0Hi, 2);
      if (rows > 1) s1 = dotInto(dotInto(s1, lo2, x1Lo, 2), hi2, x1Hi, 2);
      const q3 = v128.load(p, 64), lo3 = nibbles(false, q3), hi3 = nibbles(true, q3);
      s0 = dotInto(dotInto(s0, lo3, x0Lo, 3), hi3, x0Hi, 3);
      if (rows > 1) s1 = dotInto(dotInto(s1, lo3, x1Lo, 3), hi3, x1Hi, 3);
      const d = v128.load(p);
      a0 = scaleBlock(a0, s0, d, sb, db);
      if (rows > 1) a1 = scaleBlock(a1, s1, d, sb + dRow, db + dRow);
    }
    const at = y + ((<usize>t * <usize>N + <usize>n) << 2);
    v128.store(at, a0);
    if (rows > 1) v128.store(at + (<usize>N << 2), a1);
  }
}

// ---------------------------------------------------------------- q4_k

// Q4_K's 256-weight blocks, four rows at a time: per group of four rows per block (608 bytes against the
// four blocks' 576),
//
//   [d₀..d₃ f32][dmin₀..dmin₃ f32][scales: byte 4s + r = sc(s, r)][mins: byte 8j + 2r + k = m(2j + k, r)][qs]
//
// and qs as q4_0's, pair of sub-blocks by pair: for pair j (sub-blocks 2j, 2j + 1: their 32 bytes in a
// row, low nibbles the first's 32 weights, high the second's), vector v = bytes 4v..4v + 3 of rows 0..3.
// Per pair the eight vectors' products add up in i16 (two lanes per row, ≤ 16 products of 15 · 128 each),
// then meet the rows' scales in one i32x4.dot_i16x8_s, whose scale vector (sc_r0, sc_r0, sc_r1, sc_r1, …)
// is the scale bytes widened and interleaved with themselves (x86: pmovzxbw, punpcklwd). The mins' term
// Σ_s m(s, r) Σ_s q_x is four more such dots, against the activations' sums per 32 (from their sums per 16):
//
//   Σ w x̃ (row r) = d_x · (d_r · Σ_s sc(s, r) Σ q q_x − dmin_r · Σ_s m(s, r) Σ_s q_x)

/** Bytes per group of four rows per block. */
// @ts-ignore: decorator
@inline const GROUP_BLOCK_K4 = 608;

/** Copies q4_k weights (N, K) at w into the interleaved layout at out; rows n0 .. n1 − 1 (multiples of 4). */
export function interleave_q4_k(out: usize, w: usize, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  for (let n = n0; n < n1; n += 4) {
    for (let b = 0; b < nb; b++) {
      const group = out + (<usize>(n >> 2) * <usize>nb + <usize>b) * GROUP_BLOCK_K4;
      for (let r = 0; r < 4; r++) {
        const block = w + (<usize>(n + r) * <usize>nb + <usize>b) * 144;
        store<f32>(group + (<usize>r << 2), f16ToF32(<u32>load<u16>(block)));
        store<f32>(group + 16 + (<usize>r << 2), f16ToF32(<u32>load<u16>(block + 2)));
        for (let s = 0; s < 8; s++) {
          store<u8>(group + 32 + <usize>(4 * s + r), scaleOrMinK4(block + 4, s, false));
          store<u8>(group + 64 + <usize>(8 * (s >> 1) + 2 * r + (s & 1)), scaleOrMinK4(block + 4, s, true));
        }
        for (let j = 0; j < 4; j++) {
          for (let v = 0; v < 8; v++) store<u32>(group + 96 + <usize>(128 * j + 16 * v + 4 * r), load<u32>(block + 16 + <usize>(32 * j + 4 * v)));
        }
      }
    }
  }
}

/** Sub-block s's 6-bit scale (or min) from a Q4_K block's 12 packed bytes at q (dequantize.ts's scaleMinK4). */
function scaleOrMinK4(q: usize, s: i32, min: bool): u8 {
  const at = q + <usize>s;
  if (s < 4) return <u8>(load<u8>(at + (min ? 4 : 0)) & 63);
  return min ? <u8>((load<u8>(at, 4) >> 4) | ((load<u8>(at) >> 6) << 4)) : <u8>((load<u8>(at, 4) & 15) | ((load<u8>(at - 4) >> 6) << 4));
}

/** One sub-block's products for the four rows as i16 lanes (two per row): its nibbles (the high ones when
 *  `high`) in the pair's eight vectors at pq, against its 32 activations at x. */
// @ts-ignore: decorator
@inline function subBlock(high: bool, pq: usize, x: usize): v128 {
  const x0 = v128.load(x), x1 = v128.load(x, 16);
  let s = i16x8.splat(0);
  s = dotInto(s, nibbles(high, v128.load(pq, 0)), x0, 0);
  s = dotInto(s, nibbles(high, v128.load(pq, 16)), x0, 1);
  s = dotInto(s, nibbles(high, v128.load(pq, 32)), x0, 2);
  s = dotInto(s, nibbles(high, v128.load(pq, 48)), x0, 3);
  s = dotInto(s, nibbles(high, v128.load(pq, 64)), x1, 0);
  s = dotInto(s, nibbles(high, v128.load(pq, 80)), x1, 1);
  s = dotInto(s, nibbles(high, v128.load(pq, 96)), x1, 2);
  return dotInto(s, nibbles(high, v128.load(pq, 112)), x1, 3);
}

/** The low or high nibble of each byte (a 16-bit shift, then the mask: SIMD128 has no 8-bit shift). */
// @ts-ignore: decorator
@inline function nibbles(high: bool, q: v128): v128 {
  return v128.and(high ? i16x8.shr_u(q, 4) : q, i8x16.splat(0x0f));
}

/** s + the products of four nibble bytes per row (w) with the four activations in lane j of x, broadcast. */
// @ts-ignore: decorator
@inline function dotInto(s: v128, w: v128, x: v128, j: i32): v128 {
  return i16x8.add(s, pairs(lane(x, j), w));
}

/**
 * y (T, N) for output rows n0 .. n1 − 1 (multiples of 4) from interleaved q4_k weights wp and i8
 * activations (quantize_q8_k_i8: qs (T, K), ds per 256, sums16: Σ q per 16, i16).
 */
export function matmul_q4_kx4_i8(y: usize, qs: usize, ds: usize, sums16: usize, wp: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (!ASC_FEATURE_RELAXED_SIMD) unreachable();
  let t = 0;
  for (; t + 2 <= T; t += 2) groupsK4(2, y, qs, ds, sums16, wp, t, N, K, n0, n1);
  if (t < T) groupsK4(1, y, qs, ds, sums16, wp, t, N, K, n0, n1);
}

/** Σ_s m(s, r) Σ_s q_x for the four rows: the mins (group + 64) against one activation row's sums per 16. */
// @ts-ignore: decorator
@inline function minTerms(group: usize, s16: usize): v128 {
  // Σ q_x per 32 as eight i16 (|Σ| ≤ 32 · 128): pairs of the sums per 16
  const x32 = i16x8.narrow_i32x4_s(i32x4.extadd_pairwise_i16x8_s(v128.load(s16)), i32x4.extadd_pairwise_i16x8_s(v128.load(s16, 16)));
  const m01 = v128.load(group, 64), m23 = v128.load(group, 80);
  const a = i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(m01), lane(x32, 0)), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(m01), lane(x32, 1)));
  const b = i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(m23), lane(x32, 2)), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(m23), lane(x32, 3)));
  return i32x4.add(a, b);
}

/** (sc_r0, sc_r0, sc_r1, sc_r1, …) of sub-block 2j + k from the scale bytes of sub-blocks 2j, 2j + 1 widened (e). */
// @ts-ignore: decorator
@inline function rowScales(e: v128, k: i32): v128 {
  return k == 0 ? v128.shuffle<u16>(e, e, 0, 0, 1, 1, 2, 2, 3, 3) : v128.shuffle<u16>(e, e, 4, 4, 5, 5, 6, 6, 7, 7);
}

/** i + Σ sc Σ q q_x for one pair of sub-blocks: (l, h) the i16 sums of the first and the second. */
// @ts-ignore: decorator
@inline function scalePair(i: v128, l: v128, h: v128, e: v128): v128 {
  return i32x4.add(i, i32x4.add(i32x4.dot_i16x8_s(l, rowScales(e, 0)), i32x4.dot_i16x8_s(h, rowScales(e, 1))));
}

// @ts-ignore: decorator
@inline function groupsK4(rows: i32, y: usize, qs: usize, ds: usize, sums16: usize, wp: usize, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K, dRow = <usize>nb << 2, sRow = <usize>(K >> 4) << 1;
  for (let n = n0; n < n1; n += 4) {
    let p = wp + <usize>(n >> 2) * <usize>nb * GROUP_BLOCK_K4;
    const end = p + <usize>nb * GROUP_BLOCK_K4;
    let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sb = sums16 + <usize>t * sRow;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (; p < end; p += GROUP_BLOCK_K4, xb += 256, db += 4, sb += 32) {
      let i0 = i32x4.splat(0), i1 = i32x4.splat(0);
      for (let j = 0; j < 4; j++) {
        const pq = p + 96 + (<usize>j << 7); // the pair's eight vectors
        const xa = xb + (<usize>j << 6); // its activations: 32 of sub-block 2j, then 32 of 2j + 1
        // sub-block 2j's weights are the low nibbles, 2j + 1's the high: each half's i16 sums, per row
        const e = i16x8.extend_low_i8x16_u(v128.load64_zero(p + 32 + (<usize>j << 3)));
        i0 = scalePair(i0, subBlock(false, pq, xa), subBlock(true, pq, xa + 32), e);
        if (rows > 1) i1 = scalePair(i1, subBlock(false, pq, xa + xRow), subBlock(true, pq, xa + xRow + 32), e);
      }
      const d = v128.load(p), dmin = v128.load(p, 16);
      a0 = blockK4(a0, i0, minTerms(p, sb), d, dmin, db);
      if (rows > 1) a1 = blockK4(a1, i1, minTerms(p, sb + sRow), d, dmin, db + dRow);
    }
    const at = y + ((<usize>t * <usize>N + <usize>n) << 2);
    v128.store(at, a0);
    if (rows > 1) v128.store(at + (<usize>N << 2), a1);
  }
}

/** acc + d_x · (d · i − dmin · m), lane by lane (the rows): two multiply-adds, as the row-by-row kernel. */
// @ts-ignore: decorator
@inline function blockK4(acc: v128, i: v128, m: v128, d: v128, dmin: v128, dx: usize): v128 {
  const x = v128.load32_splat(dx);
  return madd(f32x4.convert_i32x4_s(m), f32x4.neg(f32x4.mul(dmin, x)), madd(f32x4.convert_i32x4_s(i), f32x4.mul(d, x), acc));
}

// ---------------------------------------------------------------- q6_k

// Q6_K's 256-weight blocks, four rows at a time, with each 6-bit value widened to a byte: per group of four
// rows per block (1104 bytes against the four blocks' 840),
//
//   [d₀..d₃ f32][scales: byte 4g + r = sc(g, r), g the 16-weight group][q: 16 groups × 4 vectors]
//
// vector c of group g = elements 16g + 4c..16g + 4c + 3 of rows 0..3, each q in 0..63 as a byte, in the
// elements' own order. Q6_K packs q in two planes (low nibbles, high two bits, interleaved across the
// block: about 17 instructions to decode 64 weights); decoding once here leaves a load per 16 weights.
// Two vectors' products add up in i16 (two lanes per row, ≤ 4 products of 63 · 128 each), then meet the
// group's scales in one i32x4.dot_i16x8_s. The offset is taken out per group with the activations' sums per 16:
//
//   Σ w x̃ (row r) = d_r · d_x · Σ_g sc(g, r) · (Σ_g q q_x − 32 · Σ_g q_x)
//
// The q6_k products (a llama.cpp Q4_0 or Q4_K_M model's classifier; Q4_K_M's attn_v and ffn_down in
// half the layers) were the slowest per weight: ~11 GMAC/s in a stories110M decode against q4_k's ~26.

/** Bytes per group of four rows per block. */
// @ts-ignore: decorator
@inline const GROUP_BLOCK_Q6K = 1104;

/** Copies q6_k weights (N, K) at w into the interleaved layout at out; rows n0 .. n1 − 1 (multiples of 4). */
export function interleave_q6_k(out: usize, w: usize, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  for (let n = n0; n < n1; n += 4) {
    for (let b = 0; b < nb; b++) {
      const group = out + (<usize>(n >> 2) * <usize>nb + <usize>b) * GROUP_BLOCK_Q6K;
      for (let r = 0; r < 4; r++) {
        const block = w + (<usize>(n + r) * <usize>nb + <usize>b) * 210;
        store<f32>(group + (<usize>r << 2), f16ToF32(<u32>load<u16>(block + 208)));
        for (let g = 0; g < 16; g++) store<i8>(group + 16 + <usize>(4 * g + r), load<i8>(block + 192 + <usize>g));
        // the row kernel's decoding (matmul-relaxed.ts's tileQ6K), 16 elements at a time: for half h and
        // bytes l..l + 15, run j (of 4) holds elements 128 h + 32 j + l..: a whole group, 4 of its bytes to
        // each of the group's four vectors
        for (let h = 0; h < 2; h++) {
          for (let l = 0; l < 32; l += 16) {
            const qlA = v128.load(block + <usize>(64 * h + l)), qlB = v128.load(block + <usize>(64 * h + 32 + l));
            const qh = v128.load(block + 128 + <usize>(32 * h + l));
            const low4 = i8x16.splat(0x0f), bits = i8x16.splat(0x30);
            const e0 = 128 * h + l;
            scatterGroup(group, r, e0, v128.or(v128.and(qlA, low4), v128.and(i16x8.shl(qh, 4), bits)));
            scatterGroup(group, r, e0 + 32, v128.or(v128.and(qlB, low4), v128.and(i16x8.shl(qh, 2), bits)));
            scatterGroup(group, r, e0 + 64, v128.or(v128.and(i16x8.shr_u(qlA, 4), low4), v128.and(qh, bits)));
            scatterGroup(group, r, e0 + 96, v128.or(v128.and(i16x8.shr_u(qlB, 4), low4), v128.and(i16x8.shr_u(qh, 2), bits)));
          }
        }
      }
    }
  }
}

/** Row r's q values of elements e..e + 15 (one group: e a multiple of 16) to their places in the group's four vectors. */
// @ts-ignore: decorator
@inline function scatterGroup(group: usize, r: i32, e: i32, q: v128): void {
  const at = group + 80 + <usize>(4 * e + 4 * r); // group e/16's vectors start at 64 · e/16; row r's bytes at 4 r
  v128.store32_lane(at, q, 0);
  v128.store32_lane(at + 16, q, 1);
  v128.store32_lane(at + 32, q, 2);
  v128.store32_lane(at + 48, q, 3);
}

/**
 * y (T, N) for output rows n0 .. n1 − 1 (multiples of 4) from interleaved q6_k weights wp and i8
 * activations (quantize_q8_k_i8: qs (T, K), ds per 256, sums16: Σ q per 16, i16).
 */
export function matmul_q6_kx4_i8(y: usize, qs: usize, ds: usize, sums16: usize, wp: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (!ASC_FEATURE_RELAXED_SIMD) unreachable();
  let t = 0;
  for (; t + 2 <= T; t += 2) groupsQ6K(2, y, qs, ds, sums16, wp, t, N, K, n0, n1);
  if (t < T) groupsQ6K(1, y, qs, ds, sums16, wp, t, N, K, n0, n1);
}

/** i + Σ_g sc(g, r) Σ_g q q_x for one group of 16 (its four vectors at q) against its activations x, scales sc. */
// @ts-ignore: decorator
@inline function groupQ6K(i: v128, q: usize, x: v128, sc: v128): v128 {
  const a = i16x8.add(pairs(lane(x, 0), v128.load(q)), pairs(lane(x, 1), v128.load(q, 16)));
  const b = i16x8.add(pairs(lane(x, 2), v128.load(q, 32)), pairs(lane(x, 3), v128.load(q, 48)));
  return i32x4.add(i, i32x4.add(i32x4.dot_i16x8_s(a, sc), i32x4.dot_i16x8_s(b, sc)));
}

/** o + sc(g, r) · Σ_g q_x for the four rows: sums holds Σ q_x of groups g..g + 3 zero-extended to i32 (the
 *  high i16 of each lane 0, so the dot adds nothing from it). */
// @ts-ignore: decorator
@inline function offsetQ6Kx4(o: v128, sc: v128, sums: v128, k: i32): v128 {
  return i32x4.add(o, i32x4.dot_i16x8_s(sc, lane(sums, k)));
}

// @ts-ignore: decorator
@inline function groupsQ6K(rows: i32, y: usize, qs: usize, ds: usize, sums16: usize, wp: usize, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  const nb = K >> 8;
  const xRow = <usize>K, dRow = <usize>nb << 2, sRow = <usize>(K >> 4) << 1;
  for (let n = n0; n < n1; n += 4) {
    let p = wp + <usize>(n >> 2) * <usize>nb * GROUP_BLOCK_Q6K;
    const end = p + <usize>nb * GROUP_BLOCK_Q6K;
    let xb = qs + <usize>t * xRow, db = ds + <usize>t * dRow, sb = sums16 + <usize>t * sRow;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (; p < end; p += GROUP_BLOCK_Q6K, xb += 256, db += 4, sb += 32) {
      let i0 = i32x4.splat(0), i1 = i32x4.splat(0), o0 = i32x4.splat(0), o1 = i32x4.splat(0);
      for (let g4 = 0; g4 < 16; g4 += 4) {
        // groups g4..g4 + 3: their scale bytes widened (signed), each pair's then spread to (sc_r0, sc_r0, sc_r1, …)
        const scales = v128.load(p + 16 + (<usize>g4 << 2));
        const e01 = i16x8.extend_low_i8x16_s(scales), e23 = i16x8.extend_high_i8x16_s(scales);
        const sc0 = v128.shuffle<u16>(e01, e01, 0, 0, 1, 1, 2, 2, 3, 3), sc1 = v128.shuffle<u16>(e01, e01, 4, 4, 5, 5, 6, 6, 7, 7);
        const sc2 = v128.shuffle<u16>(e23, e23, 0, 0, 1, 1, 2, 2, 3, 3), sc3 = v128.shuffle<u16>(e23, e23, 4, 4, 5, 5, 6, 6, 7, 7);
        const q = p + 80 + (<usize>g4 << 6);
        const xg = xb + (<usize>g4 << 4);
        i0 = groupQ6K(groupQ6K(i0, q, v128.load(xg), sc0), q + 64, v128.load(xg, 16), sc1);
        i0 = groupQ6K(groupQ6K(i0, q + 128, v128.load(xg, 32), sc2), q + 192, v128.load(xg, 48), sc3);
        const s0 = i32x4.extend_low_i16x8_u(load64Zero(sb + (<usize>g4 << 1)));
        o0 = offsetQ6Kx4(offsetQ6Kx4(offsetQ6Kx4(offsetQ6Kx4(o0, sc0, s0, 0), sc1, s0, 1), sc2, s0, 2), sc3, s0, 3);
        if (rows > 1) {
          i1 = groupQ6K(groupQ6K(i1, q, v128.load(xg + xRow), sc0), q + 64, v128.load(xg + xRow, 16), sc1);
          i1 = groupQ6K(groupQ6K(i1, q + 128, v128.load(xg + xRow, 32), sc2), q + 192, v128.load(xg + xRow, 48), sc3);
          const s1 = i32x4.extend_low_i16x8_u(load64Zero(sb + sRow + (<usize>g4 << 1)));
          o1 = offsetQ6Kx4(offsetQ6Kx4(offsetQ6Kx4(offsetQ6Kx4(o1, sc0, s1, 0), sc1, s1, 1), sc2, s1, 2), sc3, s1, 3);
        }
      }
      const d = v128.load(p);
      a0 = madd(f32x4.convert_i32x4_s(i32x4.sub(i0, i32x4.shl(o0, 5))), f32x4.mul(d, v128.load32_splat(db)), a0);
      if (rows > 1) a1 = madd(f32x4.convert_i32x4_s(i32x4.sub(i1, i32x4.shl(o1, 5))), f32x4.mul(d, v128.load32_splat(db + dRow)), a1);
    }
    const at = y + ((<usize>t * <usize>N + <usize>n) << 2);
    v128.store(at, a0);
    if (rows > 1) v128.store(at + (<usize>N << 2), a1);
  }
}

/** Eight bytes at p in the low half, zeros above. */
// @ts-ignore: decorator
@inline function load64Zero(p: usize): v128 {
  return v128.load64_zero(p);
}
