/**
 * The Backend interface: the small set of kernels every model lowers to. `backends/reference/` implements
 * them as plain loops (the living definition of each); faster backends must match it within tolerance.
 *
 * Legend: T = positions (tokens) in this call, K = input features, N = output features, C = channels,
 * H = query heads, Hkv = key/value heads, hs = head size, S = positions held in the KV cache.
 * All activations are f32 and row-major; weights are Tensors in their stored dtype.
 */
import type { Tensor } from "./tensor.js";

/** How RoPE pairs the dimensions of a head (DESIGN.md: the convention differs by checkpoint source). */
export type RopeStyle =
  | "interleaved" // rotate (x[2i], x[2i+1]): Meta's original, llama2.c, GGUF `llama`
  | "halves"; // rotate (x[i], x[i + hs/2]): Hugging Face, GPT-NeoX, GGUF `qwen2`

export interface AttentionShape {
  readonly T: number; // query positions in this call
  readonly pos0: number; // absolute position of the first query; keys 0 .. pos0 + T − 1 are in the cache
  readonly nHead: number;
  readonly nKvHead: number; // divides nHead; each key/value head serves nHead / nKvHead query heads
  readonly headDim: number;
  readonly window: number; // a query at p sees keys in (p − window, p]; Infinity for full causal attention
}

/**
 * The positions a KV cache layer holds: its arrays are (Hkv, capacity, hs), each head's keys (or values)
 * one contiguous run, so that attention reads a head's history front to back.
 */
export function cacheCapacity(kCache: Float32Array, vCache: Float32Array, shape: AttentionShape): number {
  const row = shape.nKvHead * shape.headDim;
  const capacity = kCache.length / row;
  if (!Number.isInteger(capacity) || vCache.length !== kCache.length || capacity < shape.pos0 + shape.T) {
    throw new RangeError(`attention: a KV cache of ${kCache.length} keys and ${vCache.length} values does not hold ${shape.pos0 + shape.T} positions of ${shape.nKvHead} heads × ${shape.headDim}`);
  }
  return capacity;
}

export interface Backend {
  readonly name: string;

  /**
   * Zeroed memory where this backend's kernels read it best (default: an ordinary buffer): weights, KV
   * caches. With an `owner`, the memory is returned to the backend once the owner is garbage-collected.
   */
  allocate?(byteLength: number, owner?: object): Uint8Array;

  /** Returns memory that `allocate` gave with an owner, at once rather than when the owner is collected. */
  release?(bytes: Uint8Array): void;

  /** Bytes the backend can still hold, when it has a ceiling (WebAssembly: 4 GiB). */
  readonly capacity?: number;

  /** y (T, N) = x (T, K) · Wᵀ, W (N, K) in any dtype. */
  matmul(y: Float32Array, x: Float32Array, w: Tensor, T: number): void;

  /** ys[i] (T, Nᵢ) = x (T, K) · Wᵢᵀ: several products of one input (q, k, v; gate, up), which a backend may
   *  prepare once and run together. Same results as matmul on each. */
  matmuls(ys: readonly Float32Array[], x: Float32Array, ws: readonly Tensor[], T: number): void;

  /** out (n, C): row ids[i] of the table W (V, C), dequantized. */
  embedding(out: Float32Array, w: Tensor, ids: readonly number[]): void;

  /** y = x / sqrt(mean(x²) + eps) ⊙ weight, per row of C. */
  rmsNorm(y: Float32Array, x: Float32Array, weight: Float32Array, C: number, eps: number): void;

  /** y = (x − mean) / sqrt(var + eps) ⊙ weight + bias, per row of C (biased variance, as PyTorch). */
  layerNorm(y: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array, C: number, eps: number): void;

  /**
   * Rotates x (T, nHeads, hs) in place: the pair (a, b) of frequency i at position p becomes
   * (a cos θ − b sin θ, a sin θ + b cos θ), θ = p · invFreq[i]. Only the first 2·invFreq.length dims rotate.
   */
  rope(x: Float32Array, T: number, nHeads: number, headDim: number, positions: Int32Array, invFreq: Float32Array, style: RopeStyle): void;

  /** Softmax over each row of `cols` values, in place. */
  softmax(x: Float32Array, cols: number): void;

  /** y += b broadcast over rows: bias (N) added to each row of y (T, N). */
  addBias(y: Float32Array, bias: Float32Array): void;

  /** y = a + b, elementwise (y may alias a). */
  add(y: Float32Array, a: Float32Array, b: Float32Array): void;

  /** y = a ⊙ b, elementwise (y may alias a). */
  mul(y: Float32Array, a: Float32Array, b: Float32Array): void;

  /** x = x · sigmoid(x), in place. */
  silu(x: Float32Array): void;

  /** x = GELU(x), tanh form: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), in place. */
  geluTanh(x: Float32Array): void;

