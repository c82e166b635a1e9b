// LayerNorm, rows of C: for inference (src/tensor/backend.ts `layerNorm`: GPT-2's norms), and for training
// (`layerNormForward`, `layerNormBackward`, f32). The forwards and dx are independent per row (threads split
// rows); dw and db sum over rows, so they are their own kernel with threads splitting the columns.

import { hsum } from "./simd";

/**
 * Inference: y = (x − μ) / √(σ² + eps) ⊙ w + b, computed as the reference backend computes it (JavaScript
 * numbers, f64) so that the two agree bit for bit, as rms_norm does:
 *   μ = (Σ x) / C,  σ² = (Σ (x − μ)²) / C       f64, sums in index order (each f32 x is exact in f64)
 *   s = 1 / √(σ² + eps)                          f64 (eps an f64, passed as its bits in two halves)
 *   y = f32(((x − μ) · s) · w + b)               f64, left to right, one rounding to f32 at the store
 * Rows r0 .. r1 − 1.
 */
export function layer_norm(y: usize, x: usize, w: usize, b: usize, C: i32, epsLo: i32, epsHi: i32, r0: i32, r1: i32): void {
  const eps = reinterpret<f64>((<u64>(<u32>epsHi) << 32) | <u64>(<u32>epsLo));
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C << 2;
    let mean: f64 = 0;
    for (let c = 0; c < C; c++) mean += <f64>load<f32>(x + o + (<usize>c << 2));
    mean /= <f64>C;
    let variance: f64 = 0;
    for (let c = 0; c < C; c++) {
      const d = <f64>load<f32>(x + o + (<usize>c << 2)) - mean;
      variance += d * d;
    }
    variance /= <f64>C;
    const scale: f64 = 1 / Math.sqrt(variance + eps);
    // two channels at a time in f64 lanes: the same operations per channel as the scalar tail, so the same bits
    const m = f64x2.splat(mean), s = f64x2.splat(scale);
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const p = <usize>c << 2;
      const xc = f64x2.promote_low_f32x4(v128.load64_zero(x + o + p));
      const out = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(xc, m), s), f64x2.promote_low_f32x4(v128.load64_zero(w + p))), f64x2.promote_low_f32x4(v128.load64_zero(b + p)));
      v128.store64_lane(y + o + p, f32x4.demote_f64x2_zero(out), 0);
    }
    for (; c < C; c++) {
      const p = <usize>c << 2;
      store<f32>(y + o + p, <f32>((<f64>load<f32>(x + o + p) - mean) * scale * <f64>load<f32>(w + p) + <f64>load<f32>(b + p)));
    }
  }
}

/** x̂ = (x − μ)·r, r = 1/√(σ² + eps), y = x̂ ⊙ w (+ b, when b ≠ 0); saves x̂ and r. eps comes as f32 bits. */
export function layer_norm_forward(y: usize, xHat: usize, rstd: usize, x: usize, w: usize, b: usize, C: i32, epsBits: i32, r0: i32, r1: i32): void {
  const eps = reinterpret<f32>(epsBits);
  const C4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C << 2;
    let acc = f32x4.splat(0);
    let c = 0;
    for (; c < C4; c += 4) acc = f32x4.add(acc, v128.load(x + o + (<usize>c << 2)));
    let sum = hsum(acc);
    for (; c < C; c++) sum += load<f32>(x + o + (<usize>c << 2));
    const mean = sum / <f32>C;
    const m = f32x4.splat(mean);
    acc = f32x4.splat(0);
    for (c = 0; c < C4; c += 4) {
      const d = f32x4.sub(v128.load(x + o + (<usize>c << 2)), m);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let variance = hsum(acc);
    for (; c < C; c++) {
      const d = load<f32>(x + o + (<usize>c << 2)) - mean;
      variance += d * d;
    }
    const s: f32 = 1 / Mathf.sqrt(variance / <f32>C + eps);
    store<f32>(rstd + (<usize>r << 2), s);
    const sv = f32x4.splat(s);
    for (c = 0; c < C4; c += 4) {
      const p = <usize>c << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(x + o + p), m), sv);
      v128.store(xHat + o + p, h);
      let out = f32x4.mul(h, v128.load(w + p));
      if (b) out = f32x4.add(out, v128.load(b + p));
      v128.store(y + o + p, out);
    }
    for (; c < C; c++) {
      const p = <usize>c << 2;
      const h = (load<f32>(x + o + p) - mean) * s;
      store<f32>(xHat + o + p, h);
      store<f32>(y + o + p, h * load<f32>(w + p) + (b ? load<f32>(b + p) : 0));
    }
  }
}

