/**
 * Small pieces of GGML arithmetic that dequantization, quantization and the integer dot products share.
 */
import { F16_TABLE } from "../../core/half.js";

/** Round to nearest, ties to even: ggml's nearest_int and SIMD round-to-nearest. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The little-endian f16 at byte i, as a number. */
export function f16At(b: Uint8Array, i: number): number {
  return F16_TABLE[b[i]! | (b[i + 1]! << 8)]!;
}

/**
 * The 6-bit scale and min of sub-block j of a q4_k/q5_k super-block whose 12 scale bytes start at q:
 * sub-blocks 0..3 use the low 6 bits of bytes j and j+4; sub-blocks 4..7 combine a nibble of byte j+4
 * with the top 2 bits of bytes j−4 and j.
 */
export function scaleMinK4(b: Uint8Array, q: number, j: number): [number, number] {
  if (j < 4) return [b[q + j]! & 63, b[q + j + 4]! & 63];
  return [(b[q + j + 4]! & 0xf) | ((b[q + j - 4]! >> 6) << 4), (b[q + j + 4]! >> 4) | ((b[q + j]! >> 6) << 4)];
}
