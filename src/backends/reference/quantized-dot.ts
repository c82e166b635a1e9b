/**
 * Dot products between a quantized weight row and 8-bit activations, block by block in integers, the
 * way llama.cpp computes them (ggml-cpu/quants.c vec_dot_*): the integer sum of a block is exact, and
 * only the per-block scaling and the running sum are floats (f32, in this order). The wasm kernels use
 * the same order, so both backends give the same bits.
 *
 *   q8_0, q4_0, q5_0  (activations Q8_0):  sum += Σ q_w·q_x · (d_w · d_x)
 *   q4_k              (activations Q8_K):  sum += d_x · (d · Σ_j sc_j Σ q_w·q_x − dmin · Σ_j m_j Σ q_x)
 *   q6_k              (activations Q8_K):  sum += (d_x · d) · Σ_g sc_g Σ (q_w − 32)·q_x
 */
import { DTYPES, type DType } from "../../core/dtype.js";
import { f16At, scaleMinK4 } from "./block-math.js";
import type { Tensor } from "../../tensor/tensor.js";

const fr = Math.fround;

/** Weight dtypes whose dot product is defined here (the others dequantize, see reference-backend.ts). */
export const INTEGER_DOT_DTYPES: ReadonlySet<DType> = new Set(["q8_0", "q4_0", "q5_0", "q4_k", "q6_k"]);

/** Activations quantized to 8 bits: qs (one int8 per value), ds (one scale per 32 or 256 values). */
export interface QuantizedActivations {
  readonly qs: Int8Array;
  readonly ds: Float32Array;
  readonly blockSize: 32 | 256;
}

/** The unpacked integer weights of one block, in element order (q8_0: q; q4_0: q − 8; q5_0: q − 16). */
function blockInts(dtype: DType, b: Uint8Array, o: number, out: Int32Array): void {
  switch (dtype) {
    case "q8_0":
      for (let j = 0; j < 32; j++) out[j] = (b[o + 2 + j]! << 24) >> 24;
      return;
    case "q4_0":
      for (let j = 0; j < 16; j++) (out[j] = (b[o + 2 + j]! & 0xf) - 8), (out[j + 16] = (b[o + 2 + j]! >> 4) - 8);
      return;
    case "q5_0": {
      const qh = (b[o + 2]! | (b[o + 3]! << 8) | (b[o + 4]! << 16) | (b[o + 5]! << 24)) >>> 0;
      for (let j = 0; j < 16; j++) {
        out[j] = ((b[o + 6 + j]! & 0xf) | (((qh >>> j) & 1) << 4)) - 16;
        out[j + 16] = ((b[o + 6 + j]! >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16;
      }
      return;
    }
  }
}

/** Σ_k W[row, k] · x̃[t, k] for activation row t (K values). */
export function integerDot(w: Tensor, row: number, x: QuantizedActivations, t: number, ints: Int32Array): number {
  const K = w.rowLength;
  const b = w.bytes;
  const { bytesPerBlock } = DTYPES[w.dtype];
  const rowStart = row * w.rowBytes;
  const xq = t * K;
  let sum = 0;
  if (w.dtype === "q4_k" || w.dtype === "q6_k") {
    for (let blk = 0; blk < K / 256; blk++) {
      const o = rowStart + blk * bytesPerBlock;
      const xs = xq + blk * 256;
      const dx = x.ds[t * (K / 256) + blk]!;
      if (w.dtype === "q4_k") {
        let sumi = 0;
        let summ = 0;
        for (let j = 0; j < 8; j++) {
          const [sc, m] = scaleMinK4(b, o + 4, j);
          const qs = o + 16 + (j >> 1) * 32;
          const shift = j & 1 ? 4 : 0;
          let dot = 0;
          let bsum = 0;
          for (let l = 0; l < 32; l++) {
            const qx = x.qs[xs + 32 * j + l]!;
            dot += ((b[qs + l]! >> shift) & 0xf) * qx;
            bsum += qx;
          }
          sumi += sc * dot;
          summ += m * bsum;
        }
        sum = fr(sum + fr(dx * fr(fr(f16At(b, o) * sumi) - fr(f16At(b, o + 2) * summ))));
      } else {
        let sumi = 0;
        for (let half = 0; half < 2; half++) {
          const [ql, qh, sc, xh] = [o + half * 64, o + 128 + half * 32, o + 192 + half * 8, xs + half * 128];
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const h = b[qh + l]!;
            const q = [(b[ql + l]! & 0xf) | ((h & 3) << 4), (b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4), (b[ql + l]! >> 4) | (((h >> 4) & 3) << 4), (b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)];
            for (let k = 0; k < 4; k++) sumi += ((b[sc + is + 2 * k]! << 24) >> 24) * (q[k]! - 32) * x.qs[xh + l + 32 * k]!;
          }
        }
        sum = fr(sum + fr(fr(dx * f16At(b, o + 208)) * sumi));
      }
    }
    return sum;
  }
  for (let blk = 0; blk < K / 32; blk++) {
    const o = rowStart + blk * bytesPerBlock;
    blockInts(w.dtype, b, o, ints);
    let sumi = 0;
    for (let j = 0; j < 32; j++) sumi += ints[j]! * x.qs[xq + blk * 32 + j]!;
    sum = fr(sum + fr(sumi * fr(f16At(b, o) * x.ds[t * (K / 32) + blk]!)));
  }
  return sum;
}
