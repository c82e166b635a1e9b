/**
 * Quantization of f32 rows into GGML blocks, written from llama.cpp's reference quantizers
 * (ggml-quants.c quantize_row_*_ref, used by llama-quantize when no importance matrix is given), with every
 * float operation rounded to f32 in C's order, so the blocks are byte-identical to llama-quantize's.
 * The layouts are those of dequantize.ts.
 *
 *   q8_0:  d = max|x| / 127,  q = round(x / d)                         (f16 d, 32 × int8)
 *   q4_0:  d = m / −8 (m: the x of largest |x|), q = min(15, trunc(x/d + 8.5)),  x ≈ d · (q − 8)
 *   q4_1:  d = (max − min) / 15, q = min(15, trunc((x − min)/d + 0.5)),          x ≈ d · q + min
 *   q5_0, q5_1: as q4_0, q4_1 with 5 bits (16.5, 31), the 5th bits packed in qh
 *   q4_k, q5_k: per 32-weight sub-block a scale and a min fitted by weighted least squares over trial
 *               grids (make_qkx2_quants), then both quantized to 6 bits against the super-block's d, dmin
 *   q6_k:  per 16-weight sub-block a scale fitted over 18 trial grids (make_qx_quants), 8-bit scales
 */
import { DTYPES, QK_K, type DType } from "../../core/dtype.js";
import { F16_TABLE, f32ToF16 } from "../../core/half.js";
import { roundHalfEven, scaleMinK4 } from "./block-math.js";

const fr = Math.fround;
const GROUP_MAX_EPS = 1e-15;

/** ggml's nearest_int (round half to even via the 1.5·2^23 trick). */
const nearestInt = roundHalfEven;

/** C's (int8_t) cast of a float in [0, 128): truncation. */
const trunc = Math.trunc;

function putF16(out: Uint8Array, at: number, x: number): void {
  const h = f32ToF16(x);
  out[at] = h & 0xff;
  out[at + 1] = h >> 8;
}

function f16Round(x: number): number {
  return F16_TABLE[f32ToF16(x)]!;
}

/** Quantizes x (a whole number of blocks) into out, which holds byteSize(dtype, x.length) bytes. */
export function quantizeRow(dtype: DType, x: Float32Array, out: Uint8Array): void {
  const { blockSize, bytesPerBlock } = DTYPES[dtype];
  for (let b = 0; b < x.length / blockSize; b++) {
    const xs = x.subarray(b * blockSize, (b + 1) * blockSize);
    const y = out.subarray(b * bytesPerBlock, (b + 1) * bytesPerBlock);
    switch (dtype) {
      case "q8_0":
        quantizeQ8_0(xs, y);
        break;
      case "q4_0":
      case "q5_0":
        quantizeSymmetric(xs, y, dtype === "q5_0");
        break;
      case "q4_1":
      case "q5_1":
        quantizeWithMin(xs, y, dtype === "q5_1");
        break;
      case "q4_k":
      case "q5_k":
        quantizeQ4Q5K(xs, y, dtype === "q5_k");
        break;
      case "q6_k":
        quantizeQ6K(xs, y);
        break;
      default:
        throw new Error(`quantizeRow: ${dtype} is not a block type`);
    }
  }
}

function quantizeQ8_0(x: Float32Array, y: Uint8Array): void {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[j]!));
  const d = fr(amax / 127);
  const id = d ? fr(1 / d) : 0;
  putF16(y, 0, d);
  for (let j = 0; j < 32; j++) y[2 + j] = Math.round(Math.abs(fr(x[j]! * id))) * Math.sign(fr(x[j]! * id)) & 0xff; // roundf: half away from zero
}

/** q4_0 and q5_0: d = m / −2^(bits−1), where m is the value of largest magnitude. */
function quantizeSymmetric(x: Float32Array, y: Uint8Array, five: boolean): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    if (amax < Math.abs(x[j]!)) (amax = Math.abs(x[j]!)), (max = x[j]!);
  }
  const d = fr(max / (five ? -16 : -8));
  const id = d ? fr(1 / d) : 0;
  putF16(y, 0, d);
  const offset = five ? 16.5 : 8.5;
  const top = five ? 31 : 15;
  const qs = five ? 6 : 2;
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const q0 = Math.min(top, trunc(fr(fr(x[j]! * id) + offset)));
    const q1 = Math.min(top, trunc(fr(fr(x[j + 16]! * id) + offset)));
    y[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
    qh |= ((q0 & 0x10) >> 4) << j;
    qh |= ((q1 & 0x10) >> 4) << (j + 16);
  }
  if (five) for (let k = 0; k < 4; k++) y[2 + k] = (qh >>> (8 * k)) & 0xff;
}

