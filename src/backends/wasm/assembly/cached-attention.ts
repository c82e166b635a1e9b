// Inference attention over the KV cache (src/tensor/backend.ts `attention`): the queries of this call
// (T positions starting at pos0) against every cached key they may see. Shapes: q, out (T, H, hs);
// kCache, vCache (S, Hkv, hs) with S ≥ pos0 + T; probs (H, T, pos0 + T) when wanted (0: not wanted).
// A unit of work is one (position t, query head h) pair; units are independent, so threads split them.
// Each thread keeps its scores in its own slice of `scratch` (S floats per thread).

import { axpy, dot, zero } from "./attention";

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
  const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
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
    let sum: f32 = 0;
    for (let s = first; s <= p; s++) {
      const e = Mathf.exp(load<f32>(scores + (<usize>s << 2)) - best);
      store<f32>(scores + (<usize>s << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    const oRow = out + ((<usize>t * H + h) * hs << 2);
    zero(oRow, hs);
    for (let s = first; s <= p; s++) axpy(oRow, load<f32>(scores + (<usize>s << 2)) * inv, vCache + ((<usize>s * Hkv + g) * hs << 2), hs);
    if (probs) {
      // the attention weights for the inspector: (H, T, S), zeros outside the visible range
      const pRow = probs + ((<usize>h * T + t) * S << 2);
      zero(pRow, S);
      for (let s = first; s <= p; s++) store<f32>(pRow + (<usize>s << 2), load<f32>(scores + (<usize>s << 2)) * inv);
    }
  }
}
