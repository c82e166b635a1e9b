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

const CHUNKS_PER_THREAD = 4;
const CHUNK_MIN_WORK = 1 << 16;

export function chunkRange(job: KernelJob, chunk: number, chunks: number): [number, number] {
  const units = Math.ceil(job.rows / job.align);
  const start = Math.floor((units * chunk) / chunks) * job.align;
  const end = Math.min(job.rows, Math.floor((units * (chunk + 1)) / chunks) * job.align);
  return [Math.min(start, job.rows), end];
}

/** Takes and runs chunks of the posted job until the counter passes the last one. */
export function runChunks(kernels: Exports, ctrl: Int32Array, job: KernelJob, chunks: number, thread: number): void {
  for (let c = Atomics.add(ctrl, CTRL.next, 1); c < chunks; c = Atomics.add(ctrl, CTRL.next, 1)) {
    const [r0, r1] = chunkRange(job, c, chunks);
    runRows(kernels, job, r0, r1, thread);
  }
}

/** Runs rows r0 .. r1 − 1 of a job with a module's exports, as thread `thread` (a kernel that does not
 *  declare the thread parameter ignores it: WebAssembly drops extra arguments from JavaScript). */
export function runRows(kernels: Exports, job: KernelJob, r0: number, r1: number, thread: number): void {
  if (r1 > r0) kernels[job.kernel]!(...job.args, r0, r1, thread);
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
  job.args.forEach((v, i) => (ctrl[CTRL.args + i] = v));
}

export function readJob(ctrl: Int32Array): KernelJob {
  const args: number[] = [];
  for (let i = 0; i < ctrl[CTRL.argCount]!; i++) args.push(ctrl[CTRL.args + i]!);
  return { kernel: KERNEL_IDS[ctrl[CTRL.kernel]!]!, args, rows: ctrl[CTRL.rows]!, align: ctrl[CTRL.align]! };
}
