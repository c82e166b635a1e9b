// RMSNorm for inference (src/tensor/backend.ts `rmsNorm`), rows of C, with every step rounded as the
// reference backend rounds it (which is how ggml computes it), so the two backends agree bit for bit:
//   Σ x²                 in f64, in index order (x² of an f32 is exact in f64; the reference adds in the same order)
//   ms = f32(Σ / C)      then  scale = f32(1 / √f32(ms + eps))      (eps an f64, as the reference's JS number)
//   y = f32(x · scale) · w   in f32 (one rounding each, as the reference's products of f32 values)

/** Rows r0 .. r1 − 1; eps as its f64 bits in two halves (kernel arguments are integers). */
export function rms_norm(y: usize, x: usize, w: usize, C: i32, epsLo: i32, epsHi: i32, r0: i32, r1: i32): void {
  const eps = reinterpret<f64>((<u64>(<u32>epsHi) << 32) | <u64>(<u32>epsLo));
  const C4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C << 2;
    let sum: f64 = 0;
    for (let c = 0; c < C; c++) {
      const v = <f64>load<f32>(x + o + (<usize>c << 2));
      sum += v * v;
    }
    const ms = <f32>(sum / <f64>C);
    const scale: f32 = <f32>1 / Mathf.sqrt(<f32>(<f64>ms + eps));
    const s = f32x4.splat(scale);
    let c = 0;
    for (; c < C4; c += 4) {
      const p = <usize>c << 2;
      v128.store(y + o + p, f32x4.mul(f32x4.mul(v128.load(x + o + p), s), v128.load(w + p)));
    }
    for (; c < C; c++) {
      const p = <usize>c << 2;
      store<f32>(y + o + p, (load<f32>(x + o + p) * scale) * load<f32>(w + p));
    }
  }
}
