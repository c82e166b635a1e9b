/**
 * The WebAssembly backend: the matrix products that dominate inference run as SIMD kernels for f32, f16,
 * bf16, q8_0, q4_0, q5_0, q4_k and q6_k weights (q4_1, q5_1, q5_k still use the reference's),
 * in assembly/kernels.ts, compiled to dist/wasm/kernels.wasm at install; every other kernel is still the
 * reference backend's (inherited) until its wasm twin lands. Results match the reference backend within
 * float summation order (test/backends/conformance.test.ts).
 *
 * Memory: one shared WebAssembly.Memory (up to 4 GiB, WebAssembly's 32-bit ceiling). Weights, norm
 * vectors and KV caches are read straight into it (`allocate`), so a model is held once. Arrays that live
 * in it (a model's activation arena during decode, src/nn/activations.ts; training's step arena) are used
 * in place; any other array is copied in and out per call (`place`), which costs O(T·(K + N)) against a
 * product's O(T·N·K) but dominated the cheap elementwise calls of a decode step.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../../core/errors.js";
import { byteSize, DTYPES, type DType } from "../../core/dtype.js";
import { cacheCapacity, type AdamWStep, type AttentionShape, type Backend, type BatchShape, type RopeStyle } from "../../tensor/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ReferenceBackend } from "../reference/reference-backend.js";
import { chunkCount, CTRL, EXIT, KernelCaller, MAX_JOBS, writeJobs, type KernelJob, type KernelName } from "./kernel-call.js";

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB
const KERNELS = fileURLToPath(new URL("../../../wasm/kernels.wasm", import.meta.url));
const KERNELS_RELAXED = fileURLToPath(new URL("../../../wasm/kernels-relaxed.wasm", import.meta.url));

/**
 * The kernels compiled once per process: the relaxed-SIMD build (fused multiply-add) when this runtime
 * compiles it — Node 20 does with --experimental-wasm-relaxed-simd, which bin/glassbox sets — else plain SIMD.
 */
const compiled: { plain?: WebAssembly.Module; relaxed?: WebAssembly.Module | null } = {};
function kernelModule(relaxed: boolean): { module: WebAssembly.Module; relaxed: boolean } {
  if (relaxed && compiled.relaxed === undefined) {
    try {
      compiled.relaxed = new WebAssembly.Module(readFileSync(KERNELS_RELAXED));
    } catch {
      compiled.relaxed = null; // the runtime lacks relaxed SIMD (or the flag that enables it)
    }
  }
  if (relaxed && compiled.relaxed) return { module: compiled.relaxed, relaxed: true };
  compiled.plain ??= new WebAssembly.Module(readFileSync(KERNELS));
  return { module: compiled.plain, relaxed: false };
}
const WORKER = new URL("./worker.js", import.meta.url);

/** Bytes rounded up to a whole number of 64-byte cache lines (every region starts on one). */
const align64 = (bytes: number) => Math.ceil(bytes / 64) * 64;

interface Kernels extends Record<string, (...args: number[]) => void> {
  quantize_q8_0(x: number, qs: number, ds: number, T: number, K: number): void;
  quantize_q8_k(x: number, qs: number, ds: number, bsums: number, T: number, K: number): void;
  quantize_q8_0_i8(x: number, qs: number, ds: number, offsets: number, sums32: number, T: number, K: number): void;
  quantize_q8_k_i8(x: number, qs: number, ds: number, sums16: number, T: number, K: number): void;
  prescale_f16_activations(x: number, n: number): number;
  half_scratch_bytes(K: number): number;
  block_scales_f32(out: number, w: number, blocks: number, blockBytes: number, offset: number, count: number): void;
  adamw(p: number, g: number, m: number, v: number, n: number, shrink: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number): void;
}

/** rmsNorm's eps as the two 32-bit halves of its f64 bits, without two arrays per call. */
const EPS_F64 = new Float64Array(1);
const EPS_BITS = new Int32Array(EPS_F64.buffer);

/** Whether a parallel job of this process has gone to sleep waiting for the workers yet (runJobs). */
let sleptOnce = false;

/** Kernels with less work than this (weights read, or multiply-adds) run on the main thread alone: a
 *  parallel call costs a few µs more than a serial one even with the workers spinning (an f32 64 × 512
 *  product measured 5.5 µs on one thread, 7.2 µs on two). */
const PARALLEL_MIN_WORK = 1 << 15;

export interface WasmBackendOptions {
  /** compute threads, the main thread included (default 1) */
  readonly threads?: number;
  /** use the relaxed-SIMD kernels when the runtime has them (default true); false: plain SIMD always */
  readonly relaxed?: boolean;
  /** f32 copies of quantized weights' f16 block scales for faster products (default true; same results either way) */
  readonly scaleCopies?: boolean;
  /** weights copied four rows interleaved for a faster product (default true): f32 (both builds; the same
   *  results bit for bit), and in the relaxed build q4_0, q4_k and q6_k (the results differ from the
   *  row-by-row product's in float summation order only) */
  readonly interleave?: boolean;
}

/** Where each quantized format keeps its f16 scales in a block, which the backend copies out as f32
 *  (scaleCopiesOf): byte offset and how many (q4_k: d and dmin). */
const SCALE_COPY_FORMATS: ReadonlyMap<DType, { offset: number; count: number }> = new Map([
  ["q8_0", { offset: 0, count: 1 }], ["q4_0", { offset: 0, count: 1 }], ["q5_0", { offset: 0, count: 1 }],
  ["q4_k", { offset: 0, count: 2 }],
]);
/** The formats with a product over weights interleaved four rows at a time (relaxed build; f32 in both): the
 *  kernel that copies a weight into that layout, bytes per four rows per block (f32: per vector of 4), and the
 *  product. */
