// Elementwise kernels for training (and the residual adds of inference), four floats per step.

import { hsum } from "./simd";

/**
 * e^x for four floats: x = n·ln2 + r with n = round(x / ln2) and |r| ≤ ln2/2, so e^x = 2ⁿ · e^r; e^r from
 * its Taylor series to r⁶ (relative error < 2e-7 on that range), 2ⁿ built directly in the exponent bits.
 * subtle: the clamp uses pmin/pmax (x86: one minps/maxps each; f32x4.min/max cost ~7 instructions each for
 * IEEE NaN and ±0 rules that cannot matter against these two constants), with x first so a NaN stays NaN;
 * and n (an integer in −126..127 after the clamp) reaches the exponent bits through the float addition of
 * 1.5 · 2²³, whose low mantissa bits are then n exactly, instead of a saturating conversion (~7 instructions
 * in V8). The same bits as the min/max/trunc_sat form on 2^20 random bit patterns (NaNs, infinities and
 * subnormals included; swiglu, GELU, softmax, both builds); swiglu on 2048 values 8.5 → 5.7 µs.
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  const clamped = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(1.4426950408889634)));
  // r = x − n·ln2, with ln2 split in two so the product is exact to float precision (Cody–Waite)
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693145751953125)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606765330187e-6)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  // bits(n + 1.5·2²³) = bits(1.5·2²³) + n, so 2ⁿ's bits are (that − bits(1.5·2²³) + 127) << 23
  const magic = f32x4.splat(12582912.0);
  const twoToN = i32x4.shl(i32x4.sub(f32x4.add(n, magic), i32x4.splat(0x4b400000 - 127)), 23);
  return f32x4.mul(p, twoToN);
}

/**
 * dst[i] = e^(src[i] − shift) for n floats, four at a time (dst may be src); returns Σ dst, the lanes' sums
 * added in order, then the tail. Softmax's numerator and denominator (cross-entropy, attention).
 */
export function expShifted(dst: usize, src: usize, n: i32, shift: f32): f32 {
  const m = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = exp4(f32x4.sub(v128.load(src + (<usize>i << 2)), m));
    v128.store(dst + (<usize>i << 2), e);
    acc = f32x4.add(acc, e);
  }
  let sum = hsum(acc);
  for (; i < n; i++) {
    const e = Mathf.exp(load<f32>(src + (<usize>i << 2)) - shift);
    store<f32>(dst + (<usize>i << 2), e);
    sum += e;
  }
  return sum;
}

/** tanh(u) = 1 − 2 / (e^{2u} + 1), four at a time (saturates cleanly to ±1). */
// @ts-ignore: decorator
@inline function tanh4(u: v128): v128 {
  const e = exp4(f32x4.add(u, u));
  return f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
}

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

/** x ← ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))) for x[i0 .. i1). */
export function gelu_tanh(x: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const p = x + (<usize>i << 2);
    const v = v128.load(p);
    const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(v, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(v, f32x4.mul(v, v)))));
    v128.store(p, f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), tanh4(u))));
  }
  for (; i < i1; i++) {
    const p = x + (<usize>i << 2);
    const v = load<f32>(p);
    store<f32>(p, 0.5 * v * (1 + Mathf.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
  }
}

/** dx += dy · GELU′(x), GELU′(x) = ½ (1 + t) + ½ x (1 − t²) √(2/π) (1 + 3·0.044715 x²), t = tanh(u). */
export function gelu_tanh_backward(dx: usize, dy: usize, x: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const v2 = f32x4.mul(v, v);
    const t = tanh4(f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(v, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(v, v2)))));
    const half = f32x4.splat(0.5);
    const du = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3 * 0.044715), v2)));
    const slope = f32x4.add(f32x4.mul(half, f32x4.add(f32x4.splat(1), t)), f32x4.mul(f32x4.mul(half, v), f32x4.mul(f32x4.sub(f32x4.splat(1), f32x4.mul(t, t)), du)));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(v128.load(dy + o), slope)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    const t = Mathf.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
    const slope: f32 = <f32>0.5 * (1 + t) + <f32>0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + <f32>(3 * 0.044715) * v * v);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * slope);
  }
}

/** y = a + b over [i0, i1) (y may alias a or b). */
export function add_f32(y: usize, a: usize, b: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** One AdamW update of n parameters (src/training/adamw.ts has the formula; the caller folds the constants). */
export function adamw(p: usize, g: usize, m: usize, v: usize, n: i32, shrink: f32, beta1: f32, beta2: f32, stepSize: f32, correction2: f32, eps: f32): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), c1 = f32x4.splat(1 - beta1), c2 = f32x4.splat(1 - beta2);
  const s = f32x4.splat(shrink), step = f32x4.splat(stepSize), root = f32x4.splat(correction2), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(vi), root), e);
    v128.store(p + o, f32x4.sub(f32x4.mul(v128.load(p + o), s), f32x4.div(f32x4.mul(step, mi), denominator)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) * shrink - (stepSize * mi) / (Mathf.sqrt(vi) / correction2 + eps));
  }
}

