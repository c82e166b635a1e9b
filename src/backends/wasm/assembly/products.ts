// The entry points of the products with quantized weights: each runs the activation rows in tiles of up to
// TILE, and each tile with the code specialised for its weight format and row count (the tiles are inlined,
// so every (format, rows) pair is its own straight-line loop). The plain-SIMD tiles (matmul.ts) read i16
// activations; the *_i8 entry points, which the backend calls only in the relaxed-SIMD build, read i8
// activations (matmul-relaxed.ts). Arguments: y (T, N) f32 out; qs, ds (and sums) the quantized
// activations (quantize.ts); w the weight blocks; rows n0 .. n1 − 1 of N for this thread. All but q6_k take
// wd: the blocks' f16 scales as f32 in block order (block_scales_f32, made once per weight by the backend:
// d per block; d and dmin for q4_k), or 0 to convert each block's f16 scales as they are read. Which one
// never changes a result (the copies are exact); they spare the inner loop an f16 conversion per block, a
// third of the instructions of a q8_0 block. q6_k has one f16 per 256 weights, and copying it measured no
// faster: it converts its own.

import { TILE } from "./blocks";
import { f16ToF32 } from "./half";
import { tile32, tileQ4K, tileQ6K } from "./matmul";
import { tileSmall, tileQ4K as tileQ4KRelaxed, tileQ6K as tileQ6KRelaxed } from "./matmul-relaxed";

export function matmul_q8_0(y: usize, qs: usize, ds: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  tiles32(8, y, qs, ds, w, wd, T, N, K, n0, n1);
}
export function matmul_q4_0(y: usize, qs: usize, ds: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  tiles32(4, y, qs, ds, w, wd, T, N, K, n0, n1);
}
export function matmul_q5_0(y: usize, qs: usize, ds: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  tiles32(5, y, qs, ds, w, wd, T, N, K, n0, n1);
}
/** bsums: Σ q per 32 of the activations (quantize_q8_k). */
export function matmul_q4_k(y: usize, qs: usize, ds: usize, bsums: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  tilesQ4K(false, y, qs, ds, bsums, w, wd, T, N, K, n0, n1);
}
export function matmul_q6_k(y: usize, qs: usize, ds: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  for (let t = 0; t < T; t += TILE) {
    const rows = min(TILE, T - t);
    if (rows == 4) tileQ6K(4, y, qs, ds, w, t, N, K, n0, n1);
    else if (rows == 3) tileQ6K(3, y, qs, ds, w, t, N, K, n0, n1);
    else if (rows == 2) tileQ6K(2, y, qs, ds, w, t, N, K, n0, n1);
    else tileQ6K(1, y, qs, ds, w, t, N, K, n0, n1);
  }
}

// The *_i8 products exist only in the relaxed build (the plain build's bodies are unreachable).
/** offsets: 8 · Σ q per four activations, 8 × i16 per block (quantize_q8_0_i8). */
export function matmul_q4_0_i8(y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) tilesSmall(4, y, qs, ds, offsets, w, wd, T, N, K, n0, n1);
  else unreachable();
}
export function matmul_q5_0_i8(y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) tilesSmall(5, y, qs, ds, offsets, w, wd, T, N, K, n0, n1);
  else unreachable();
}
/** sums16: Σ q per 16 of the activations, i16 (quantize_q8_k_i8). */
export function matmul_q4_k_i8(y: usize, qs: usize, ds: usize, sums16: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) tilesQ4K(true, y, qs, ds, sums16, w, wd, T, N, K, n0, n1);
  else unreachable();
}
export function matmul_q6_k_i8(y: usize, qs: usize, ds: usize, sums16: usize, w: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    for (let t = 0; t < T; t += TILE) {
      const rows = min(TILE, T - t);
      if (rows == 4) tileQ6KRelaxed(4, y, qs, ds, sums16, w, t, N, K, n0, n1);
      else if (rows == 3) tileQ6KRelaxed(3, y, qs, ds, sums16, w, t, N, K, n0, n1);
      else if (rows == 2) tileQ6KRelaxed(2, y, qs, ds, sums16, w, t, N, K, n0, n1);
      else tileQ6KRelaxed(1, y, qs, ds, sums16, w, t, N, K, n0, n1);
    }
  } else unreachable();
}