  /**
   * Causal scaled dot-product attention over the KV cache.
   *   q (T, H, hs); kCache, vCache (Hkv, capacity, hs), head-major (cacheCapacity), capacity ≥ pos0 + T;
   *   out (T, H, hs).
   *   scores[h, t, s] = q[t, h] · k[h / (H / Hkv), s] / √hs for s ≤ pos0 + t (and inside the window)
   *   out[t, h] = Σ_s softmax(scores[h, t])[s] · v[h / (H / Hkv), s]
   * When `probs` is given (H, T, pos0 + T), the attention weights are written there (zeros where masked).
   */
  attention(out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array, shape: AttentionShape, probs?: Float32Array): void;

  /**
   * Optional: kCache[g, pos0 + t] = k[t, g] and vCache[g, pos0 + t] = v[t, g] for the T positions of k, v
   * (T, Hkv, hs), into a layer's head-major cache arrays (Hkv, capacity, hs). KvCache copies in JavaScript
   * when a backend has none (the wasm backend's kernel saves a decode step ~40 µs of 64-float copies).
   */
  writeCache?(kCache: Float32Array, vCache: Float32Array, k: Float32Array, v: Float32Array, pos0: number, nKvHead: number, headDim: number): void;

  // ---- training: every tensor f32 and row-major; see src/autograd/ for the ops built on these

  /**
   * C (M, N) = op(A) · op(B), or C += op(A) · op(B) when `accumulate`.
   * op(A) (M, K) is A as stored, or the transpose of a stored (K, M) when `transA`;
   * op(B) (K, N) is B as stored, or the transpose of a stored (N, K) when `transB`.
   * Forward: y = x · Wᵀ (transB). Backward: dx = dy · W, dW += dyᵀ · x (transA, accumulate).
   */
  gemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean): void;

  /**
   * Batched causal self-attention: q (B, T, H, hs); k, v (B, T, Hkv, hs); out (B, T, H, hs);
   * probs (B, H, T, T) receives softmax(q·kᵀ/√hs) with zeros above the diagonal (the backward pass reads it).
   */
  causalAttention(out: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void;

  /** dx += dy ⊙ GELU′(x), the tanh form's derivative (see geluTanh). */
  geluTanhBackward(dx: Float32Array, dy: Float32Array, x: Float32Array): void;

  /** y = silu(gate) ⊙ up = gate σ(gate) up, elementwise (Llama's feed-forward gate). */
  swiglu(y: Float32Array, gate: Float32Array, up: Float32Array): void;

  /** dGate += dy ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))),  dUp += dy ⊙ g σ(g). */
  swigluBackward(dGate: Float32Array, dUp: Float32Array, dy: Float32Array, gate: Float32Array, up: Float32Array): void;

  /**
   * Softmax cross-entropy per row of logits (rows, V): probs ← softmax(row); losses[r] ← −log probs[r, targets[r]]
   * (0 where targets[r] < 0).
   */
  crossEntropy(probs: Float32Array, losses: Float32Array, logits: Float32Array, targets: Int32Array, V: number): void;

  /** dLogits += scale · (probs − onehot(targets)) on the rows whose target ≥ 0. */
  crossEntropyBackward(dLogits: Float32Array, probs: Float32Array, targets: Int32Array, V: number, scale: number): void;

  /** One AdamW step over a parameter tensor p with gradient g and moments m, v (src/training/adamw.ts). */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: AdamWStep): void;

  /** LayerNorm for training, per row of C: x̂ = (x − μ)·r, r = 1/√(σ² + eps), y = x̂ ⊙ w (+ b); saves x̂ (rows, C) and r (rows). */
  layerNormForward(y: Float32Array, xHat: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | undefined, C: number, eps: number): void;

  /** Its gradients: g = dy ⊙ w;  dx += r · (g − mean(g) − x̂ · mean(g ⊙ x̂));  dw += Σ_rows dy ⊙ x̂;  db += Σ_rows dy. */
  layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array | undefined, dy: Float32Array, xHat: Float32Array, rstd: Float32Array, w: Float32Array, C: number): void;

  /** The gradients of causalAttention: dq, dk, dv written (not accumulated) from dOut and the saved probs. */
  causalAttentionBackward(dq: Float32Array, dk: Float32Array, dv: Float32Array, dOut: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void;
}

/** The shape of a batched causal attention in training. */
export interface BatchShape {
  readonly B: number;
  readonly T: number;
  readonly nHead: number;
  readonly nKvHead: number;
  readonly headDim: number;
}

/** AdamW's per-step constants: p ← p·shrink − stepSize · m / (√v / correction2 + eps), after the moment updates. */
export interface AdamWStep {
  readonly shrink: number; // 1 − lr·λ
  readonly beta1: number;
  readonly beta2: number;
  readonly stepSize: number; // lr / (1 − β₁ᵗ)
  readonly correction2: number; // √(1 − β₂ᵗ)
  readonly eps: number;
}
