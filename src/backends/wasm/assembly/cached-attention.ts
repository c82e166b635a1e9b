// Inference attention over the KV cache (src/tensor/backend.ts `attention`): the queries of this call
// (T positions starting at pos0) against every cached key they may see. Shapes: q, out (T, H, hs);
// kCache, vCache (S, Hkv, hs) with S ≥ pos0 + T; probs (H, T, pos0 + T) when wanted (0: not wanted).
// A unit of work is one (position t, query head h) pair; units are independent, so threads split them.
// Each thread keeps its scores in its own slice of `scratch` (S floats per thread).

import { axpy, dot, zero } from "./attention";
import { expShifted } from "./elementwise";
import { hsum, madd } from "./simd";

/** q · k over hs floats with four independent accumulators (hs is usually 64 or 128: 16–32 vector steps,
 *  which one accumulator chain would serialise on the add latency). */
// @ts-ignore: decorator
@inline function dotWide(q: usize, k: usize, hs: i32): f32 {
  if (hs & 15) return dot(q, k, hs);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let o: usize = 0, end = <usize>hs << 2; o < end; o += 64) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load(q + o), v128.load(k + o)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(q + o, 16), v128.load(k + o, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(q + o, 32), v128.load(k + o, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(q + o, 48), v128.load(k + o, 48)));
  }
  return hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/**
 * For the query at position p = pos0 + t, head h, reading key/value head g = h / (H / Hkv):
 *   score[s] = q[t, h] · k[s, g] / √hs             for s in (p − window, p]
 *   out[t, h] = Σ_s softmax(score)[s] · v[s, g]
 */
export function attention_cached(out: usize, q: usize, kCache: usize, vCache: usize, probs: usize, scratch: usize, T: i32, pos0: i32, H: i32, Hkv: i32, hs: i32, window: i32, u0: i32, u1: i32, thread: i32): void {
  const S = pos0 + T;
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>hs);
  const group = H / Hkv;
  const scores = scratch + (<usize>thread * <usize>S << 2);
  for (let u = u0; u < u1; u++) {
    const t = u / H, h = u % H;
    const g = h / group;
    const p = pos0 + t;
    const first = max(0, p - window + 1);
    const qRow = q + ((<usize>t * H + h) * hs << 2);
    let best = -Infinity as f32;
    for (let s = first; s <= p; s++) {
      const score = dotWide(qRow, kCache + ((<usize>s * Hkv + g) * hs << 2), hs) * scale;
      store<f32>(scores + (<usize>s << 2), score);
      if (score > best) best = score;
    }
    const sum = expShifted(scores + (<usize>first << 2), scores + (<usize>first << 2), p - first + 1, best);
    const inv: f32 = 1 / sum;
    const oRow = out + ((<usize>t * H + h) * hs << 2);
    weightedSum(oRow, scores, first, p, vCache + (<usize>g * hs << 2), <usize>Hkv * hs << 2, hs, inv);
    if (probs) {
      // the attention weights for the inspector: (H, T, S), zeros outside the visible range
      const pRow = probs + ((<usize>h * T + t) * S << 2);
      zero(pRow, S);
      for (let s = first; s <= p; s++) store<f32>(pRow + (<usize>s << 2), load<f32>(scores + (<usize>s << 2)) * inv);
    }
  }
}

/**
 * out (hs) = Σ_{s = first..last} (w[s] · scale) · v[s], v[s] at v0 + s · stride. Eight vectors of out stay in
 * registers while every key's weight is applied (32 floats of the head at a time), instead of loading and
 * storing out once per key.
 */
function weightedSum(out: usize, w: usize, first: i32, last: i32, v0: usize, stride: usize, hs: i32, scale: f32): void {
  let c = 0;
  for (; c + 32 <= hs; c += 32) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    let vp = v0 + <usize>first * stride + (<usize>c << 2);
    for (let s = first; s <= last; s++, vp += stride) {
      const p = f32x4.splat(load<f32>(w + (<usize>s << 2)) * scale);
      a0 = madd(p, v128.load(vp), a0); a1 = madd(p, v128.load(vp, 16), a1);
      a2 = madd(p, v128.load(vp, 32), a2); a3 = madd(p, v128.load(vp, 48), a3);
      a4 = madd(p, v128.load(vp, 64), a4); a5 = madd(p, v128.load(vp, 80), a5);
      a6 = madd(p, v128.load(vp, 96), a6); a7 = madd(p, v128.load(vp, 112), a7);
    }
    const o = out + (<usize>c << 2);
    v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
    v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
  }
  if (c < hs) {
    // the rest of the head (hs not a multiple of 32), one key at a time
    zero(out + (<usize>c << 2), hs - c);
    for (let s = first; s <= last; s++) axpy(out + (<usize>c << 2), load<f32>(w + (<usize>s << 2)) * scale, v0 + <usize>s * stride + (<usize>c << 2), hs - c);
  }
}
