/**
 * One kernel call as plain integers, so the main thread and the worker threads can run the same call on
 * different ranges of its rows: the job is written into a shared Int32Array and each thread reads it.
 * Every parallel kernel takes its own arguments followed by the row range (r0, r1) it should compute, and
 * may take one more: the index of the thread running it (0 = the main thread), for per-thread scratch.
 */
export const KERNEL_IDS = [
  "matmul_f32", "matmul_half", "matmul_q8_0", "matmul_q4_0", "matmul_q5_0", "matmul_q4_k", "matmul_q6_k",
  "matmul_q4_0_i8", "matmul_q5_0_i8", "matmul_q4_k_i8", "matmul_q6_k_i8",
  "gemm_f32", "transpose_f32", "attention_forward", "attention_backward", "add_f32", "gelu_tanh", "gelu_tanh_backward", "swiglu", "swiglu_backward", "cross_entropy", "cross_entropy_backward",
  "attention_cached", "layer_norm_forward", "layer_norm_backward_dx", "layer_norm_backward_params",
] as const;
export type KernelName = (typeof KERNEL_IDS)[number];

/** The most integer arguments a kernel takes before its row range. */
export const MAX_ARGS = 14;

export interface KernelJob {
  readonly kernel: KernelName;
  readonly args: readonly number[]; // the kernel's arguments, pointers and sizes, before (r0, r1)
  readonly rows: number; // the range 0 .. rows − 1 that threads split
  readonly align: number; // each thread's share starts at a multiple of this (register tiles stay whole)
}

type Exports = Record<string, (...args: number[]) => void>;

/**
 * Threads share a job by taking chunks of its rows in turn from a shared counter (CTRL.next) until none
 * are left: a thread that wakes late, or is slowed by another process on this shared machine, simply takes
 * fewer chunks, instead of every other thread waiting for its fixed half. Which thread computes a row never
 * changes the row's result. Chunk c covers rows chunkRange(job, c); there are chunkCount(job, threads).
 */
export function chunkCount(job: KernelJob, threads: number, work: number): number {
  // each chunk costs an atomic increment on a shared line: small jobs get one chunk per thread
  const wanted = Math.max(threads, Math.min(threads * CHUNKS_PER_THREAD, Math.floor(work / CHUNK_MIN_WORK)));
  return Math.min(Math.ceil(job.rows / job.align), wanted);
}

// chunks of ≥ 2^16 work units (~5 µs), up to 32 per thread: the last chunk taken bounds how long the other
// threads wait at the end (with 4 per thread, the 32000-row classifier's chunks took ~300 µs each)
const CHUNKS_PER_THREAD = 32;
const CHUNK_MIN_WORK = 1 << 16;

/** The first row of chunk c of `chunks` (c = chunks: the end of the last). */
export function chunkStart(rows: number, align: number, chunk: number, chunks: number): number {
  return Math.min(rows, Math.floor((Math.ceil(rows / align) * chunk) / chunks) * align);
}

/** Chunk c covers rows chunkRange(…) = [chunkStart(c), chunkStart(c + 1)). */
export function chunkRange(job: KernelJob, chunk: number, chunks: number): [number, number] {
  return [chunkStart(job.rows, job.align, chunk, chunks), chunkStart(job.rows, job.align, chunk + 1, chunks)];
}

/**
 * One thread's means of calling kernels without allocating: the kernels by id, and for each argument count
 * n an array of n + 3 numbers (the arguments, then r0, r1 and the thread) handed to Function.apply. A decode
 * step posts ~100 jobs; garbage made per job woke the collector, whose helper threads then took a core
 * from a compute thread in the middle of a product.
 */
export class KernelCaller {
  private readonly byId: ((...args: number[]) => void)[];
  private readonly frames: number[][];

  constructor(kernels: Exports, readonly thread: number) {
    this.byId = KERNEL_IDS.map((name) => kernels[name] ?? (() => { throw new Error(`wasm kernel ${name} missing`); }));
    this.frames = Array.from({ length: MAX_ARGS + 1 }, (_, n) => new Array<number>(n + 3).fill(0));
  }

  /** Runs rows r0 .. r1 − 1 of a job given as an object. */
  runRows(job: KernelJob, r0: number, r1: number): void {
    if (r1 <= r0) return;
    const frame = this.frames[job.args.length]!;
    for (let i = 0; i < job.args.length; i++) frame[i] = job.args[i]!;
    this.call(KERNEL_IDS.indexOf(job.kernel), frame, job.args.length, r0, r1);
  }

  /** Takes and runs chunks of the job posted in the control block until the counter passes the last one. */
  runPostedChunks(ctrl: Int32Array): void {
    const argc = ctrl[CTRL.argCount]!, id = ctrl[CTRL.kernel]!, rows = ctrl[CTRL.rows]!, align = ctrl[CTRL.align]!, chunks = ctrl[CTRL.chunks]!;
    const frame = this.frames[argc]!;
    for (let i = 0; i < argc; i++) frame[i] = ctrl[CTRL.args + i]!;
    for (let c = Atomics.add(ctrl, CTRL.next, 1); c < chunks; c = Atomics.add(ctrl, CTRL.next, 1)) {
      const r0 = chunkStart(rows, align, c, chunks), r1 = chunkStart(rows, align, c + 1, chunks);
      if (r1 > r0) this.call(id, frame, argc, r0, r1);
    }
  }

  private call(id: number, frame: number[], argc: number, r0: number, r1: number): void {
    frame[argc] = r0;
    frame[argc + 1] = r1;
    frame[argc + 2] = this.thread;
    this.byId[id]!.apply(null, frame); // a kernel that does not declare the thread parameter ignores it
  }
}

// Control block layout (Int32Array over a SharedArrayBuffer)
export const CTRL = { generation: 0, done: 1, kernel: 2, rows: 3, align: 4, argCount: 5, next: 6, chunks: 7, args: 8, size: 8 + MAX_ARGS } as const;
export const EXIT = -1;

export function writeJob(ctrl: Int32Array, job: KernelJob): void {
  if (job.args.length > MAX_ARGS) throw new Error(`kernel ${job.kernel}: ${job.args.length} arguments, at most ${MAX_ARGS}`);
  ctrl[CTRL.kernel] = KERNEL_IDS.indexOf(job.kernel);
  ctrl[CTRL.rows] = job.rows;
  ctrl[CTRL.align] = job.align;
  ctrl[CTRL.argCount] = job.args.length;
  for (let i = 0; i < job.args.length; i++) ctrl[CTRL.args + i] = job.args[i]!;
}
