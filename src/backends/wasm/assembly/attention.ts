// Batched causal self-attention for training, forward and backward (src/tensor/backend.ts
// `causalAttention`). Shapes: q (B, T, H, hs); k, v (B, T, Hkv, hs); out (B, T, H, hs); probs (B, H, T, T).
// A unit of work is one (batch, key/value head) pair: its H / Hkv query heads share k and v, so the
// backward pass can accumulate dk and dv for the unit without another thread touching them.

// @ts-ignore: decorator
@inline export function dot(x: usize, y: usize, n: i32): f32 {
  const n4 = n & ~3;
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(x + (<usize>i << 2)), v128.load(y + (<usize>i << 2))));
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) sum += load<f32>(x + (<usize>i << 2)) * load<f32>(y + (<usize>i << 2));
  return sum;
}

/** y += alpha · x over n floats. */
// @ts-ignore: decorator
@inline export function axpy(y: usize, alpha: f32, x: usize, n: i32): void {
  const n4 = n & ~3;
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(a, v128.load(x + o))));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) + alpha * load<f32>(x + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/**
 * probs[b, h, t, s] = softmax_s(q[b, t, h] · k[b, s, g] / √hs) for s ≤ t (0 above the diagonal), g = h / (H / Hkv)
 * out[b, t, h] = Σ_s probs[b, h, t, s] · v[b, s, g]
 */
export function attention_forward(out: usize, probs: usize, q: usize, k: usize, v: usize, T: i32, H: i32, Hkv: i32, hs: i32, u0: i32, u1: i32): void {
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>hs);
  const group = H / Hkv;
  for (let u = u0; u < u1; u++) {
    const b = u / Hkv, g = u % Hkv;
    for (let h = g * group; h < (g + 1) * group; h++) {
      for (let t = 0; t < T; t++) {
        const qRow = q + ((<usize>(b * T + t) * H + h) * hs << 2);
        const pRow = probs + ((<usize>(b * H + h) * T + t) * T << 2);
        let max = -Infinity as f32;
        for (let s = 0; s <= t; s++) {
          const score = dot(qRow, k + ((<usize>(b * T + s) * Hkv + g) * hs << 2), hs) * scale;
          store<f32>(pRow + (<usize>s << 2), score);
          if (score > max) max = score;
        }
        let sum: f32 = 0;
        for (let s = 0; s <= t; s++) {
          const e = Mathf.exp(load<f32>(pRow + (<usize>s << 2)) - max);
          store<f32>(pRow + (<usize>s << 2), e);
          sum += e;
        }
        const inv: f32 = 1 / sum;
        const oRow = out + ((<usize>(b * T + t) * H + h) * hs << 2);
        zero(oRow, hs);
        for (let s = 0; s <= t; s++) {
          const p = load<f32>(pRow + (<usize>s << 2)) * inv;
          store<f32>(pRow + (<usize>s << 2), p);
          axpy(oRow, p, v + ((<usize>(b * T + s) * Hkv + g) * hs << 2), hs);
        }
        if (t + 1 < T) zero(pRow + (<usize>(t + 1) << 2), T - t - 1);
      }
    }
  }
}

/**
 * The gradients of attention_forward, from dOut and the saved probs P:
 *   dv[s] = Σ_t P[t, s] dOut[t]            dP[t, s] = dOut[t] · v[s]
 *   dS[t, s] = P[t, s] (dP[t, s] − Σ_s' P[t, s'] dP[t, s'])          (the softmax's backward)
 *   dq[t] = Σ_s dS[t, s] k[s] / √hs        dk[s] = Σ_t dS[t, s] q[t] / √hs
 * dq, dk, dv are written (not accumulated); `scratch` holds T floats per unit.
 */
export function attention_backward(dq: usize, dk: usize, dv: usize, dOut: usize, probs: usize, q: usize, k: usize, v: usize, scratch: usize, T: i32, H: i32, Hkv: i32, hs: i32, u0: i32, u1: i32): void {
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>hs);
  const group = H / Hkv;
  for (let u = u0; u < u1; u++) {
    const b = u / Hkv, g = u % Hkv;
    const dp = scratch + (<usize>u * T << 2);
    for (let s = 0; s < T; s++) {
      zero(dk + ((<usize>(b * T + s) * Hkv + g) * hs << 2), hs);
      zero(dv + ((<usize>(b * T + s) * Hkv + g) * hs << 2), hs);
    }
    for (let h = g * group; h < (g + 1) * group; h++) {
      for (let t = 0; t < T; t++) {
        const doRow = dOut + ((<usize>(b * T + t) * H + h) * hs << 2);
        const pRow = probs + ((<usize>(b * H + h) * T + t) * T << 2);
        let rowDot: f32 = 0;
        for (let s = 0; s <= t; s++) {
          const kv = (<usize>(b * T + s) * Hkv + g) * hs << 2;
          const p = load<f32>(pRow + (<usize>s << 2));
          const d = dot(doRow, v + kv, hs);
          store<f32>(dp + (<usize>s << 2), d);
          rowDot += p * d;
          axpy(dv + kv, p, doRow, hs);
        }
        const qOff = (<usize>(b * T + t) * H + h) * hs << 2;
        zero(dq + qOff, hs);
        for (let s = 0; s <= t; s++) {
          const kv = (<usize>(b * T + s) * Hkv + g) * hs << 2;
          const dS = load<f32>(pRow + (<usize>s << 2)) * (load<f32>(dp + (<usize>s << 2)) - rowDot) * scale;
          axpy(dq + qOff, dS, k + kv, hs);
          axpy(dk + kv, dS, q + qOff, hs);
        }
      }
    }
  }
}
