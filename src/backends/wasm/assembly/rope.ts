// Rotary position embedding (src/tensor/backend.ts `rope`) in place on x (T, H, hs), given each row's
// angles as f64 tables cos, sin (T, pairs) that the backend computes once per set of positions (as the
// reference does, with Math.cos and Math.sin). Each pair (a, b) of a head becomes
//   (a cos θ − b sin θ, a sin θ + b cos θ)
// in f64, rounded to f32 once at the store: the reference's exact sequence of operations, so the two
// backends agree bit for bit. Pairs: interleaved (x[2i], x[2i + 1]) or halves (x[i], x[i + pairs]); the
// dimensions past 2 · pairs (partial rotary) are left alone.

/** Rows r0 .. r1 − 1 of the T · H head vectors. */
export function rope(x: usize, cos: usize, sin: usize, H: i32, hs: i32, pairs: i32, interleaved: bool, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const t = r / H;
    const head = x + (<usize>r * <usize>hs << 2);
    const angles = <usize>t * <usize>pairs << 3;
    for (let i = 0; i < pairs; i++) {
      const ia = head + (<usize>(interleaved ? 2 * i : i) << 2);
      const ib = ia + (interleaved ? 4 : <usize>pairs << 2);
      const a = <f64>load<f32>(ia), b = <f64>load<f32>(ib);
      const c = load<f64>(cos + angles + (<usize>i << 3)), s = load<f64>(sin + angles + (<usize>i << 3));
      store<f32>(ia, <f32>(a * c - b * s));
      store<f32>(ib, <f32>(a * s + b * c));
    }
  }
}
