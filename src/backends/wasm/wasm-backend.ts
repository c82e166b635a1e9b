/**
 * The WebAssembly backend: the matrix products that dominate inference run as SIMD kernels for f32, f16,
 * bf16, q8_0, q4_0, q5_0, q4_k and q6_k weights (q4_1, q5_1, q5_k still use the reference's),
 * in assembly/kernels.ts, compiled to dist/wasm/kernels.wasm at install; every other kernel is still the
 * reference backend's (inherited) until its wasm twin lands. Results match the reference backend within
 * float summation order (test/backends/conformance.test.ts).
 *
 * Memory: one shared WebAssembly.Memory (up to 4 GiB, WebAssembly's 32-bit ceiling). Weights are read
 * straight into it (`allocate`), so a model is held once; activations are copied in and out per product,
 * which costs O(T·(K + N)) against the product's O(T·N·K).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../../core/errors.js";
import type { DType } from "../../core/dtype.js";
import type { Backend } from "../../tensor/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ReferenceBackend } from "../reference/reference-backend.js";
import { CTRL, EXIT, runRows, writeJob, type KernelName, type MatmulJob } from "./kernel-call.js";

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB
const KERNELS = fileURLToPath(new URL("../../../wasm/kernels.wasm", import.meta.url));
const WORKER = new URL("./worker.js", import.meta.url);

interface Kernels extends Record<string, (...args: number[]) => void> {
  quantize_q8_0(x: number, qs: number, ds: number, T: number, K: number): void;
  quantize_q8_k(x: number, qs: number, ds: number, T: number, K: number): void;
}

/** Products smaller than this many weights run on the main thread alone (waking a worker costs ~26 µs). */
const PARALLEL_MIN_WEIGHTS = 1 << 15;

export interface WasmBackendOptions {
  /** compute threads, the main thread included (default 1) */
  readonly threads?: number;
}

/** Weight dtypes with a wasm matrix product; the others fall back to the reference backend. */
export const WASM_MATMUL_DTYPES: ReadonlySet<DType> = new Set(["f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k", "q6_k"]);