/** silu(g) ⊙ u = g σ(g) u, for [i0, i1). */
export function swiglu(y: usize, gate: usize, up: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(gate + o);
    const sigmoid = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(g))));
    v128.store(y + o, f32x4.mul(f32x4.mul(g, sigmoid), v128.load(up + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(gate + o);
    store<f32>(y + o, (g / (1 + Mathf.exp(-g))) * load<f32>(up + o));
  }
}

/** dGate += dy ⊙ u ⊙ σ(g) (1 + g (1 − σ(g))),  dUp += dy ⊙ g σ(g), for [i0, i1). */
export function swiglu_backward(dGate: usize, dUp: usize, dy: usize, gate: usize, up: usize, i0: i32, i1: i32): void {
  let i = i0;
  const one = f32x4.splat(1);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(gate + o);
    const d = v128.load(dy + o);
    const s = f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(g))));
    const slope = f32x4.mul(s, f32x4.add(one, f32x4.mul(g, f32x4.sub(one, s))));
    v128.store(dGate + o, f32x4.add(v128.load(dGate + o), f32x4.mul(f32x4.mul(d, v128.load(up + o)), slope)));
    v128.store(dUp + o, f32x4.add(v128.load(dUp + o), f32x4.mul(d, f32x4.mul(g, s))));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(gate + o);
    const d = load<f32>(dy + o);
    const s: f32 = 1 / (1 + Mathf.exp(-g));
    store<f32>(dGate + o, load<f32>(dGate + o) + d * load<f32>(up + o) * s * (1 + g * (1 - s)));
    store<f32>(dUp + o, load<f32>(dUp + o) + d * g * s);
  }
}

/**
 * Softmax cross-entropy of rows r0 .. r1 − 1 of logits (rows, V): probs ← softmax(row), and
 * losses[r] ← log Σ exp(row) − row[target] (computed around the row's max; 0 where target < 0).
 */
export function cross_entropy(probs: usize, losses: usize, logits: usize, targets: usize, V: i32, r0: i32, r1: i32): void {
  const V4 = V & ~3;
  for (let r = r0; r < r1; r++) {
    const x = logits + (<usize>r * V << 2);
    const p = probs + (<usize>r * V << 2);
    let m = f32x4.splat(-Infinity);
    let v = 0;
    for (; v < V4; v += 4) m = f32x4.max(m, v128.load(x + (<usize>v << 2)));
    let top = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    for (; v < V; v++) top = max(top, load<f32>(x + (<usize>v << 2)));
    const sum = expShifted(p, x, V, top);
    const inverse = f32x4.splat(1 / sum);
    for (v = 0; v < V4; v += 4) v128.store(p + (<usize>v << 2), f32x4.mul(v128.load(p + (<usize>v << 2)), inverse));
    for (; v < V; v++) store<f32>(p + (<usize>v << 2), load<f32>(p + (<usize>v << 2)) / sum);
    const target = load<i32>(targets + (<usize>r << 2));
    store<f32>(losses + (<usize>r << 2), target < 0 ? 0 : Mathf.log(sum) + top - load<f32>(x + (<usize>target << 2)));
  }
}

/** dLogits += scale · (probs − onehot(target)) for rows r0 .. r1 − 1 whose target ≥ 0; scale as f32 bits. */
export function cross_entropy_backward(dLogits: usize, probs: usize, targets: usize, V: i32, scaleBits: i32, r0: i32, r1: i32): void {
  const scale = reinterpret<f32>(scaleBits);
  const s = f32x4.splat(scale);
  const V4 = V & ~3;
  for (let r = r0; r < r1; r++) {
    const target = load<i32>(targets + (<usize>r << 2));
    if (target < 0) continue;
    const d = dLogits + (<usize>r * V << 2);
    const p = probs + (<usize>r * V << 2);
    let v = 0;
    for (; v < V4; v += 4) v128.store(d + (<usize>v << 2), f32x4.add(v128.load(d + (<usize>v << 2)), f32x4.mul(s, v128.load(p + (<usize>v << 2)))));
    for (; v < V; v++) store<f32>(d + (<usize>v << 2), load<f32>(d + (<usize>v << 2)) + scale * load<f32>(p + (<usize>v << 2)));
    store<f32>(d + (<usize>target << 2), load<f32>(d + (<usize>target << 2)) - scale);
  }
}
