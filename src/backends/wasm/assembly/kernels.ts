// glassbox's WebAssembly kernels, in AssemblyScript (TypeScript syntax, compiled by `asc` at npm install;
// see scripts/build-wasm.mjs). Each kernel has a scalar twin in src/backends/reference/ that defines it;
// the conformance suite (test/backends/) holds them to it.
//
// Memory: every pointer is a byte offset into the one shared WebAssembly.Memory that JavaScript owns and
// allocates from (src/backends/wasm/wasm-backend.ts). Nothing here allocates.
// Legend: T = rows of activations, N = output features (weight rows), K = input features (row length).
// Matrix products compute output features n0 .. n1 − 1 of N, so threads can split the rows of W.

export { matmul_f32, matmul_f32x4, interleave_f32, matmul_half, half_scratch_bytes, prescale_f16_activations } from "./matmul";
export { matmul_q8_0, matmul_q4_0, matmul_q5_0, matmul_q4_k, matmul_q6_k } from "./products";
export { matmul_q4_0_i8, matmul_q5_0_i8, matmul_q4_k_i8, matmul_q6_k_i8, block_scales_f32 } from "./products";
export { quantize_q8_0, quantize_q8_k, quantize_q8_0_i8, quantize_q8_k_i8 } from "./quantize";
export { interleave_q4_0, matmul_q4_0x4_i8, interleave_q4_k, matmul_q4_kx4_i8, interleave_q6_k, matmul_q6_kx4_i8 } from "./interleaved";

// ---------------------------------------------------------------- training (f32 products and attention)

export { gemm_f32, transpose_f32 } from "./gemm";
export { attention_forward, attention_backward } from "./attention";
export { gelu_tanh, gelu_tanh_backward, add_f32, adamw, swiglu, swiglu_backward, cross_entropy, cross_entropy_backward } from "./elementwise";
export { attention_cached, cache_write } from "./cached-attention";
export { layer_norm, layer_norm_forward, layer_norm_backward_dx, layer_norm_backward_params } from "./layer-norm";
export { rms_norm } from "./rms-norm";
export { rope } from "./rope";
