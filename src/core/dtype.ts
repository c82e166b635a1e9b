/**
 * Storage types of weights, and their byte layouts. Floats store one value per element; GGML's quantized
 * types store blocks of `blockSize` weights in `bytesPerBlock` bytes (layouts in backends/reference/dequantize.ts).
 * A row of a quantized matrix is a whole number of blocks, so rows must be a multiple of the block size.
 */
export type DType = "f32" | "f16" | "bf16" | "q8_0" | "q4_0" | "q4_1" | "q5_0" | "q5_1" | "q4_k" | "q5_k" | "q6_k";

export interface DTypeLayout {
  readonly blockSize: number; // weights per block (1 for plain floats)
  readonly bytesPerBlock: number;
  readonly ggmlType: number; // the type id in GGUF tensor tables (ggml.h enum ggml_type)
}

export const QK_K = 256; // weights in a k-quant super-block

export const DTYPES: Readonly<Record<DType, DTypeLayout>> = {
  f32: { blockSize: 1, bytesPerBlock: 4, ggmlType: 0 },
  f16: { blockSize: 1, bytesPerBlock: 2, ggmlType: 1 },
  q4_0: { blockSize: 32, bytesPerBlock: 18, ggmlType: 2 }, // f16 d, 16 bytes of nibbles
  q4_1: { blockSize: 32, bytesPerBlock: 20, ggmlType: 3 }, // f16 d, f16 m, 16 bytes of nibbles
  q5_0: { blockSize: 32, bytesPerBlock: 22, ggmlType: 6 }, // f16 d, 4 bytes of high bits, 16 of nibbles
  q5_1: { blockSize: 32, bytesPerBlock: 24, ggmlType: 7 }, // f16 d, f16 m, 4 high-bit bytes, 16 nibble bytes
  q8_0: { blockSize: 32, bytesPerBlock: 34, ggmlType: 8 }, // f16 d, 32 int8
  q4_k: { blockSize: QK_K, bytesPerBlock: 144, ggmlType: 12 }, // f16 d, f16 dmin, 12 scale bytes, 128 nibble bytes
  q5_k: { blockSize: QK_K, bytesPerBlock: 176, ggmlType: 13 }, // ... + 32 high-bit bytes
  q6_k: { blockSize: QK_K, bytesPerBlock: 210, ggmlType: 14 }, // 128 low-nibble, 64 high-2-bit, 16 int8 scales, f16 d
  bf16: { blockSize: 1, bytesPerBlock: 2, ggmlType: 30 },
};

const BY_GGML = new Map<number, DType>(Object.entries(DTYPES).map(([name, layout]) => [layout.ggmlType, name as DType]));

/** GGML type names (ggml.c type_traits) for the types glassbox does not read, so errors can name them. */
const GGML_NAMES: Record<number, string> = {
  9: "q8_1", 10: "q2_K", 11: "q3_K", 15: "q8_K", 16: "iq2_xxs", 17: "iq2_xs", 18: "iq3_xxs", 19: "iq1_s",
  20: "iq4_nl", 21: "iq3_s", 22: "iq2_s", 23: "iq4_xs", 24: "i8", 25: "i16", 26: "i32", 27: "i64", 28: "f64",
  29: "iq1_m", 34: "tq1_0", 35: "tq2_0", 39: "mxfp4",
};

export function dtypeFromGgml(type: number): DType | undefined {
  return BY_GGML.get(type);
}

export function ggmlTypeName(type: number): string {
  return BY_GGML.get(type) ?? GGML_NAMES[type] ?? `type ${type}`;
}

export const SUPPORTED_DTYPES = Object.keys(DTYPES) as DType[];

export function isQuantized(dtype: DType): boolean {
  return DTYPES[dtype].blockSize > 1;
}

/** Bytes that `n` elements take in `dtype`; n must be a whole number of blocks. */
export function byteSize(dtype: DType, n: number): number {
  const { blockSize, bytesPerBlock } = DTYPES[dtype];
  return (n / blockSize) * bytesPerBlock;
}
