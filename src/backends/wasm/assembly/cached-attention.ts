// Inference attention over the KV cache (src/tensor/backend.ts `attention`): the queries of this call
// (T positions starting at pos0) against every cached key they may see. Shapes: q, out (T, H, hs);
// kCache, vCache (Hkv, capacity, hs), head-major, with capacity ≥ pos0 + T; probs (H, T, pos0 + T) when
// wanted (0: not wanted). A unit of work is one (position t, query head h) pair; units are independent, so
// threads split them. Each thread keeps its scores in its own slice of `scratch` (S floats per thread).

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
 *   score[s] = q[t, h] · k[g, s] / √hs             for s in (p − window, p]
 *   out[t, h] = Σ_s softmax(score)[s] · v[g, s]
 * Head-major caches make each unit's keys, then its values, one contiguous run of memory: in a decode step
 * the ~70 MB of weights streamed since the layer's last step have evicted the cache, and the hardware
 * prefetcher streams a contiguous run well. (With position-major rows (S, Hkv, hs), a thread taking half the
 * heads read 1.5 KB of every 3 KB row: stories110M at 65 positions, 55 µs cold for 6 heads, more than the
 * 42 µs all 12 heads took; contiguous, 23 µs.)
 */
export function attention_cached(out: usize, q: usize, kCache: usize, vCache: usize, probs: usize, scratch: usize, T: i32, pos0: i32, H: i32, Hkv: i32, hs: i32, window: i32, capacity: i32, u0: i32, u1: i32, thread: i32): void {
  const S = pos0 + T;
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>hs);
  const group = H / Hkv;
  const scores = scratch + (<usize>thread * <usize>S << 2); // (S) for this thread
  const headBytes = <usize>hs << 2;
  const cacheHead = <usize>capacity * headBytes; // bytes of one head's keys (or values), all positions
  const hs32 = hs & ~31;
  for (let u = u0; u < u1; u++) {
    const t = u / H, h = u % H;
    const p = pos0 + t;
    const first = max(0, p - window + 1);
    const qHead = q + (<usize>u * headBytes); // q[t, h]: units are numbered t · H + h, as q's rows
    const oHead = out + (<usize>u * headBytes);
    const kHead = kCache + <usize>(h / group) * cacheHead, vHead = vCache + <usize>(h / group) * cacheHead;
    let best = -Infinity as f32;
    for (let s = first; s <= p; s++) {
      const score = dotWide(qHead, kHead + <usize>s * headBytes, hs) * scale;
      store<f32>(scores + (<usize>s << 2), score);
      best = max(best, score);
    }
    // softmax in place: exp(score − max), then the weights × 1 / Σ
    const row = scores + (<usize>first << 2);
    const inv: f32 = 1 / expShifted(row, row, p - first + 1, best);
    for (let s = 0; s <= p - first; s++) store<f32>(row + (<usize>s << 2), load<f32>(row + (<usize>s << 2)) * inv);
    zero(oHead, hs);
    for (let s = first; s <= p; s++) {
      const v = vHead + <usize>s * headBytes;
      const weight = f32x4.splat(load<f32>(scores + (<usize>s << 2)));
      for (let c = 0; c < hs32; c += 4) v128.store(oHead + (<usize>c << 2), madd(weight, v128.load(v + (<usize>c << 2)), v128.load(oHead + (<usize>c << 2))));
      if (hs32 < hs) axpy(oHead + (<usize>hs32 << 2), f32x4.extract_lane(weight, 0), v + (<usize>hs32 << 2), hs - hs32);
    }
    if (probs) {
      // the attention weights for the inspector: (H, T, S), zeros outside the visible range
      const pRow = probs + ((<usize>h * T + t) * S << 2);
      zero(pRow, S);
      for (let s = first; s <= p; s++) store<f32>(pRow + (<usize>s << 2), load<f32>(scores + (<usize>s << 2)));
    }
  }
}

/**
 * Writes this call's keys and values into a layer's head-major cache: for units u = t · Hkv + g in [u0, u1),
 *   kCache[g, pos0 + t] = k[t, g],  vCache[g, pos0 + t] = v[t, g]        (hs floats each)
 * k, v (T, Hkv, hs) as the products wrote them; kCache, vCache (Hkv, capacity, hs).
 */
export function cache_write(kCache: usize, vCache: usize, k: usize, v: usize, Hkv: i32, hs: i32, capacity: i32, pos0: i32, u0: i32, u1: i32): void {
  const headBytes = <usize>hs << 2;
  for (let u = u0; u < u1; u++) {
    const t = u / Hkv, g = u % Hkv;
    const to = (<usize>g * <usize>capacity + <usize>(pos0 + t)) * headBytes;
    memory.copy(kCache + to, k + <usize>u * headBytes, headBytes);
    memory.copy(vCache + to, v + <usize>u * headBytes, headBytes);
  }
}
