// 16-bit float conversions shared by the kernels.

/**
 * f16 bits → f32, exactly, with no subnormal float anywhere in the arithmetic: a multiply or add with a
 * subnormal operand takes a slow microcode path on x86 (~100 cycles), and the block scales of small weights
 * are often subnormal halves (every Q6_K scale of a tensor with weights ~0.02 is: d ≈ 2e-5 < 6.1e-5).
 * Normal halves: the exponent rebiased (15 → 127) by an integer add. Subnormal halves (and zero):
 * mantissa · 2^-24, an exact int → float conversion and a multiply of normal numbers. Inf/NaN stay Inf/NaN.
 */
// @ts-ignore: decorator
@inline export function f16ToF32(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const e = h & 0x7c00;
  if (e == 0) return reinterpret<f32>(reinterpret<u32>(<f32>(h & 0x3ff) * reinterpret<f32>(0x33800000)) | sign); // × 2^-24
  if (e == 0x7c00) return reinterpret<f32>(sign | 0x7f800000 | ((h & 0x3ff) << 13));
  return reinterpret<f32>((((h & 0x7fff) << 13) + (112 << 23)) | sign);
}

/** f32 → f16 bits, round to nearest even (as src/core/half.ts). */
export function f32ToF16(x: f32): u32 {
  const bits = reinterpret<u32>(x);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent == 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = <i32>exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = <u32>(14 - e);
    const half: u32 = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let m = mantissa >>> shift;
    if (rest > half || (rest == half && (m & 1))) m++;
    return sign | m;
  }
  const rest = mantissa & 0x1fff;
  let h = sign | (<u32>e << 10) | (mantissa >>> 13);
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
  return h;
}

/** Four f16 → four f32 (the SIMD form of f16ToF32): shifting the pattern to the top and back arithmetically
 *  puts the sign at bit 31 (copied into bits 30..28, which the mask clears) and exponent and mantissa
 *  where f32 keeps them; the multiply by 2^112 then rebiases the exponent, keeping the sign. */
// @ts-ignore: decorator
@inline export function f16x4ToF32x4(ptr: usize): v128 {
  const h = v128.load16x4_u(ptr); // i32x4 of the 16-bit patterns
  const placed = v128.and(i32x4.shr_s(i32x4.shl(h, 16), 3), i32x4.splat(0x8fffffff));
  return f32x4.mul(placed, f32x4.splat(reinterpret<f32>(0x77800000)));
}

