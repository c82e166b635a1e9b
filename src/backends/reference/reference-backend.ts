/**
 * The reference backend: every kernel as the plainest loop that computes it. It is the living definition
 * the fast backends are tested against, so clarity beats speed here. Sums accumulate in JavaScript numbers
 * (f64) and are rounded to f32 once when stored.
 */
import { cacheCapacity, type AdamWStep, type AttentionShape, type Backend, type BatchShape, type RopeStyle } from "../../tensor/backend.js";
import * as training from "./training-kernels.js";
import type { Tensor } from "../../tensor/tensor.js";
import { activationFormat, quantizeActivations, roundTripActivations } from "./activation-quant.js";
import { INTEGER_DOT_DTYPES, integerDot } from "./quantized-dot.js";
import { dequantizeRow } from "./dequantize.js";

const fround = Math.fround;

export class ReferenceBackend implements Backend {
  readonly name: string = "reference";

  matmuls(ys: readonly Float32Array[], x: Float32Array, ws: readonly Tensor[], T: number): void {
    ws.forEach((w, i) => this.matmul(ys[i]!, x, w, T));
  }

  matmul(y: Float32Array, x: Float32Array, w: Tensor, T: number): void {
    const [N, K] = [w.rows, w.rowLength];
    if (x.length < T * K || y.length < T * N) throw new Error(`matmul: x (${T}, ${K}) or y (${T}, ${N}) too short`);
    const format = activationFormat(w.dtype);
    if (format && INTEGER_DOT_DTYPES.has(w.dtype)) {
      // llama.cpp's integer form: 8-bit activations, exact integer sums per block (quantized-dot.ts)
      const ints = new Int32Array(32);
      const xq = quantizeActivations(x.subarray(0, T * K), format);
      for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) y[t * N + n] = integerDot(w, n, xq, t, ints);
      return;
    }
    if (format) {
      // quantized weights meet 8-bit-rounded activations, as in llama.cpp (activation-quant.ts)
      const rounded = new Float32Array(T * K);
      for (let t = 0; t < T; t++) roundTripActivations(x.subarray(t * K, (t + 1) * K), format, rounded.subarray(t * K, (t + 1) * K));
      x = rounded;
    }
    const row = new Float32Array(K);
    for (let n = 0; n < N; n++) {
      dequantizeRow(w, n, row); // W[n, :]
      for (let t = 0; t < T; t++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum += x[t * K + k]! * row[k]!;
        y[t * N + n] = sum;
      }
    }
  }

  embedding(out: Float32Array, w: Tensor, ids: readonly number[]): void {
    const C = w.rowLength;
    const row = new Float32Array(C);
    ids.forEach((id, i) => {
      if (!(id >= 0 && id < w.rows)) throw new RangeError(`token id ${id} is outside the vocabulary (0..${w.rows - 1})`);
      dequantizeRow(w, id, row);
      out.set(row, i * C);
    });
  }

  rmsNorm(y: Float32Array, x: Float32Array, weight: Float32Array, C: number, eps: number): void {
    for (let r = 0; r < x.length / C; r++) {
      let sumSquares = 0;
      for (let c = 0; c < C; c++) sumSquares += x[r * C + c]! ** 2;
      // subtle: rounded to f32 step by step, as ggml computes it (sum in double, the rest in float), so an
      // 8-bit rounding of the result downstream sees the same values as llama.cpp
      const scale = fround(1 / fround(Math.sqrt(fround(fround(sumSquares / C) + eps))));
      for (let c = 0; c < C; c++) y[r * C + c] = fround(x[r * C + c]! * scale) * weight[c]!;
    }
  }

  layerNorm(y: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array, C: number, eps: number): void {
    for (let r = 0; r < x.length / C; r++) {
      let mean = 0;
      for (let c = 0; c < C; c++) mean += x[r * C + c]!;
      mean /= C;
      let variance = 0;
      for (let c = 0; c < C; c++) variance += (x[r * C + c]! - mean) ** 2;
      variance /= C;
      const scale = 1 / Math.sqrt(variance + eps);
      for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c]! - mean) * scale * weight[c]! + bias[c]!;
    }
  }

  rope(x: Float32Array, T: number, nHeads: number, headDim: number, positions: Int32Array, invFreq: Float32Array, style: RopeStyle): void {
    const pairs = invFreq.length;
    const { cos, sin } = this.ropeAngles(positions, T, invFreq);
    for (let t = 0; t < T; t++) {
      const angles = t * pairs;
      for (let h = 0; h < nHeads; h++) {
        const base = (t * nHeads + h) * headDim;
        for (let i = 0; i < pairs; i++) {
          // interleaved: (x[2i], x[2i+1]); halves: (x[i], x[i + rotated/2])
          const ia = style === "interleaved" ? base + 2 * i : base + i;
          const ib = style === "interleaved" ? ia + 1 : ia + pairs;
          const a = x[ia]!, b = x[ib]!;
          x[ia] = a * cos[angles + i]! - b * sin[angles + i]!;
          x[ib] = a * sin[angles + i]! + b * cos[angles + i]!;
        }
      }
    }
  }

  /** The last call's angles, (T, pairs): a forward pass rotates q and k of every layer at the same positions. */
  protected lastRope?: { positions: Int32Array; invFreq: Float32Array; cos: Float64Array; sin: Float64Array };

  /** cos and sin of θ = position · invFreq[i] for each of the T positions, (T, pairs): computed once for a
   *  forward pass's positions instead of twice per layer (Math.cos and Math.sin were 3% of a decode step). */
  protected ropeAngles(positions: Int32Array, T: number, invFreq: Float32Array): { cos: Float64Array; sin: Float64Array } {
    const last = this.lastRope;
    if (last && last.invFreq === invFreq && last.positions.length === T && last.positions.every((p, t) => p === positions[t])) return last;
    const pairs = invFreq.length;
    const cos = new Float64Array(T * pairs), sin = new Float64Array(T * pairs);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < pairs; i++) {
        const theta = positions[t]! * invFreq[i]!;
        cos[t * pairs + i] = Math.cos(theta);
        sin[t * pairs + i] = Math.sin(theta);
      }
    }
    this.lastRope = { positions: positions.slice(0, T), invFreq, cos, sin };
    return this.lastRope;
  }

  softmax(x: Float32Array, cols: number): void {
    for (let r = 0; r < x.length / cols; r++) {
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]!);
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c]! - max);
      for (let c = 0; c < cols; c++) x[r * cols + c] = Math.exp(x[r * cols + c]! - max) / sum;
    }
  }

  addBias(y: Float32Array, bias: Float32Array): void {
    for (let i = 0; i < y.length; i++) y[i]! += bias[i % bias.length]!;
  }

  add(y: Float32Array, a: Float32Array, b: Float32Array): void {
    for (let i = 0; i < y.length; i++) y[i] = a[i]! + b[i]!;
  }

  mul(y: Float32Array, a: Float32Array, b: Float32Array): void {
    for (let i = 0; i < y.length; i++) y[i] = a[i]! * b[i]!;
  }

  silu(x: Float32Array): void {
    for (let i = 0; i < x.length; i++) x[i] = x[i]! / (1 + Math.exp(-x[i]!));
  }

  geluTanh(x: Float32Array): void {
    const c = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      x[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)));
    }
  }

  attention(out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array, shape: AttentionShape, probs?: Float32Array): void {
    const { T, pos0, nHead, nKvHead, headDim: hs, window } = shape;
    const S = pos0 + T; // keys visible to the last query
    const capacity = cacheCapacity(kCache, vCache, shape); // the caches are (Hkv, capacity, hs)
    const group = nHead / nKvHead; // query heads per key/value head
    const scale = 1 / Math.sqrt(hs);
    const scores = new Float64Array(S);
    for (let t = 0; t < T; t++) {
      const p = pos0 + t; // this query's position
      const first = Math.max(0, p - window + 1);
      for (let h = 0; h < nHead; h++) {
        const kvh = Math.floor(h / group);
        const qOff = (t * nHead + h) * hs;
        let max = -Infinity;
        for (let s = first; s <= p; s++) {
          const kOff = (kvh * capacity + s) * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += q[qOff + i]! * kCache[kOff + i]!;
          scores[s] = dot * scale;
          max = Math.max(max, scores[s]!);
        }
        let sum = 0;
        for (let s = first; s <= p; s++) sum += (scores[s] = Math.exp(scores[s]! - max));
        const oOff = (t * nHead + h) * hs;
        for (let i = 0; i < hs; i++) out[oOff + i] = 0;
        for (let s = first; s <= p; s++) {
          const weight = scores[s]! / sum;
          if (probs) probs[(h * T + t) * S + s] = weight;
          const vOff = (kvh * capacity + s) * hs;
          for (let i = 0; i < hs; i++) out[oOff + i]! += weight * vCache[vOff + i]!;
        }
      }
    }
  }

  gemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    training.gemm(c, a, b, M, N, K, transA, transB, accumulate);
  }

  causalAttention(out: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
    training.causalAttention(out, probs, q, k, v, shape);
  }

  causalAttentionBackward(dq: Float32Array, dk: Float32Array, dv: Float32Array, dOut: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
    training.causalAttentionBackward(dq, dk, dv, dOut, probs, q, k, v, shape);
  }

  geluTanhBackward(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
    training.geluTanhBackward(dx, dy, x);
  }

  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: AdamWStep): void {
    training.adamw(p, g, m, v, step);
  }

  swiglu(y: Float32Array, gate: Float32Array, up: Float32Array): void {
    training.swiglu(y, gate, up);
  }

  layerNormForward(y: Float32Array, xHat: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | undefined, C: number, eps: number): void {
    training.layerNormForward(y, xHat, rstd, x, w, b, C, eps);
  }

  layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array | undefined, dy: Float32Array, xHat: Float32Array, rstd: Float32Array, w: Float32Array, C: number): void {
    training.layerNormBackward(dx, dw, db, dy, xHat, rstd, w, C);
  }

  swigluBackward(dGate: Float32Array, dUp: Float32Array, dy: Float32Array, gate: Float32Array, up: Float32Array): void {
    training.swigluBackward(dGate, dUp, dy, gate, up);
  }

  crossEntropy(probs: Float32Array, losses: Float32Array, logits: Float32Array, targets: Int32Array, V: number): void {
    training.crossEntropy(probs, losses, logits, targets, V);
  }

  crossEntropyBackward(dLogits: Float32Array, probs: Float32Array, targets: Int32Array, V: number, scale: number): void {
    training.crossEntropyBackward(dLogits, probs, targets, V, scale);
  }
}