// The row-tile dispatch of the 32-weight-block formats: kind (8, 4, 5) / bits (4, 5) is a constant at each
// call above, so each export inlines only its own format's tiles. (Dispatching every format inside one shared
// inlined switch made each export carry all nine formats' tiles until the optimizer removed them: the
// relaxed build then took ~10 minutes to optimise, against ~25 s for the plain one.)
// @ts-ignore: decorator
@inline function tiles32(kind: i32, y: usize, qs: usize, ds: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  for (let t = 0; t < T; t += TILE) {
    const rows = min(TILE, T - t);
    if (wd) {
      if (rows == 4) tile32(kind, 4, y, qs, ds, w, wd, true, t, N, K, n0, n1);
      else if (rows == 3) tile32(kind, 3, y, qs, ds, w, wd, true, t, N, K, n0, n1);
      else if (rows == 2) tile32(kind, 2, y, qs, ds, w, wd, true, t, N, K, n0, n1);
      else tile32(kind, 1, y, qs, ds, w, wd, true, t, N, K, n0, n1);
    } else {
      if (rows == 4) tile32(kind, 4, y, qs, ds, w, 0, false, t, N, K, n0, n1);
      else if (rows == 3) tile32(kind, 3, y, qs, ds, w, 0, false, t, N, K, n0, n1);
      else if (rows == 2) tile32(kind, 2, y, qs, ds, w, 0, false, t, N, K, n0, n1);
      else tile32(kind, 1, y, qs, ds, w, 0, false, t, N, K, n0, n1);
    }
  }
}

/** q4_k's tiles: the plain build's (sums: Σ q per 32) or, with `relaxed`, the relaxed build's (Σ q per 16). */
// @ts-ignore: decorator
@inline function tilesQ4K(relaxed: bool, y: usize, qs: usize, ds: usize, sums: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  for (let t = 0; t < T; t += TILE) {
    const rows = min(TILE, T - t);
    const copies = wd != 0;
    if (rows == 4) tileQ4KOf(relaxed, 4, y, qs, ds, sums, w, wd, copies, t, N, K, n0, n1);
    else if (rows == 3) tileQ4KOf(relaxed, 3, y, qs, ds, sums, w, wd, copies, t, N, K, n0, n1);
    else if (rows == 2) tileQ4KOf(relaxed, 2, y, qs, ds, sums, w, wd, copies, t, N, K, n0, n1);
    else tileQ4KOf(relaxed, 1, y, qs, ds, sums, w, wd, copies, t, N, K, n0, n1);
  }
}

// @ts-ignore: decorator
@inline function tileQ4KOf(relaxed: bool, rows: i32, y: usize, qs: usize, ds: usize, sums: usize, w: usize, wd: usize, copies: bool, t: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  if (relaxed) {
    if (!ASC_FEATURE_RELAXED_SIMD) unreachable();
    else if (copies) tileQ4KRelaxed(rows, y, qs, ds, sums, w, wd, true, t, N, K, n0, n1);
    else tileQ4KRelaxed(rows, y, qs, ds, sums, w, 0, false, t, N, K, n0, n1);
  } else if (copies) tileQ4K(rows, y, qs, ds, sums, w, wd, true, t, N, K, n0, n1);
  else tileQ4K(rows, y, qs, ds, sums, w, 0, false, t, N, K, n0, n1);
}

// @ts-ignore: decorator
@inline function tilesSmall(bits: i32, y: usize, qs: usize, ds: usize, offsets: usize, w: usize, wd: usize, T: i32, N: i32, K: i32, n0: i32, n1: i32): void {
  for (let t = 0; t < T; t += TILE) {
    const rows = min(TILE, T - t);
    if (wd) {
      if (rows == 4) tileSmall(bits, 4, y, qs, ds, offsets, w, wd, true, t, N, K, n0, n1);
      else if (rows == 3) tileSmall(bits, 3, y, qs, ds, offsets, w, wd, true, t, N, K, n0, n1);
      else if (rows == 2) tileSmall(bits, 2, y, qs, ds, offsets, w, wd, true, t, N, K, n0, n1);
      else tileSmall(bits, 1, y, qs, ds, offsets, w, wd, true, t, N, K, n0, n1);
    } else {
      if (rows == 4) tileSmall(bits, 4, y, qs, ds, offsets, w, 0, false, t, N, K, n0, n1);
      else if (rows == 3) tileSmall(bits, 3, y, qs, ds, offsets, w, 0, false, t, N, K, n0, n1);
      else if (rows == 2) tileSmall(bits, 2, y, qs, ds, offsets, w, 0, false, t, N, K, n0, n1);
      else tileSmall(bits, 1, y, qs, ds, offsets, w, 0, false, t, N, K, n0, n1);
    }
  }
}

/**
 * out[b · count + j] = the j-th f16 at byte `offset` of block b, as f32 (exact), for `blocks` blocks of
 * `blockBytes`: q8_0/q4_0/q5_0 (offset 0, count 1: d), q4_k (0, 2: d and dmin).
 */
export function block_scales_f32(out: usize, w: usize, blocks: i32, blockBytes: i32, offset: i32, count: i32): void {
  for (let b = 0; b < blocks; b++) {
    const at = w + <usize>b * <usize>blockBytes + <usize>offset;
    for (let j = 0; j < count; j++) store<f32>(out + (<usize>(b * count + j) << 2), f16ToF32(<u32>load<u16>(at + (<usize>j << 1))));
  }
}
