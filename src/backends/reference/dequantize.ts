/**
 * Dequantization of one row of any storage dtype to f32, written straight from GGML's block layouts
 * (ggml-common.h structs, ggml-quants.c dequantize_row_*). Values are computed in f32 exactly as ggml does
 * (d · q, or d · q − m), so dequantized weights are bit-identical to llama.cpp's.
 *
 *   q8_0  [d: f16][qs: 32 × int8]                         x = d · q
 *   q4_0  [d: f16][qs: 16 bytes, low nibbles then high]   x = d · (q − 8)
 *   q4_1  [d: f16][m: f16][qs: 16 bytes]                  x = d · q + m
 *   q5_0  [d: f16][qh: u32, 5th bits][qs: 16 bytes]       x = d · (q − 16)
 *   q5_1  [d: f16][m: f16][qh: u32][qs: 16 bytes]         x = d · q + m
 *   q4_k  [d: f16][dmin: f16][scales: 12][qs: 128]        8 sub-blocks of 32, 6-bit scale and min each
 *   q5_k  [d][dmin][scales: 12][qh: 32][qs: 128]          as q4_k with a 5th bit from qh
 *   q6_k  [ql: 128][qh: 64][scales: 16 × int8][d: f16]    16 sub-blocks of 16, x = d · scale · (q − 32)
 */
import { DTYPES, QK_K } from "../../core/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { f16At, scaleMinK4 } from "./block-math.js";

const fround = Math.fround;

/** Writes row `row` of `w` (rowLength values) into out[0 .. rowLength). */
export function dequantizeRow(w: Tensor, row: number, out: Float32Array): void {
  const n = w.rowLength;
  const b = w.bytes;
  const start = row * w.rowBytes;
  switch (w.dtype) {
    case "f32": {
      const src = new Float32Array(b.buffer, b.byteOffset + start, n);
      out.set(src);
      return;
    }
    case "f16":
      for (let i = 0; i < n; i++) out[i] = f16At(b, start + 2 * i);
      return;
    case "bf16": {
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      for (let i = 0; i < n; i++) {
        u[0] = (b[start + 2 * i]! | (b[start + 2 * i + 1]! << 8)) << 16;
        out[i] = f[0]!;
      }
      return;
    }
  }
  const { blockSize, bytesPerBlock } = DTYPES[w.dtype];
  for (let blk = 0; blk < n / blockSize; blk++) {
    const o = start + blk * bytesPerBlock;
    const y = blk * blockSize;
    switch (w.dtype) {
      case "q8_0": {
        const d = f16At(b, o);
        for (let j = 0; j < 32; j++) out[y + j] = fround(d * ((b[o + 2 + j]! << 24) >> 24));
        break;
      }
      case "q4_0": {
        const d = f16At(b, o);
        for (let j = 0; j < 16; j++) {
          const q = b[o + 2 + j]!;
          out[y + j] = fround(((q & 0xf) - 8) * d);
          out[y + j + 16] = fround(((q >> 4) - 8) * d);
        }
        break;
      }
      case "q4_1": {
        const d = f16At(b, o);
        const m = f16At(b, o + 2);
        for (let j = 0; j < 16; j++) {
          const q = b[o + 4 + j]!;
          out[y + j] = fround(fround((q & 0xf) * d) + m);
          out[y + j + 16] = fround(fround((q >> 4) * d) + m);
        }
        break;
      }
      case "q5_0":
      case "q5_1": {
        const hasMin = w.dtype === "q5_1";
        const d = f16At(b, o);
        const m = hasMin ? f16At(b, o + 2) : 0;
        const h = o + (hasMin ? 4 : 2);
        const qh = (b[h]! | (b[h + 1]! << 8) | (b[h + 2]! << 16) | (b[h + 3]! << 24)) >>> 0;
        for (let j = 0; j < 16; j++) {
          const q = b[h + 4 + j]!;
          const x0 = (q & 0xf) | (((qh >>> j) << 4) & 0x10); // bit j is the 5th bit of element j
          const x1 = (q >> 4) | ((qh >>> (j + 12)) & 0x10); // bit j + 16 is the 5th bit of element j + 16
          out[y + j] = hasMin ? fround(fround(x0 * d) + m) : fround((x0 - 16) * d);
          out[y + j + 16] = hasMin ? fround(fround(x1 * d) + m) : fround((x1 - 16) * d);
        }
        break;
      }
      case "q4_k":
      case "q5_k": {
        const five = w.dtype === "q5_k";
        const d = f16At(b, o);
        const dmin = f16At(b, o + 2);
        const scales = o + 4;
        const qh = o + 16; // q5_k only
        let qs = five ? o + 48 : o + 16;
        let yy = y;
        for (let j = 0, is = 0; j < QK_K; j += 64, is += 2) {
          const [sc1, m1] = scaleMinK4(b, scales, is);
          const [sc2, m2] = scaleMinK4(b, scales, is + 1);
          const d1 = fround(d * sc1), min1 = fround(dmin * m1);
          const d2 = fround(d * sc2), min2 = fround(dmin * m2);
          const bitLo = 1 << (j / 32), bitHi = 2 << (j / 32); // q5_k: which bit of qh[l] belongs to this pair
          for (let l = 0; l < 32; l++) {
            const high = five && b[qh + l]! & bitLo ? 16 : 0;
            out[yy + l] = fround(fround(d1 * ((b[qs + l]! & 0xf) + high)) - min1);
          }
          for (let l = 0; l < 32; l++) {
            const high = five && b[qh + l]! & bitHi ? 16 : 0;
            out[yy + 32 + l] = fround(fround(d2 * ((b[qs + l]! >> 4) + high)) - min2);
          }
          qs += 32;
          yy += 64;
        }
        break;
      }
      case "q6_k": {
        const d = f16At(b, o + 208);
        for (let half = 0; half < 2; half++) {
          const ql = o + half * 64;
          const qh = o + 128 + half * 32;
          const sc = o + 192 + half * 8;
          const yy = y + half * 128;
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const h = b[qh + l]!;
            const q1 = ((b[ql + l]! & 0xf) | (((h >> 0) & 3) << 4)) - 32;
            const q2 = ((b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
            const q3 = ((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
            const q4 = ((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
            out[yy + l] = fround(fround(d * int8(b[sc + is]!)) * q1);
            out[yy + l + 32] = fround(fround(d * int8(b[sc + is + 2]!)) * q2);
            out[yy + l + 64] = fround(fround(d * int8(b[sc + is + 4]!)) * q3);
            out[yy + l + 96] = fround(fround(d * int8(b[sc + is + 6]!)) * q4);
          }
        }
        break;
      }
    }
  }
}

function int8(v: number): number {
  return (v << 24) >> 24;
}

/** The whole tensor as f32 (for small tensors: norms, biases, tests). */
export function dequantize(w: Tensor): Float32Array {
  const out = new Float32Array(w.size);
  const row = new Float32Array(w.rowLength);
  for (let r = 0; r < w.rows; r++) {
    dequantizeRow(w, r, row);
    out.set(row, r * w.rowLength);
  }
  return out;
}
