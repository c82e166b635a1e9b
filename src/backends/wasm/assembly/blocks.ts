// Pieces shared by the quantized products of both builds (matmul.ts, matmul-relaxed.ts): the row tile,
// the per-block scaling step, the tile's stores, and the unpacking of Q4_K's packed scales.

import { madd } from "./simd";

/** Activation rows per tile: each decoded weight block serves up to this many rows. */
// @ts-ignore: decorator
@inline export const TILE = 4;

/** acc + the integer lanes × scale. */
// @ts-ignore: decorator
@inline export function scaled(acc: v128, lanes: v128, scale: f32): v128 {
  return madd(f32x4.convert_i32x4_s(lanes), f32x4.splat(scale), acc);
}

/** y[t + r, n] = v_r for the tile's first `rows` rows (a constant at each call site). */
// @ts-ignore: decorator
@inline export function storeRows(rows: i32, y: usize, t: i32, n: i32, N: i32, v0: f32, v1: f32, v2: f32, v3: f32): void {
  const at = y + ((<usize>t * <usize>N + <usize>n) << 2);
  const row = <usize>N << 2;
  store<f32>(at, v0);
  if (rows > 1) store<f32>(at + row, v1);
  if (rows > 2) store<f32>(at + 2 * row, v2);
  if (rows > 3) store<f32>(at + 3 * row, v3);
}

/**
 * A Q4_K block's 12 packed bytes → 16 bytes: the eight 6-bit scales (bytes 0..7), then the eight mins
 * (8..15), in four 32-bit steps (the bit layout of dequantize.ts's scaleMinK4, four bytes at a time):
 *   scales 0..3 = low 6 bits of bytes 0..3           mins 0..3 = low 6 bits of bytes 4..7
 *   scales 4..7 = low nibbles of bytes 8..11 | top 2 bits of bytes 0..3 << 4
 *   mins 4..7   = high nibbles of bytes 8..11 | top 2 bits of bytes 4..7 << 4
 */
// @ts-ignore: decorator
@inline export function scalesAndMinsK4(sc: usize): v128 {
  const u0 = load<u32>(sc), u1 = load<u32>(sc, 4), u2 = load<u32>(sc, 8);
  const six = 0x3f3f3f3f, nib = 0x0f0f0f0f, two = 0x03030303;
  return i32x4(u0 & six, (u2 & nib) | (((u0 >> 6) & two) << 4), u1 & six, ((u2 >> 4) & nib) | (((u1 >> 6) & two) << 4));
}

/** Byte `j` of v as the eight i16 lanes (swizzle indices ≥ 16 give 0, which clears each high byte). */
// @ts-ignore: decorator
@inline export function broadcastByte(v: v128, j: i32): v128 {
  return i8x16.swizzle(v, i16x8.splat(<i16>(j | 0x8000)));
}