/** q4_1 and q5_1: an offset (the minimum) and a step. */
function quantizeWithMin(x: Float32Array, y: Uint8Array, five: boolean): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < 32; j++) (min = Math.min(min, x[j]!)), (max = Math.max(max, x[j]!));
  const d = fr(fr(max - min) / (five ? 31 : 15));
  const id = d ? fr(1 / d) : 0;
  putF16(y, 0, d);
  putF16(y, 2, min);
  const top = five ? 31 : 15;
  const qs = five ? 8 : 4;
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const q0 = Math.min(top, trunc(fr(fr(fr(x[j]! - min) * id) + 0.5)));
    const q1 = Math.min(top, trunc(fr(fr(fr(x[j + 16]! - min) * id) + 0.5)));
    y[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
    qh |= ((q0 & 0x10) >> 4) << j;
    qh |= ((q1 & 0x10) >> 4) << (j + 16);
  }
  if (five) for (let k = 0; k < 4; k++) y[4 + k] = (qh >>> (8 * k)) & 0xff;
}

/**
 * make_qkx2_quants: the scale and min of one sub-block that minimize the weighted error, searching
 * nstep + 1 grids (steps of 0.1 from rmin) around the plain min/max fit. Returns [scale, −min] and writes the levels to L.
 */
function fitScaleMin(x: Float32Array, weights: Float32Array, L: Uint8Array, nmax: number, rmin: number, nstep: number): [number, number] {
  const n = x.length;
  const rdelta = 0.1;
  let min = x[0]!;
  let max = x[0]!;
  let sumW = weights[0]!;
  let sumX = fr(sumW * x[0]!);
  for (let i = 1; i < n; i++) {
    if (x[i]! < min) min = x[i]!;
    if (x[i]! > max) max = x[i]!;
    sumW = fr(sumW + weights[i]!);
    sumX = fr(sumX + fr(weights[i]! * x[i]!));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0);
    return [0, -min];
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(fr(iscale * fr(x[i]! - min)));
    L[i] = Math.max(0, Math.min(nmax, l));
    const diff = fr(fr(fr(scale * L[i]!) + min) - x[i]!);
    bestError = fr(bestError + fr(weights[i]! * fr(diff * diff)));
  }
  const aux = new Uint8Array(n);
  for (let is = 0; is <= nstep; is++) {
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[i]! - min)))));
      aux[i] = l;
      const w = weights[i]!;
      sumL = fr(sumL + fr(w * l));
      sumL2 = fr(sumL2 + fr(fr(w * l) * l));
      sumXL = fr(sumXL + fr(fr(w * l) * x[i]!));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        const diff = fr(fr(fr(thisScale * aux[i]!) + thisMin) - x[i]!);
        curError = fr(curError + fr(weights[i]! * fr(diff * diff)));
      }
      if (curError < bestError) {
        L.set(aux);
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/** q4_k / q5_k: 8 sub-blocks of 32, each with a 6-bit scale and min under the super-block's d and dmin. */
function quantizeQ4Q5K(x: Float32Array, y: Uint8Array, five: boolean): void {
  const nmax = five ? 31 : 15;
  const L = new Uint8Array(QK_K);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  const weights = new Float32Array(32);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xs = x.subarray(32 * j, 32 * j + 32);
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(xs[l]! * xs[l]!));
    const avX = fr(Math.sqrt(fr(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = fr(avX + Math.abs(xs[l]!));
    // q4_k searches 21 grids from −1, q5_k 16 grids from −0.5 (quantize_row_q{4,5}_K_ref)
    [scales[j], mins[j]] = fitScaleMin(xs, weights, L.subarray(32 * j, 32 * j + 32), nmax, five ? -0.5 : -1, five ? 15 : 20);
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
  const sc = y.subarray(4, 16);
  sc.fill(0);
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(fr(invScale * scales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(fr(invMin * mins[j]!)) & 0xff);
    if (j < 4) {
      sc[j] = ls;
      sc[j + 4] = lm;
    } else {
      sc[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      sc[j - 4]! |= (ls >> 4) << 6;
      sc[j]! |= (lm >> 4) << 6;
    }
  }
  putF16(y, 0, fr(maxScale / 63));
  putF16(y, 2, fr(maxMin / 63));
  const d = f16Round(fr(maxScale / 63));
  const dmin = f16Round(fr(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const [s, m] = scaleMinK4(sc, 0, j);
    const dj = fr(d * s);
    if (!dj) continue;
    const dm = fr(dmin * m);
    for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(fr(fr(x[32 * j + i]! + dm) / dj))));
  }
  if (five) {
    const qh = y.subarray(16, 48);
    const ql = y.subarray(48, 176);
    qh.fill(0);
    let m1 = 1;
    let m2 = 2;
    for (let n = 0, q = 0; n < QK_K; n += 64, q += 32) {
      for (let j = 0; j < 32; j++) {
        let l1 = L[n + j]!;
        if (l1 > 15) (l1 -= 16), (qh[j]! |= m1);
        let l2 = L[n + j + 32]!;
        if (l2 > 15) (l2 -= 16), (qh[j]! |= m2);
        ql[q + j] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
    }
  } else {
    const qs = y.subarray(16, 144);
    for (let j = 0, q = 0; j < QK_K; j += 64, q += 32) for (let l = 0; l < 32; l++) qs[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
  }
}

/** make_qx_quants with rmse_type 1 (weights x²): the best signed scale for one sub-block. */
function fitSignedScale(x: Float32Array, L: Int8Array, nmax: number): number {
  const n = x.length;
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]!);
    if (ax > amax) (amax = ax), (max = x[i]!);
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0);
    return 0;
  }
  let iscale = fr(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * x[i]!))));
    L[i] = l + nmax;
    const w = fr(x[i]! * x[i]!);
    sumLX = fr(sumLX + fr(fr(w * x[i]!) * l));
    sumL2 = fr(sumL2 + fr(fr(w * l) * l));
  }
  let scale = sumL2 ? fr(sumLX / sumL2) : 0;
  let best = fr(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fr(-fr(nmax + fr(0.1 * is)) / max);
    sumLX = sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * x[i]!))));
      const w = fr(x[i]! * x[i]!);
      sumLX = fr(sumLX + fr(fr(w * x[i]!) * l));
      sumL2 = fr(sumL2 + fr(fr(w * l) * l));
    }
    if (sumL2 > 0 && fr(sumLX * sumLX) > fr(best * sumL2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * x[i]!))));
      scale = fr(sumLX / sumL2);
      best = fr(scale * sumLX);
    }
  }
  return scale;
}

