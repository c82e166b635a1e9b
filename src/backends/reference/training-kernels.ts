/**
 * The reference definitions of the training kernels (src/tensor/backend.ts): plain loops, written as the
 * formulas. The wasm backend's twins (assembly/gemm.ts, assembly/attention.ts) are held to these.
 */
import type { AdamWStep, BatchShape } from "../../tensor/backend.js";

/** C (M, N) (+)= op(A) (M, K) · op(B) (K, N); see Backend.gemm for the transposes. */
export function gemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  // element (i, k) of op(A) and (k, j) of op(B), whichever way they are stored
  const [sai, sak] = transA ? [1, M] : [K, 1];
  const [sbk, sbj] = transB ? [1, K] : [N, 1];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[i * sai + k * sak]! * b[k * sbk + j * sbj]!;
      c[i * N + j] = accumulate ? c[i * N + j]! + sum : sum;
    }
  }
}

/**
 * probs[b, h, t, s] = softmax_s(q[b, t, h] · k[b, s, g] / √hs) over s ≤ t, 0 for s > t, g = h / (H / Hkv);
 * out[b, t, h] = Σ_s probs[b, h, t, s] · v[b, s, g].
 */
export function causalAttention(out: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
  const { B, T, nHead: H, nKvHead: Hkv, headDim: hs } = shape;
  const scale = 1 / Math.sqrt(hs);
  const group = H / Hkv;
  const qAt = (b: number, t: number, h: number) => ((b * T + t) * H + h) * hs;
  const kvAt = (b: number, s: number, g: number) => ((b * T + s) * Hkv + g) * hs;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const row = ((b * H + h) * T + t) * T;
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let score = 0;
          for (let i = 0; i < hs; i++) score += q[qAt(b, t, h) + i]! * k[kvAt(b, s, g) + i]!;
          probs[row + s] = score * scale;
          max = Math.max(max, probs[row + s]!);
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) sum += probs[row + s] = Math.exp(probs[row + s]! - max);
        for (let s = 0; s < T; s++) probs[row + s] = s <= t ? probs[row + s]! / sum : 0;
        for (let i = 0; i < hs; i++) {
          let acc = 0;
          for (let s = 0; s <= t; s++) acc += probs[row + s]! * v[kvAt(b, s, g) + i]!;
          out[qAt(b, t, h) + i] = acc;
        }
      }
    }
  }
}

/**
 * Backward of causalAttention, with P the saved probs and S the scaled scores:
 *   dv[s] = Σ_t P[t, s] dOut[t]                 dP[t, s] = dOut[t] · v[s]
 *   dS[t, s] = P[t, s] (dP[t, s] − Σ_s' P[t, s'] dP[t, s'])      (softmax backward)
 *   dq[t] = Σ_s dS[t, s] k[s] / √hs             dk[s] = Σ_t dS[t, s] q[t] / √hs
 */
export function causalAttentionBackward(dq: Float32Array, dk: Float32Array, dv: Float32Array, dOut: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
  const { B, T, nHead: H, nKvHead: Hkv, headDim: hs } = shape;
  const scale = 1 / Math.sqrt(hs);
  const group = H / Hkv;
  const qAt = (b: number, t: number, h: number) => ((b * T + t) * H + h) * hs;
  const kvAt = (b: number, s: number, g: number) => ((b * T + s) * Hkv + g) * hs;
  dq.fill(0, 0, B * T * H * hs);
  dk.fill(0, 0, B * T * Hkv * hs);
  dv.fill(0, 0, B * T * Hkv * hs);
  const dP = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const row = ((b * H + h) * T + t) * T;
        let rowDot = 0;
        for (let s = 0; s <= t; s++) {
          let d = 0;
          for (let i = 0; i < hs; i++) d += dOut[qAt(b, t, h) + i]! * v[kvAt(b, s, g) + i]!;
          dP[s] = d;
          rowDot += probs[row + s]! * d;
          for (let i = 0; i < hs; i++) dv[kvAt(b, s, g) + i] += probs[row + s]! * dOut[qAt(b, t, h) + i]!;
        }
        for (let s = 0; s <= t; s++) {
          const dS = probs[row + s]! * (dP[s]! - rowDot) * scale;
          for (let i = 0; i < hs; i++) {
            dq[qAt(b, t, h) + i] += dS * k[kvAt(b, s, g) + i]!;
            dk[kvAt(b, s, g) + i] += dS * q[qAt(b, t, h) + i]!;
          }
        }
      }
    }
  }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** dx += dy · GELU′(x), GELU′(x) = ½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²). */
