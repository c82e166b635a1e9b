/**
 * How llama.cpp feeds activations to a quantized matrix product: the activation row is itself quantized to
 * 8 bits per block (the weight type's "vec_dot_type") and the dot product runs on the integers. Glassbox's
 * reference backend reproduces that rounding exactly, so a quantized GGUF gives the logits llama.cpp gives
 * (within float summation order), and the fast backends, which quantize activations for speed, have an
 * exact spec to match.
 *
 *   q4_0, q5_0, q8_0 (and q4_1, q5_1 via q8_1, same values):  Q8_0 — blocks of 32,
 *       d = f16(max|x| / 127), q = round_half_even(x · 127 / max|x|), x̃ = d · q
 *   q4_k, q5_k, q6_k:  Q8_K — blocks of 256, m = the x of largest |x| (signed),
 *       s = −127 / m, q = min(127, round_half_even(s · x)), x̃ = q / s        (d kept in f32)
 * (ggml-cpu/arch/x86/quants.c quantize_row_q8_0, ggml-quants.c quantize_row_q8_K_ref)
 */
import type { DType } from "../../core/dtype.js";
import { F16_TABLE, f32ToF16 } from "../../core/half.js";
import { roundHalfEven } from "./block-math.js";
import type { QuantizedActivations } from "./quantized-dot.js";

const fround = Math.fround;

/** The activation format llama.cpp pairs with a weight dtype, or null when activations stay f32. */
export function activationFormat(weight: DType): "q8_0" | "q8_k" | null {
  switch (weight) {
    case "q4_0":
    case "q4_1":
    case "q5_0":
    case "q5_1":
    case "q8_0":
      return "q8_0";
    case "q4_k":
    case "q5_k":
    case "q6_k":
      return "q8_k";
    default:
      return null;
  }
}

/** x quantized to 8-bit blocks exactly as llama.cpp does it: qs (int8 per value) and ds (scale per block). */
export function quantizeActivations(x: Float32Array, format: "q8_0" | "q8_k"): QuantizedActivations {
  const blockSize = format === "q8_0" ? 32 : 256;
  const qs = new Int8Array(x.length);
  const ds = new Float32Array(x.length / blockSize);
  for (let b = 0; b < x.length; b += blockSize) {
    if (format === "q8_0") {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]!));
      ds[b / 32] = F16_TABLE[f32ToF16(fround(amax / 127))]!; // stored as f16, used as stored
      const id = amax !== 0 ? fround(127 / amax) : 0;
      for (let j = 0; j < 32; j++) qs[b + j] = roundHalfEven(fround(x[b + j]! * id));
      continue;
    }
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 256; j++) {
      const ax = Math.abs(x[b + j]!);
      if (ax > amax) (amax = ax), (max = x[b + j]!);
    }
    if (amax === 0) continue; // d = 0, q = 0
    const iscale = fround(-127 / max);
    ds[b / 256] = fround(1 / iscale);
    for (let j = 0; j < 256; j++) qs[b + j] = Math.min(127, roundHalfEven(fround(iscale * x[b + j]!)));
  }
  return { qs, ds, blockSize };
}

/** x̃ = d · q: the activations as the quantized product sees them, back in f32. */
export function roundTripActivations(x: Float32Array, format: "q8_0" | "q8_k", out: Float32Array): void {
  const { qs, ds, blockSize } = quantizeActivations(x, format);
  for (let i = 0; i < x.length; i++) out[i] = fround(ds[Math.floor(i / blockSize)]! * qs[i]!);
}