export class WasmBackend extends ReferenceBackend implements Backend {
  override readonly name = "wasm";
  readonly memory: WebAssembly.Memory;
  private readonly kernels: Kernels;
  private top: number; // next free byte
  private readonly pointers = new WeakMap<Uint8Array | Tensor, number>();
  private scratch = { ptr: 0, size: 0 };
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL.size * 4));

  constructor(options: WasmBackendOptions = {}) {
    super();
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const module = new WebAssembly.Module(readFileSync(KERNELS));
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory, abort: () => { throw new Error("wasm kernel aborted"); } } });
    this.kernels = instance.exports as unknown as Kernels;
    this.top = 1 << 20; // the first MiB is left to the module's own data
    this.threads = Math.max(1, Math.floor(options.threads ?? 1));
    for (let index = 1; index < this.threads; index++) {
      const worker = new Worker(WORKER, { workerData: { module, memory: this.memory, control: this.ctrl.buffer, index, threads: this.threads, generation: Atomics.load(this.ctrl, CTRL.generation) } });
      worker.unref(); // a sleeping worker never keeps the process alive
      this.workers.push(worker);
    }
  }

  /** Stops the worker threads. */
  dispose(): void {
    this.ctrl[CTRL.kernel] = EXIT;
    Atomics.add(this.ctrl, CTRL.generation, 1);
    Atomics.notify(this.ctrl, CTRL.generation);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  /** Runs a product over all threads: workers take their shares, the main thread the first. */
  private run(job: MatmulJob): void {
    const parallel = this.workers.length > 0 && job.N * job.K >= PARALLEL_MIN_WEIGHTS && job.N >= this.threads;
    if (!parallel) return runRows(this.kernels, job, 0, job.N);
    writeJob(this.ctrl, job);
    Atomics.store(this.ctrl, CTRL.done, 0);
    Atomics.add(this.ctrl, CTRL.generation, 1);
    Atomics.notify(this.ctrl, CTRL.generation);
    runRows(this.kernels, job, 0, Math.floor(job.N / this.threads));
    // the workers usually finish within microseconds of the main thread: spin, then sleep
    for (let i = 0; i < 1 << 16 && Atomics.load(this.ctrl, CTRL.done) < this.workers.length; i++);
    const deadline = performance.now() + 60_000; // a product takes milliseconds; a minute means a lost worker
    for (let done = Atomics.load(this.ctrl, CTRL.done); done < this.workers.length; done = Atomics.load(this.ctrl, CTRL.done)) {
      if (performance.now() > deadline) throw new Error(`wasm backend: ${this.workers.length - done} worker thread(s) did not finish a product within 60 s`);
      Atomics.wait(this.ctrl, CTRL.done, done, 100);
    }
  }

  /** Bytes the backend can still hold (the rest of the 4 GiB address space). */
  get capacity(): number {
    return MAX_PAGES * PAGE - this.top;
  }

  /** A zeroed, 64-byte-aligned region of wasm memory, viewed as bytes; weights are read straight into it. */
  allocate(byteLength: number): Uint8Array {
    const ptr = Math.ceil(this.top / 64) * 64;
    const end = ptr + byteLength;
    if (end > MAX_PAGES * PAGE) {
      throw new UserError("model", `needs more than WebAssembly's 4 GiB of memory (${(end / 2 ** 30).toFixed(2)} GiB so far): use a smaller quantization (q4_k_m, q4_0) or a smaller model`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    const view = new Uint8Array(this.memory.buffer, ptr, byteLength);
    this.pointers.set(view, ptr);
    return view;
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

  /** A scratch region of at least `bytes`, reused across calls. */
  private scratchOf(bytes: number): number {
    if (this.scratch.size < bytes) this.scratch = { ptr: this.allocate(Math.max(bytes, 2 * this.scratch.size)).byteOffset, size: Math.max(bytes, 2 * this.scratch.size) };
    return this.scratch.ptr;
  }

  override matmul(y: Float32Array, x: Float32Array, w: Tensor, T: number): void {
    if (!WASM_MATMUL_DTYPES.has(w.dtype)) return super.matmul(y, x, w, T);
    const [N, K] = [w.rows, w.rowLength];
    const wPtr = this.pointerOf(w);
    const xBytes = T * K * 4;
    const yBytes = T * N * 4;
    const quantized = w.dtype !== "f32" && w.dtype !== "f16" && w.dtype !== "bf16";
    const qBytes = quantized ? T * K + (T * K) / 8 : 0; // int8 quants + one f32 scale per 32 (or per 256)
    const base = this.scratchOf(xBytes + yBytes + qBytes + 192);
    const xPtr = base;
    const yPtr = Math.ceil((xPtr + xBytes) / 64) * 64;
    const qsPtr = Math.ceil((yPtr + yBytes) / 64) * 64;
    const dsPtr = Math.ceil((qsPtr + T * K) / 64) * 64;
    const heap = this.memory.buffer;
    new Float32Array(heap, xPtr, T * K).set(x.subarray(0, T * K));
    const k = this.kernels;
    const call = { y: yPtr, w: wPtr, T, N, K, bf16: w.dtype === "bf16" ? 1 : 0 };
    if (w.dtype === "f32" || w.dtype === "f16" || w.dtype === "bf16") {
      this.run({ ...call, kernel: w.dtype === "f32" ? "matmul_f32" : "matmul_half", x: xPtr, ds: 0 });
    } else {
      // activations are quantized once per product, then every thread reads them
      if (w.dtype === "q4_k" || w.dtype === "q6_k") k.quantize_q8_k(xPtr, qsPtr, dsPtr, T, K);
      else k.quantize_q8_0(xPtr, qsPtr, dsPtr, T, K);
      this.run({ ...call, kernel: `matmul_${w.dtype}` as KernelName, x: qsPtr, ds: dsPtr });
    }
    y.set(new Float32Array(this.memory.buffer, yPtr, T * N));
  }
}