export function geluTanhBackward(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
    dx[i] += dy[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v));
  }
}

/**
 * AdamW, per element (as torch.optim.AdamW):
 *   m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²;   p ← p · shrink − stepSize · m / (√v / correction2 + eps)
 */
export function adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamWStep): void {
  for (let j = 0; j < p.length; j++) {
    const gj = g[j]!;
    m[j] = s.beta1 * m[j]! + (1 - s.beta1) * gj;
    v[j] = s.beta2 * v[j]! + (1 - s.beta2) * gj * gj;
    p[j] = p[j]! * s.shrink - (s.stepSize * m[j]!) / (Math.sqrt(v[j]!) / s.correction2 + s.eps);
  }
}

/** y = g σ(g) ⊙ u. */
export function swiglu(y: Float32Array, gate: Float32Array, up: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (gate[i]! / (1 + Math.exp(-gate[i]!))) * up[i]!;
}

/** dg += dy ⊙ u ⊙ σ(g)(1 + g(1 − σ(g))),  du += dy ⊙ g σ(g). */
export function swigluBackward(dGate: Float32Array, dUp: Float32Array, dy: Float32Array, gate: Float32Array, up: Float32Array): void {
  for (let i = 0; i < dy.length; i++) {
    const g = gate[i]!;
    const s = 1 / (1 + Math.exp(-g));
    dGate[i] += dy[i]! * up[i]! * s * (1 + g * (1 - s));
    dUp[i] += dy[i]! * g * s;
  }
}

/** probs = softmax(row); loss = log Σ exp(row − max) + max − row[target], per row. */
export function crossEntropy(probs: Float32Array, losses: Float32Array, logits: Float32Array, targets: Int32Array, V: number): void {
  for (let r = 0; r < targets.length; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[o + v] = Math.exp(logits[o + v]! - max);
    for (let v = 0; v < V; v++) probs[o + v] = probs[o + v]! / sum;
    const target = targets[r]!;
    losses[r] = target < 0 ? 0 : Math.log(sum) + max - logits[o + target]!;
  }
}

/** dLogits += scale · (probs − onehot(target)), rows with target ≥ 0. */
export function crossEntropyBackward(dLogits: Float32Array, probs: Float32Array, targets: Int32Array, V: number, scale: number): void {
  for (let r = 0; r < targets.length; r++) {
    const target = targets[r]!;
    if (target < 0) continue;
    for (let v = 0; v < V; v++) dLogits[r * V + v] += scale * (probs[r * V + v]! - (v === target ? 1 : 0));
  }
}

/** LayerNorm for training: x̂ = (x − μ)·r, r = 1/√(σ² + eps), y = x̂ ⊙ w (+ b), per row of C; saves x̂ and r. */
export function layerNormForward(y: Float32Array, xHat: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | undefined, C: number, eps: number): void {
  for (let r = 0; r < rstd.length; r++) {
    const o = r * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[o + c]!;
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[o + c]! - mean) ** 2;
    const s = 1 / Math.sqrt(variance / C + eps);
    rstd[r] = s;
    for (let c = 0; c < C; c++) {
      const h = (x[o + c]! - mean) * s;
      xHat[o + c] = h;
      y[o + c] = h * w[c]! + (b ? b[c]! : 0);
    }
  }
}

/** g = dy ⊙ w;  dx += r · (g − mean(g) − x̂ · mean(g ⊙ x̂));  dw += Σ_rows dy ⊙ x̂;  db += Σ_rows dy. */
export function layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array | undefined, dy: Float32Array, xHat: Float32Array, rstd: Float32Array, w: Float32Array, C: number): void {
  for (let r = 0; r < rstd.length; r++) {
    const o = r * C;
    let meanG = 0;
    let meanGx = 0;
    for (let c = 0; c < C; c++) {
      const g = dy[o + c]! * w[c]!;
      meanG += g;
      meanGx += g * xHat[o + c]!;
      dw[c] += dy[o + c]! * xHat[o + c]!;
      if (db) db[c] += dy[o + c]!;
    }
    meanG /= C;
    meanGx /= C;
    const s = rstd[r]!;
    for (let c = 0; c < C; c++) dx[o + c] += s * (dy[o + c]! * w[c]! - meanG - xHat[o + c]! * meanGx);
  }
}