/** q6_k: 16 sub-blocks of 16 with signed 8-bit scales under one f16 d. */
function quantizeQ6K(x: Float32Array, y: Uint8Array): void {
  const L = new Int8Array(QK_K);
  const scales = new Float32Array(16);
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    scales[ib] = fitSignedScale(x.subarray(16 * ib, 16 * ib + 16), L.subarray(16 * ib, 16 * ib + 16), 32);
    if (Math.abs(scales[ib]!) > maxAbsScale) (maxAbsScale = Math.abs(scales[ib]!)), (maxScale = scales[ib]!);
  }
  y.fill(0);
  if (maxAbsScale < GROUP_MAX_EPS) return;
  const iscale = fr(-128 / maxScale);
  putF16(y, 208, fr(1 / iscale));
  const d = f16Round(fr(1 / iscale));
  const sc = new Int8Array(y.buffer, y.byteOffset + 192, 16);
  for (let ib = 0; ib < 16; ib++) sc[ib] = Math.min(127, nearestInt(fr(iscale * scales[ib]!)));
  for (let j = 0; j < 16; j++) {
    const dj = fr(d * sc[j]!);
    if (!dj) continue;
    for (let i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(fr(x[16 * j + i]! / dj)))) + 32;
  }
  const ql = y.subarray(0, 128);
  const qh = y.subarray(128, 192);
  for (let j = 0, o = 0, h = 0; j < QK_K; j += 128, o += 64, h += 32) {
    for (let l = 0; l < 32; l++) {
      const [q1, q2, q3, q4] = [L[j + l]!, L[j + l + 32]!, L[j + l + 64]!, L[j + l + 96]!];
      ql[o + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      ql[o + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      qh[h + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}
