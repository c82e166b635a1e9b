// Inference attention over the KV cache (src/tensor/backend.ts `attention`): the queries of this call
// (T positions starting at pos0) against every cached key they may see. Shapes: q, out (T, H, hs);
// kCache, vCache (S, Hkv, hs) with S ≥ pos0 + T; probs (H, T, pos0 + T) when wanted (0: not wanted).
// A unit of work is one (position t, query head h) pair; units are independent, so threads split them.
// Each thread keeps its scores in its own slice of `scratch` (H · S floats per thread).

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
    a0 = madd(v128.load(q + o), v128.load(k + o), a0); // fused in the relaxed build: 16 fewer instructions per 64
    a1 = madd(v128.load(q + o, 16), v128.load(k + o, 16), a1);
    a2 = madd(v128.load(q + o, 32), v128.load(k + o, 32), a2);
    a3 = madd(v128.load(q + o, 48), v128.load(k + o, 48), a3);
  }
  return hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/**
 * For the query at position p = pos0 + t, head h, reading key/value head g = h / (H / Hkv):
 *   score[s] = q[t, h] · k[s, g] / √hs             for s in (p − window, p]
 *   out[t, h] = Σ_s softmax(score)[s] · v[s, g]
 * The units of one position that fall in [u0, u1) (a run of heads) go together, key by key: for each
 * cached position s, the dot products of all those heads with row s of the cache, then (after each head's
 * softmax) each head's weight on row s of the values. The cache is read front to back, each row once per
 * run, as the hardware prefetcher likes: in a decode step the ~70 MB of weights streamed since the layer's
 * last step have evicted it, and going head by head read it in 256-byte pieces 3 KB apart (one head of a
 * row), which measured 2× slower. Sums are made in the same order as head by head (over s, for each
 * output), so results are unchanged.
 */
export function attention_cached(out: usize, q: usize, kCache: usize, vCache: usize, probs: usize, scratch: usize, T: i32, pos0: i32, H: i32, Hkv: i32, hs: i32, window: i32, u0: i32, u1: i32, thread: i32): void {
  const S = pos0 + T;
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>hs);
  const group = H / Hkv;
  const scores = scratch + (<usize>thread * <usize>H * <usize>S << 2); // (H, S) for this thread
  const cacheRow = <usize>Hkv * hs << 2; // bytes of one position's keys (or values), all heads
  const headBytes = <usize>hs << 2;
  const hs32 = hs & ~31;
  for (let u = u0; u < u1;) {
    const t = u / H, h0 = u % H;
    const h1 = min(H, h0 + (u1 - u)); // this run: heads h0 .. h1 − 1 of position t
    const p = pos0 + t;
    const first = max(0, p - window + 1);
    const qRow = q + (<usize>t * H * hs << 2);
    const oRow = out + (<usize>t * H * hs << 2);
    for (let s = first; s <= p; s++) {
      const kRow = kCache + <usize>s * cacheRow;
      for (let h = h0; h < h1; h++) {
        const score = dotWide(qRow + <usize>h * headBytes, kRow + <usize>(h / group) * headBytes, hs) * scale;
        store<f32>(scores + ((<usize>(h - h0) * S + s) << 2), score);
      }
    }
    for (let h = h0; h < h1; h++) {
      // softmax over this head's scores in place: exp(score − max), then the weights × 1 / Σ
      const row = scores + ((<usize>(h - h0) * S + first) << 2);
      let best = -Infinity as f32;
      for (let s = 0; s <= p - first; s++) best = max(best, load<f32>(row + (<usize>s << 2)));
      const inv: f32 = 1 / expShifted(row, row, p - first + 1, best);
      for (let s = 0; s <= p - first; s++) store<f32>(row + (<usize>s << 2), load<f32>(row + (<usize>s << 2)) * inv);
      zero(oRow + <usize>h * headBytes, hs);
    }
    for (let s = first; s <= p; s++) {
      const vRow = vCache + <usize>s * cacheRow;
      for (let h = h0; h < h1; h++) {
        const o = oRow + <usize>h * headBytes, v = vRow + <usize>(h / group) * headBytes;
        const weight = f32x4.splat(load<f32>(scores + ((<usize>(h - h0) * S + s) << 2)));
        for (let c = 0; c < hs32; c += 4) v128.store(o + (<usize>c << 2), madd(weight, v128.load(v + (<usize>c << 2)), v128.load(o + (<usize>c << 2))));
        if (hs32 < hs) axpy(o + (<usize>hs32 << 2), f32x4.extract_lane(weight, 0), v + (<usize>hs32 << 2), hs - hs32);
      }
    }
    if (probs) {
      // the attention weights for the inspector: (H, T, S), zeros outside the visible range
      for (let h = h0; h < h1; h++) {
        const pRow = probs + ((<usize>h * T + t) * S << 2);
        zero(pRow, S);
        for (let s = first; s <= p; s++) store<f32>(pRow + (<usize>s << 2), load<f32>(scores + ((<usize>(h - h0) * S + s) << 2)));
      }
    }
    u += h1 - h0;
  }
}