const INTERLEAVED_FORMATS: ReadonlyMap<DType, { interleave: KernelName; blockWeights: number; groupBlockBytes: number; kernel: KernelName }> = new Map([
  ["f32", { interleave: "interleave_f32", blockWeights: 4, groupBlockBytes: 64, kernel: "matmul_f32x4" }],
  ["q4_0", { interleave: "interleave_q4_0", blockWeights: 32, groupBlockBytes: 80, kernel: "matmul_q4_0x4_i8" }],
  ["q4_k", { interleave: "interleave_q4_k", blockWeights: 256, groupBlockBytes: 608, kernel: "matmul_q4_kx4_i8" }],
  ["q6_k", { interleave: "interleave_q6_k", blockWeights: 256, groupBlockBytes: 1104, kernel: "matmul_q6_kx4_i8" }],
]);
/** Scale copies are made only while this much of the 4 GiB stays free (KV caches, activations, scratch). */
const SCALE_COPY_RESERVE = 512 * 2 ** 20;

/** Weight dtypes with a wasm matrix product; the others fall back to the reference backend. */
export const WASM_MATMUL_DTYPES: ReadonlySet<DType> = new Set(["f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k", "q6_k"]);

export class WasmBackend extends ReferenceBackend implements Backend {
  override readonly name = "wasm";
  readonly memory: WebAssembly.Memory;
  private readonly kernels: Kernels;
  private readonly caller: KernelCaller; // the main thread's (thread 0) calls of parallel kernels
  private top: number; // next free byte
  private readonly pointers = new WeakMap<Uint8Array | Tensor, number>();
  private readonly regions = new Map<string, { ptr: number; size: number }>();
  private readonly scaleCopies = new Map<number, number>(); // weight pointer → its f32 block scales (0: none)
  private readonly interleaved = new Map<number, number>(); // q4_0/q4_k/q6_k weight pointer → its interleaved copy (0: none)
  private readonly heapBuffers = new WeakSet<ArrayBufferLike>(); // every buffer object wasm memory has had
  // blocks whose owner was garbage-collected (a KV cache dropped), reused before the heap grows
  private readonly freeBlocks: { ptr: number; size: number }[] = [];
  private readonly reclaim = new FinalizationRegistry<{ ptr: number; size: number }>((block) => this.freeBlocks.push(block));
  private readonly owned = new Map<number, { ptr: number; size: number }>(); // blocks given with an owner, by pointer
  readonly threads: number;
  /** whether the relaxed-SIMD kernels (fused multiply-add) run */
  readonly relaxed: boolean;
  private readonly makeScaleCopies: boolean;
  private readonly makeInterleaved: boolean; // the option; the quantized layouts need the relaxed build too
  private readonly workers: Worker[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL.size * 4));

  constructor(options: WasmBackendOptions = {}) {
    super();
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const { module, relaxed } = kernelModule(options.relaxed ?? true);
    this.relaxed = relaxed;
    this.makeScaleCopies = options.scaleCopies ?? true;
    this.makeInterleaved = options.interleave ?? true;
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory, abort: () => { throw new Error("wasm kernel aborted"); } } });
    this.threads = Math.max(1, Math.floor(options.threads ?? 1));
    this.kernels = instance.exports as unknown as Kernels;
    this.caller = new KernelCaller(instance.exports as Record<string, (...args: number[]) => void>, 0, this.threads);
    this.heapBuffers.add(this.memory.buffer);
    this.top = 1 << 20; // the first MiB is left to the module's own data
    for (let index = 1; index < this.threads; index++) {
      const worker = new Worker(WORKER, { workerData: { module, memory: this.memory, control: this.ctrl.buffer, index, threads: this.threads, generation: Atomics.load(this.ctrl, CTRL.generation) } });
      worker.unref(); // a sleeping worker never keeps the process alive
      this.workers.push(worker);
    }
  }

  /** Stops the worker threads. */
  dispose(): void {
    this.ctrl[CTRL.jobs] = EXIT;
    Atomics.add(this.ctrl, CTRL.generation, 1);
    Atomics.notify(this.ctrl, CTRL.generation);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  /** Runs a kernel over all threads: each takes chunks of the rows until none are left (kernel-call.ts). */
  private run(job: KernelJob, work: number): void {
    if (!this.worthThreads(work) || !this.splits(job)) return this.caller.runRows(job, 0, job.rows); // no arrays for the serial case
    this.runJobs([job], [work]);
  }

  /** Whether this much work (in all) is worth waking the workers for. */
  private worthThreads(work: number): boolean {
    return this.workers.length > 0 && work >= PARALLEL_MIN_WORK;
  }

  /** Whether a job's rows split at least `threads` ways (in whole multiples of its alignment). */
  private splits(job: KernelJob): boolean {
    return job.rows >= this.threads * job.align;
  }

  /** Runs independent kernel calls as one parallel job: threads take chunks of the first, then the next… */
  private runJobs(jobs: readonly KernelJob[], works: readonly number[]): void {
    if (!this.worthThreads(works.reduce((a, b) => a + b, 0)) || !jobs.every((job) => this.splits(job))) {
      for (const job of jobs) this.caller.runRows(job, 0, job.rows);
      return;
    }
    const chunks = jobs.map((job, j) => chunkCount(job, this.threads, works[j]!));
    writeJobs(this.ctrl, jobs, chunks);
    Atomics.store(this.ctrl, CTRL.next, chunks.reduce((a, b) => a + b, 0) << 16); // front 0, back: every chunk (KernelCaller.take)
    Atomics.store(this.ctrl, CTRL.done, 0);
    Atomics.add(this.ctrl, CTRL.generation, 1);
    Atomics.notify(this.ctrl, CTRL.generation);
    this.caller.runPostedChunks(this.ctrl);
    // subtle: both waits are calls made on every job, not loops here. V8 optimizes runJobs before any job has
    // slept, and each first sleep then threw the optimized code away ("insufficient type feedback"), ~50
    // deoptimizations in a fresh process's first generation; and a spinning loop here made V8 compile runJobs
    // on the stack (OSR) from inside the loop, with call sites before it that had no feedback yet: in one
    // `glassbox generate` (stories110M q4_0, 128 tokens) that code was thrown away 6 times and runJobs
    // compiled 4–5 times, ~100 ms of background compiling on a machine whose two cores both threads keep
    // busy; with the loops in functions of their own, 2–3 times (the rest are "wrong map" deoptimizations)
    this.spinUntilWorkersDone();
    this.sleepUntilWorkersDone();
  }

  /**
   * The workers usually finish within microseconds of the main thread: spin for up to 2 ms (checking the clock
   * every 1024 loads) before sleepUntilWorkersDone sleeps, since waking from Atomics.wait costs tens of
   * microseconds here. The process's first parallel job sleeps at once, so that the sleeping path has run (and
   * V8 has its type feedback) before the callers are optimized: a path first reached in optimized code throws
   * that code away.
   */
  private spinUntilWorkersDone(): void {
    const spinMs = sleptOnce ? 2 : 0;
    sleptOnce = true;
    for (const spinUntil = performance.now() + spinMs; Atomics.load(this.ctrl, CTRL.done) < this.workers.length && performance.now() < spinUntil; ) {
      for (let i = 0; i < 1024 && Atomics.load(this.ctrl, CTRL.done) < this.workers.length; i++);
    }
  }

  /** Sleeps on Atomics.wait until every worker has reported the posted jobs done (returns at once if they have). */
  private sleepUntilWorkersDone(): void {
    const deadline = performance.now() + 60_000; // a kernel takes milliseconds; a minute means a lost worker
    for (let done = Atomics.load(this.ctrl, CTRL.done); done < this.workers.length; done = Atomics.load(this.ctrl, CTRL.done)) {
      if (performance.now() > deadline) throw new Error(`wasm backend: ${this.workers.length - done} worker thread(s) did not finish a kernel within 60 s`);
      Atomics.wait(this.ctrl, CTRL.done, done, 100);
    }
  }

  /** Bytes the backend can still hold (the rest of the 4 GiB address space). */
  get capacity(): number {
    return MAX_PAGES * PAGE - this.top;
  }

  /**
   * A zeroed, 64-byte-aligned region of wasm memory, viewed as bytes; weights are read straight into it.
   * With an `owner`, the region goes back to the backend once the owner is garbage-collected (a KV cache:
   * a server or a perplexity run makes many over its life); without one it is held for good (weights).
   */
  allocate(byteLength: number, owner?: object): Uint8Array {
    const size = align64(byteLength);
    const reused = owner ? this.takeFreeBlock(size) : undefined;
    const ptr = reused?.ptr ?? this.grow(size);
    if (owner) {
      const block = reused ?? { ptr, size };
      this.reclaim.register(owner, block, block);
      this.owned.set(ptr, block);
    }
    const view = new Uint8Array(this.memory.buffer, ptr, byteLength);
    if (reused) view.fill(0); // fresh memory is zero already
    this.pointers.set(view, ptr);
    return view;
  }

  /** The smallest freed block that holds `size` bytes, taken off the free list. */
  private takeFreeBlock(size: number): { ptr: number; size: number } | undefined {
    let best = -1;
    this.freeBlocks.forEach((b, i) => {
      if (b.size >= size && (best < 0 || b.size < this.freeBlocks[best]!.size)) best = i;
    });
    return best >= 0 ? this.freeBlocks.splice(best, 1)[0] : undefined;
  }

  /** `size` bytes from the top of the heap (64-byte aligned), growing wasm memory when needed. */
  private grow(size: number): number {
    const ptr = align64(this.top);
    const end = ptr + size;
    if (end > MAX_PAGES * PAGE) {
      throw new UserError("model", `needs more than WebAssembly's 4 GiB of memory (${(end / 2 ** 30).toFixed(2)} GiB so far): use a smaller quantization (q4_k_m, q4_0) or a smaller model`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      this.heapBuffers.add(this.memory.buffer); // growing shared memory gives a new, longer buffer object
    }
    this.top = end;
    return ptr;
  }

  /** Returns a block given with an owner to the free list now (the owner's finalizer is cancelled). */
  release(bytes: Uint8Array): void {
    const block = this.owned.get(bytes.byteOffset);
    if (!block) return; // not a block given with an owner (or already released)
    this.owned.delete(block.ptr);
    this.reclaim.unregister(block);
    this.freeBlocks.push(block);
  }

  /** Where a weight's bytes are in wasm memory (copied in once if it was made elsewhere). */
  private pointerOf(w: Tensor): number {
    const known = this.pointers.get(w.bytes) ?? this.pointers.get(w);
    if (known !== undefined) return known;
    const copy = this.allocate(w.bytes.byteLength);
    copy.set(w.bytes);
    const ptr = copy.byteOffset;
    this.pointers.set(w, ptr);
    return ptr;
  }

  /**
   * f32 copies of a quantized weight's f16 block scales, in block order (d; d and dmin for q4_k), made on
   * the weight's first product (block_scales_f32, exact): the product then reads an f32 per block instead of
   * converting an f16, which for q8_0 was a third of a block's instructions (products.ts). They cost 4 bytes
   * per scale (+12% of q8_0's memory, +22% of q4_0's, +6% of q4_k's; q6_k, one f16 per 256 weights,
   * measured no faster with them), so a model near the 4 GiB ceiling goes without them (0: the kernel
   * converts each f16 itself; the results are the same either way). Keyed by the weight's place in wasm
   * memory: weights are held for good, so a place never changes hands.
   */
  private scaleCopiesOf(w: Tensor, wPtr: number): number {
    const layout = SCALE_COPY_FORMATS.get(w.dtype);
    if (!layout) throw new Error(`wasm backend: no scale copies for ${w.dtype}`);
    const known = this.scaleCopies.get(wPtr);
    if (known !== undefined) return known;
    const blockWeights = DTYPES[w.dtype].blockSize;
    const blocks = w.size / blockWeights;
    const bytes = blocks * layout.count * 4;
    let ptr = 0;
    if (this.makeScaleCopies && this.capacity - bytes > SCALE_COPY_RESERVE) {
      ptr = this.allocate(bytes).byteOffset;
      this.kernels.block_scales_f32(ptr, wPtr, blocks, byteSize(w.dtype, blockWeights), layout.offset, layout.count);
    }
    this.scaleCopies.set(wPtr, ptr);
    return ptr;
  }

  /**
   * A q4_0, q4_k or q6_k weight copied into groups of four rows interleaved block by block
   * (assembly/interleaved.ts), made on its first product in the relaxed build: that product then runs
   * 1.2–1.9× faster (the integer sums are the same; only the f32 summation differs from the row-by-row
   * kernel's, by rounding). A second copy beside the weight (per 32 weights, q4_0: 20 bytes, in place of the
   * 4-byte scale copies; q4_k: 19, in place of 1; q6_k: 34.5, its 6-bit values widened to bytes), so, like
   * the scale copies, it is made only while the reserve stays free, and only for rows in fours; 0: none,
   * the row-by-row kernel runs. A weight takes one path for the backend's life, so a decode
   * step and a prompt pass compute the same numbers.
   * An f32 weight (either build) is copied on its first product of fewer than four activation rows (decode;
   * a prompt's tiles read the row-major weight, and training never asks): its whole groups of four rows,
   * K & ~3 columns (assembly/matmul.ts, interleave_f32), a second copy of the weight, whose product gives the
   * same numbers bit for bit with fewer loads per byte (stories110M f32 at two threads: the products ~1.3×,
   * a decode step 1.04–1.18×).
   * Like the scale copies, a copy is made once and never refreshed: a weight's values must not change after
   * its first product (inference weights never do; training keeps its parameters as plain arrays and runs
   * its own kernels).
   */
  private interleavedOf(w: Tensor, wPtr: number): number {
    const known = this.interleaved.get(wPtr);
    if (known !== undefined) return known;
    const layout = INTERLEAVED_FORMATS.get(w.dtype);
    if (!layout) throw new Error(`wasm backend: no interleaved layout for ${w.dtype}`);
    // f32 leaves the rows past the last four and the scalar tail of each row in the row-major weight; the
    // quantized layouts need whole groups of rows and the relaxed build
    const f32 = w.dtype === "f32";
    const rows = f32 ? w.rows - (w.rows % 4) : w.rows;
    const bytes = (rows / 4) * Math.floor(w.rowLength / layout.blockWeights) * layout.groupBlockBytes;
    let ptr = 0;
    const wanted = this.makeInterleaved && (f32 || (this.relaxed && w.rows % 4 === 0));
    if (wanted && bytes > 0 && this.capacity - bytes > SCALE_COPY_RESERVE) {
      ptr = this.allocate(bytes).byteOffset;
      // on every thread: a 7B model's weights are interleaved as its first prompt runs
      this.run({ kernel: layout.interleave, args: [ptr, wPtr, w.rows, w.rowLength], rows, align: 4 }, bytes);
    }
    this.interleaved.set(wPtr, ptr);
    return ptr;
  }

  /** A named scratch region of at least `bytes`, reused across calls (each name its own region). */
  private region(name: string, bytes: number): number {
    const have = this.regions.get(name);
    if (have && have.size >= bytes) return have.ptr;
    const size = Math.max(bytes, 2 * (have?.size ?? 0));
    const ptr = this.allocate(size).byteOffset;
    this.regions.set(name, { ptr, size });
    return ptr;
  }

  /**
   * Pointers for f32 arrays of the given lengths: an array that lives in wasm memory (allocated by this
   * backend, as training's arena does) is used in place; any other is copied into a staging region, and
   * `copyBack` copies the staged outputs out again.
   */
  private place(arrays: readonly (readonly [Float32Array, number, "in" | "out" | "inout"])[]): { ptrs: number[]; copyBack(): void } {
    for (const [a, n] of arrays) if (a.length < n) throw new Error(`wasm backend: an array of ${a.length} floats where ${n} are needed`);
    if (arrays.every(([a]) => this.heapBuffers.has(a.buffer))) return { ptrs: arrays.map(([a]) => a.byteOffset), copyBack: noCopies }; // all in place
    // offsets of the arrays that need staging, 64-byte aligned, within one staging region
    const offsets = new Map<number, number>();
    let size = 0;
    arrays.forEach(([a, n], i) => {
      if (this.heapBuffers.has(a.buffer)) return;
      offsets.set(i, size);
      size += align64(n * 4);
    });
    const base = size > 0 ? this.region("staging", size) : 0;
    const staged = [...offsets].map(([i, at]) => ({ ptr: base + at, array: arrays[i]![0], n: arrays[i]![1], mode: arrays[i]![2] }));
    for (const s of staged) if (s.mode !== "out") new Float32Array(this.memory.buffer, s.ptr, s.n).set(s.array.subarray(0, s.n));
    return {
      ptrs: arrays.map(([a], i) => (offsets.has(i) ? base + offsets.get(i)! : a.byteOffset)),
      copyBack: () => {
        for (const s of staged) if (s.mode !== "in") s.array.set(new Float32Array(this.memory.buffer, s.ptr, s.n));
      },
    };
  }


  override gemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    const { ptrs: [cPtr, aPtr, bPtr], copyBack } = this.place([[c, M * N, accumulate ? "inout" : "out"], [a, M * K, "in"], [b, K * N, "in"]]);
    let bRows = bPtr!;
    if (transB) {
      // the kernel reads B as (K, N) rows: transpose the stored (N, K) once (K·N floats against M·N·K work)
      bRows = this.region("transposed", K * N * 4);
      this.run({ kernel: "transpose_f32", args: [bRows, bPtr!, N, K], rows: N, align: 1 }, N * K);
    }
    const [sai, sak] = transA ? [1, M] : [K, 1];
    this.run({ kernel: "gemm_f32", args: [cPtr!, aPtr!, bRows, N, K, sai, sak, accumulate ? 1 : 0], rows: M, align: 4 }, M * N * K);
    copyBack();
  }

  override causalAttention(out: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
    const { B, T, nHead: H, nKvHead: Hkv, headDim: hs } = shape;
    const { ptrs, copyBack } = this.place([[out, B * T * H * hs, "out"], [probs, B * H * T * T, "out"], [q, B * T * H * hs, "in"], [k, B * T * Hkv * hs, "in"], [v, B * T * Hkv * hs, "in"]]);
    this.run({ kernel: "attention_forward", args: [...ptrs, T, H, Hkv, hs], rows: B * Hkv, align: 1 }, B * H * T * T * hs);
    copyBack();
  }

  override causalAttentionBackward(dq: Float32Array, dk: Float32Array, dv: Float32Array, dOut: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, shape: BatchShape): void {
    const { B, T, nHead: H, nKvHead: Hkv, headDim: hs } = shape;
    const qn = B * T * H * hs, kvn = B * T * Hkv * hs;
    const { ptrs, copyBack } = this.place([[dq, qn, "out"], [dk, kvn, "out"], [dv, kvn, "out"], [dOut, qn, "in"], [probs, B * H * T * T, "in"], [q, qn, "in"], [k, kvn, "in"], [v, kvn, "in"]]);
    const scratch = this.region("attention", B * Hkv * T * 4);
    this.run({ kernel: "attention_backward", args: [...ptrs, scratch, T, H, Hkv, hs], rows: B * Hkv, align: 1 }, 2 * B * H * T * T * hs);
    copyBack();
  }

  override attention(out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array, shape: AttentionShape, probs?: Float32Array): void {
    const { T, pos0, nHead: H, nKvHead: Hkv, headDim: hs, window } = shape;
    const S = pos0 + T;
    const capacity = cacheCapacity(kCache, vCache, shape);
    // the cache is used in place when it lives in wasm memory (KvCache built with this backend); staged otherwise
    const arrays: [Float32Array, number, "in" | "out" | "inout"][] = [[out, T * H * hs, "out"], [q, T * H * hs, "in"], [kCache, kCache.length, "in"], [vCache, vCache.length, "in"]];
    if (probs) arrays.push([probs, H * T * S, "out"]);
    const { ptrs, copyBack } = this.place(arrays);
    const scratch = this.region("attention", this.threads * S * 4); // each thread's scores, (S)
    const windowInt = Math.min(window, 0x7fffffff); // Infinity: every earlier position
    // work: the multiply-adds (q·k and p·v), so a decode step's heads split across the threads from ~20
    // positions on (stories110M decode 1.02–1.04× at 2 threads; with the older hand-over and before the
    // deoptimization fix in runJobs, two threads had measured slower, 0.35 → 0.49 ms per token)
    const work = 2 * T * H * Math.min(S, window) * hs;
    this.run({ kernel: "attention_cached", args: [ptrs[0]!, ptrs[1]!, ptrs[2]!, ptrs[3]!, probs ? ptrs[4]! : 0, scratch, T, pos0, H, Hkv, hs, windowInt, capacity], rows: T * H, align: 1 }, work);
    copyBack();
  }

  writeCache(kCache: Float32Array, vCache: Float32Array, k: Float32Array, v: Float32Array, pos0: number, Hkv: number, hs: number): void {
    const units = k.length / hs, capacity = kCache.length / (Hkv * hs); // units: (position, head) pairs
    const { ptrs, copyBack } = this.place([[kCache, kCache.length, "inout"], [vCache, vCache.length, "inout"], [k, k.length, "in"], [v, v.length, "in"]]);
    this.run({ kernel: "cache_write", args: [ptrs[0]!, ptrs[1]!, ptrs[2]!, ptrs[3]!, Hkv, hs, capacity, pos0], rows: units, align: 1 }, 2 * k.length);
    copyBack();
  }

  /** True when every array lives in wasm memory (kernels use it in place; staging would cost more than an
   *  elementwise kernel saves). */
  private inHeap(...arrays: Float32Array[]): boolean {
    return arrays.every((a) => this.heapBuffers.has(a.buffer));
  }

  /** An elementwise kernel over n values, split across threads in 64-value runs. */
  private elementwise(kernel: KernelName, pointers: number[], n: number): void {
    this.run({ kernel, args: pointers, rows: n, align: 64 }, n);
  }

  override add(y: Float32Array, a: Float32Array, b: Float32Array): void {
    if (!this.inHeap(y, a, b)) return super.add(y, a, b);
    this.elementwise("add_f32", [y.byteOffset, a.byteOffset, b.byteOffset], y.length);
  }

  override geluTanh(x: Float32Array): void {
    // the same kernel for arrays outside wasm memory (staged): a pass's numbers must not depend on whether
    // its activations came from the model's arena (decode) or not (a long prompt)
    const { ptrs, copyBack } = this.place([[x, x.length, "inout"]]);
    this.elementwise("gelu_tanh", ptrs, x.length);
    copyBack();
  }

  override geluTanhBackward(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
    if (!this.inHeap(dx, dy, x)) return super.geluTanhBackward(dx, dy, x);
    this.elementwise("gelu_tanh_backward", [dx.byteOffset, dy.byteOffset, x.byteOffset], x.length);
  }

  override swiglu(y: Float32Array, gate: Float32Array, up: Float32Array): void {
    const n = y.length;
    // in place for an activation arena's arrays; others are staged (three copies against an exp per value)
    const { ptrs, copyBack } = this.place([[y, n, "out"], [gate, n, "in"], [up, n, "in"]]);
    this.elementwise("swiglu", ptrs, n);
    copyBack();
  }

  override swigluBackward(dGate: Float32Array, dUp: Float32Array, dy: Float32Array, gate: Float32Array, up: Float32Array): void {
    if (!this.inHeap(dGate, dUp, dy, gate, up)) return super.swigluBackward(dGate, dUp, dy, gate, up);
    this.elementwise("swiglu_backward", [dGate.byteOffset, dUp.byteOffset, dy.byteOffset, gate.byteOffset, up.byteOffset], dy.length);
  }

  override rmsNorm(y: Float32Array, x: Float32Array, weight: Float32Array, C: number, eps: number): void {
    const rows = x.length / C;
    const { ptrs, copyBack } = this.place([[y, rows * C, "out"], [x, rows * C, "in"], [weight, C, "in"]]);
    EPS_F64[0] = eps; // the kernel takes integers: eps's f64 bits, low half first
    this.run({ kernel: "rms_norm", args: [ptrs[0]!, ptrs[1]!, ptrs[2]!, C, EPS_BITS[0]!, EPS_BITS[1]!], rows, align: 1 }, rows * C);
    copyBack();
  }

  override layerNorm(y: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array, C: number, eps: number): void {
    const rows = x.length / C;
    const { ptrs, copyBack } = this.place([[y, rows * C, "out"], [x, rows * C, "in"], [weight, C, "in"], [bias, C, "in"]]);
    EPS_F64[0] = eps; // as rmsNorm: eps's f64 bits, low half first
    this.run({ kernel: "layer_norm", args: [ptrs[0]!, ptrs[1]!, ptrs[2]!, ptrs[3]!, C, EPS_BITS[0]!, EPS_BITS[1]!], rows, align: 1 }, rows * C);
    copyBack();
  }

  /** The angle tables (cos, sin) last copied into wasm memory for rope, and where: a forward pass rotates
   *  q and k of every layer at the same positions, so they are copied once per pass. */
  private ropeTables?: { angles: object; cos: number; sin: number };

  override rope(x: Float32Array, T: number, nHeads: number, headDim: number, positions: Int32Array, invFreq: Float32Array, style: RopeStyle): void {
    const pairs = invFreq.length;
    const angles = this.ropeAngles(positions, T, invFreq); // the reference's tables (cached per positions), Math.cos and Math.sin in f64
    if (this.ropeTables?.angles !== angles) {
      const bytes = T * pairs * 8;
      const cos = this.region("ropeCos", bytes), sin = this.region("ropeSin", bytes);
      new Float64Array(this.memory.buffer, cos, T * pairs).set(angles.cos.subarray(0, T * pairs));
      new Float64Array(this.memory.buffer, sin, T * pairs).set(angles.sin.subarray(0, T * pairs));
      this.ropeTables = { angles, cos, sin };
    }
    const { cos, sin } = this.ropeTables;
    const { ptrs, copyBack } = this.place([[x, T * nHeads * headDim, "inout"]]);
    this.run({ kernel: "rope", args: [ptrs[0]!, cos, sin, nHeads, headDim, pairs, style === "interleaved" ? 1 : 0], rows: T * nHeads, align: 1 }, T * nHeads * pairs * 4);
    copyBack();
  }

  override layerNormForward(y: Float32Array, xHat: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | undefined, C: number, eps: number): void {
    if (!this.inHeap(y, xHat, rstd, x, w, ...(b ? [b] : []))) return super.layerNormForward(y, xHat, rstd, x, w, b, C, eps);
    const epsBits = new Int32Array(Float32Array.of(eps).buffer)[0]!; // the kernel takes integers: pass the f32's bits
    this.run({ kernel: "layer_norm_forward", args: [y.byteOffset, xHat.byteOffset, rstd.byteOffset, x.byteOffset, w.byteOffset, b ? b.byteOffset : 0, C, epsBits], rows: rstd.length, align: 1 }, rstd.length * C * 4);
  }

  override layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array | undefined, dy: Float32Array, xHat: Float32Array, rstd: Float32Array, w: Float32Array, C: number): void {
    if (!this.inHeap(dx, dw, dy, xHat, rstd, w, ...(db ? [db] : []))) return super.layerNormBackward(dx, dw, db, dy, xHat, rstd, w, C);
    const rows = rstd.length;
    this.run({ kernel: "layer_norm_backward_dx", args: [dx.byteOffset, dy.byteOffset, xHat.byteOffset, rstd.byteOffset, w.byteOffset, C], rows, align: 1 }, rows * C * 4);
    this.run({ kernel: "layer_norm_backward_params", args: [dw.byteOffset, db ? db.byteOffset : 0, dy.byteOffset, xHat.byteOffset, rows, C], rows: C, align: 4 }, rows * C * 2);
  }

  /** The targets of a cross-entropy, copied into wasm memory (rows ints: nothing next to the logits). */
  private targetsInHeap(targets: Int32Array): number {
    const ptr = this.region("targets", targets.length * 4);
    new Int32Array(this.memory.buffer, ptr, targets.length).set(targets);
    return ptr;
  }

  override crossEntropy(probs: Float32Array, losses: Float32Array, logits: Float32Array, targets: Int32Array, V: number): void {
    if (!this.inHeap(probs, losses, logits)) return super.crossEntropy(probs, losses, logits, targets, V);
    const t = this.targetsInHeap(targets);
    this.run({ kernel: "cross_entropy", args: [probs.byteOffset, losses.byteOffset, logits.byteOffset, t, V], rows: targets.length, align: 1 }, targets.length * V);
  }

  override crossEntropyBackward(dLogits: Float32Array, probs: Float32Array, targets: Int32Array, V: number, scale: number): void {
    if (!this.inHeap(dLogits, probs)) return super.crossEntropyBackward(dLogits, probs, targets, V, scale);
    const t = this.targetsInHeap(targets);
    const scaleBits = new Int32Array(Float32Array.of(scale).buffer)[0]!; // the kernel takes integers: pass the f32's bits
    this.run({ kernel: "cross_entropy_backward", args: [dLogits.byteOffset, probs.byteOffset, t, V, scaleBits], rows: targets.length, align: 1 }, targets.length * V);
  }

  override adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamWStep): void {
    if (!this.inHeap(p, g, m, v)) return super.adamw(p, g, m, v, s);
    this.kernels.adamw(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, p.length, s.shrink, s.beta1, s.beta2, s.stepSize, s.correction2, s.eps);
  }

  override matmul(y: Float32Array, x: Float32Array, w: Tensor, T: number): void {
    this.matmuls([y], x, [w], T);
  }

  /**
   * Products of one input with several weights (q, k, v; gate, up) whose activations take the same form
   * (activationForm): x is quantized once (copied in first unless it lives in wasm memory), and the products run as one parallel job, so a
   * decode step waits for the threads once per input instead of once per weight. Any other mix runs product
   * by product; the results never depend on which.
   */
  override matmuls(ys: readonly Float32Array[], x: Float32Array, ws: readonly Tensor[], T: number): void {
    const form = activationForm(ws[0]!.dtype, this.relaxed);
    const K = ws[0]!.rowLength;
    if (ws.length > MAX_JOBS || ws.some((w) => w.rowLength !== K || activationForm(w.dtype, this.relaxed) !== form)) {
      ws.forEach((w, i) => this.matmuls([ys[i]!], x, [w], T));
      return;
    }
    if (form === undefined) {
      ws.forEach((w, i) => super.matmul(ys[i]!, x, w, T));
      return;
    }
    // activations and outputs that live in wasm memory (a model's activation arena) are used in place, unless
    // an output overlaps the input or the input is about to be prescaled for f16 weights (which rewrites it)
    const inPlace = form !== "f16" && this.inHeap(x, ...ys) && ys.every((y) => !overlapping(y, x));
    // one region: activations (f32), each product's outputs (f32) when not in place, and for quantized weights
    // the activations' 8-bit values (i16, or i8 for the relaxed build's 4/5/6-bit products), one scale per
    // block, Σ q per 32 (plain k-quants), per 16 (relaxed k-quants), or per four and per block (q4_0/q5_0 in
    // the relaxed build: 8 × i16 and one i32 per block); each part 64-byte aligned
    const quantized = form !== "f32" && form !== "f16" && form !== "bf16";
    const yBytes = ws.map((w) => (inPlace ? 0 : align64(T * w.rows * 4)));
    const [xBytes, qBytes, sBytes, offsetBytes] = [inPlace ? 0 : align64(T * K * 4), quantized ? align64(T * K * 2) : 0, quantized ? align64((T * K) / 8) : 0, quantized ? align64((T * K) / 2) : 0];
    const regionBytes = xBytes + yBytes.reduce((a, b) => a + b, 0) + qBytes + 4 * sBytes + offsetBytes;
    const base = regionBytes > 0 ? this.region("matmul", regionBytes) : 0;
    const xPtr = inPlace ? x.byteOffset : base;
    const yPtrs: number[] = [];
    let at = base + xBytes;
    for (let i = 0; i < ws.length; i++) yPtrs.push(inPlace ? ys[i]!.byteOffset : at), (at += yBytes[i]!);
    const qsPtr = at, dsPtr = qsPtr + qBytes, sumsPtr = dsPtr + sBytes, sums16Ptr = sumsPtr + sBytes, sums32Ptr = sums16Ptr + sBytes, offsetsPtr = sums32Ptr + sBytes;
    if (!inPlace) new Float32Array(this.memory.buffer, xPtr, T * K).set(x.length === T * K ? x : x.subarray(0, T * K));
    // the activations, once for all the products
    let halfKind = 0, rowsF32 = 0;
    if (form === "f16" || form === "bf16") {
      // f16: activations × 2^112 spare every weight its × 2^112 (matmul.ts, F16_PRESCALED), when none can overflow
      halfKind = form === "bf16" ? 0 : this.kernels.prescale_f16_activations(xPtr, T * K) ? 2 : 1;
      rowsF32 = T >= 4 ? this.region("halfRows", this.threads * this.kernels.half_scratch_bytes(K)) : 0; // each thread's widened weight rows and partial sums: used only by 4-row tiles
    } else if (form === "q8_k_i8") this.kernels.quantize_q8_k_i8(xPtr, qsPtr, dsPtr, sums16Ptr, T, K);
    else if (form === "q8_0_i8") this.kernels.quantize_q8_0_i8(xPtr, qsPtr, dsPtr, offsetsPtr, sums32Ptr, T, K);
    else if (form === "q8_k") this.kernels.quantize_q8_k(xPtr, qsPtr, dsPtr, sumsPtr, T, K);
    else if (form === "q8_0") this.kernels.quantize_q8_0(xPtr, qsPtr, dsPtr, T, K);
    const jobs: KernelJob[] = [], works: number[] = [];
    ws.forEach((w, i) => {
      const [N, yPtr, wPtr] = [w.rows, yPtrs[i]!, this.pointerOf(w)];
      works.push(N * K * Math.min(T, 4)); // a tile of 4 activation rows reads each weight once
      if (form === "f32") {
        // fewer than 4 activation rows (decode): over the four-row interleaved copy, the same numbers (matmul.ts)
        const interleaved = T < 4 ? this.interleavedOf(w, wPtr) : 0;
        if (interleaved) return jobs.push({ kernel: "matmul_f32x4", args: [yPtr, xPtr, wPtr, interleaved, T, N, K], rows: N, align: 4 });
        return jobs.push({ kernel: "matmul_f32", args: [yPtr, xPtr, wPtr, T, N, K], rows: N, align: 2 });
      }
      if (form === "f16" || form === "bf16") return jobs.push({ kernel: "matmul_half", args: [yPtr, xPtr, wPtr, T, N, K, halfKind, rowsF32], rows: N, align: 1 });
      // q4_0, q4_k and q6_k interleaved four rows at a time (relaxed build): q4_0 takes the activations' sums
      // per block, the k-quants their sums per 16
      const interleaved = this.relaxed && INTERLEAVED_FORMATS.has(w.dtype) ? this.interleavedOf(w, wPtr) : 0;
      if (interleaved) {
        const { kernel } = INTERLEAVED_FORMATS.get(w.dtype)!;
        return jobs.push({ kernel, args: [yPtr, qsPtr, dsPtr, w.dtype === "q4_0" ? sums32Ptr : sums16Ptr, interleaved, T, N, K], rows: N, align: 4 });
      }
      // the weight's pointer, then its scale copies' for the formats that take them (products.ts)
      const weight = SCALE_COPY_FORMATS.has(w.dtype) ? [wPtr, this.scaleCopiesOf(w, wPtr)] : [wPtr];
      let args: number[];
      if (form === "q8_k_i8") args = [yPtr, qsPtr, dsPtr, sums16Ptr, ...weight, T, N, K]; // i8 activations meet the unsigned 4/5/6-bit weights in relaxed_dot (matmul-relaxed.ts)
      else if (form === "q8_0_i8") args = [yPtr, qsPtr, dsPtr, offsetsPtr, ...weight, T, N, K];
      else if (w.dtype === "q4_k") args = [yPtr, qsPtr, dsPtr, sumsPtr, ...weight, T, N, K];
      else args = [yPtr, qsPtr, dsPtr, ...weight, T, N, K];
      return jobs.push({ kernel: PRODUCT_KERNELS[form === "q8_k_i8" || form === "q8_0_i8" ? 1 : 0].get(w.dtype)!, args, rows: N, align: 1 });
    });
    this.runJobs(jobs, works);
    if (!inPlace) ws.forEach((w, i) => ys[i]!.set(new Float32Array(this.memory.buffer, yPtrs[i]!, T * w.rows)));
  }
}

