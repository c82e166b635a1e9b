// Small SIMD helpers shared by the kernels.

/**
 * acc + a · b, four lanes. In the module built with relaxed SIMD (dist/wasm/kernels-relaxed.wasm, chosen at
 * start-up when the runtime has it) this is one fused multiply-add; plain SIMD has none, so there it is a
 * multiply then an add (the results differ in the last bit, within every tolerance the tests hold).
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** The four lanes of a f32x4 summed in order: ((l0 + l1) + l2) + l3. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