/** dx += r · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dy ⊙ w, per row. */
export function layer_norm_backward_dx(dx: usize, dy: usize, xHat: usize, rstd: usize, w: usize, C: i32, r0: i32, r1: i32): void {
  const C4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C << 2;
    let ag = f32x4.splat(0), agx = f32x4.splat(0);
    let c = 0;
    for (; c < C4; c += 4) {
      const p = <usize>c << 2;
      const g = f32x4.mul(v128.load(dy + o + p), v128.load(w + p));
      ag = f32x4.add(ag, g);
      agx = f32x4.add(agx, f32x4.mul(g, v128.load(xHat + o + p)));
    }
    let sumG = hsum(ag), sumGx = hsum(agx);
    for (; c < C; c++) {
      const p = <usize>c << 2;
      const g = load<f32>(dy + o + p) * load<f32>(w + p);
      sumG += g;
      sumGx += g * load<f32>(xHat + o + p);
    }
    const meanG = sumG / <f32>C, meanGx = sumGx / <f32>C;
    const s = load<f32>(rstd + (<usize>r << 2));
    const sv = f32x4.splat(s), mg = f32x4.splat(meanG), mgx = f32x4.splat(meanGx);
    for (c = 0; c < C4; c += 4) {
      const p = <usize>c << 2;
      const g = f32x4.mul(v128.load(dy + o + p), v128.load(w + p));
      const d = f32x4.sub(f32x4.sub(g, mg), f32x4.mul(v128.load(xHat + o + p), mgx));
      v128.store(dx + o + p, f32x4.add(v128.load(dx + o + p), f32x4.mul(sv, d)));
    }
    for (; c < C; c++) {
      const p = <usize>c << 2;
      const g = load<f32>(dy + o + p) * load<f32>(w + p);
      store<f32>(dx + o + p, load<f32>(dx + o + p) + s * (g - meanG - load<f32>(xHat + o + p) * meanGx));
    }
  }
}

/** dw[c] += Σ_rows dy ⊙ x̂, db[c] += Σ_rows dy (when db ≠ 0), for columns c0 .. c1 − 1 (c0 a multiple of 4). */
export function layer_norm_backward_params(dw: usize, db: usize, dy: usize, xHat: usize, rows: i32, C: i32, c0: i32, c1: i32): void {
  const rowBytes = <usize>C << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    const p = <usize>c << 2;
    let aw = f32x4.splat(0), ab = f32x4.splat(0);
    for (let r = 0, o: usize = p; r < rows; r++, o += rowBytes) {
      const g = v128.load(dy + o);
      aw = f32x4.add(aw, f32x4.mul(g, v128.load(xHat + o)));
      ab = f32x4.add(ab, g);
    }
    v128.store(dw + p, f32x4.add(v128.load(dw + p), aw));
    if (db) v128.store(db + p, f32x4.add(v128.load(db + p), ab));
  }
  for (; c < c1; c++) {
    const p = <usize>c << 2;
    let sw: f32 = 0, sb: f32 = 0;
    for (let r = 0, o: usize = p; r < rows; r++, o += rowBytes) {
      sw += load<f32>(dy + o) * load<f32>(xHat + o);
      sb += load<f32>(dy + o);
    }
    store<f32>(dw + p, load<f32>(dw + p) + sw);
    if (db) store<f32>(db + p, load<f32>(db + p) + sb);
  }
}