/** place()'s copyBack when nothing was staged. */
const noCopies = (): void => {};

/** Whether two arrays share any bytes (both views of wasm memory). */
function overlapping(a: Float32Array, b: Float32Array): boolean {
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * How a product's activations are prepared, by weight format: as they are (f32), f32 for half weights
 * (for f16 prescaled when it can be: f16 and bf16 weights cannot share them), or quantized: per 32 (q8_0: i16, or i8 with four-sums for the relaxed
 * build's q4_0/q5_0) or per 256 (q8_k: i16 with sums per 32, or i8 with sums per 16 for relaxed k-quants).
 * Undefined: a format the wasm kernels lack (the reference's product runs). Products whose activations take
 * the same form can share them.
 */
function activationForm(dtype: DType, relaxed: boolean): "f32" | "f16" | "bf16" | "q8_0" | "q8_0_i8" | "q8_k" | "q8_k_i8" | undefined {
  if (!WASM_MATMUL_DTYPES.has(dtype)) return undefined;
  if (dtype === "f32" || dtype === "f16" || dtype === "bf16") return dtype;
  const kQuant = dtype === "q4_k" || dtype === "q6_k";
  if (relaxed && dtype !== "q8_0") return kQuant ? "q8_k_i8" : "q8_0_i8";
  return kQuant ? "q8_k" : "q8_0";
}

/** The product kernel of each quantized format: [plain SIMD, relaxed SIMD (i8 activations)]. */
const PRODUCT_KERNELS: readonly ReadonlyMap<DType, KernelName>[] = [
  new Map<DType, KernelName>([["q8_0", "matmul_q8_0"], ["q4_0", "matmul_q4_0"], ["q5_0", "matmul_q5_0"], ["q4_k", "matmul_q4_k"], ["q6_k", "matmul_q6_k"]]),
  new Map<DType, KernelName>([["q4_0", "matmul_q4_0_i8"], ["q5_0", "matmul_q5_0_i8"], ["q4_k", "matmul_q4_k_i8"], ["q6_k", "matmul_q6_k_i8"]]),
];

