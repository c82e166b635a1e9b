/**
 * One kernel call as plain integers, so the main thread and the worker threads can run the same call on
 * different ranges of its rows: the job (or up to MAX_JOBS independent jobs posted together) is written into
 * a shared Int32Array and each thread reads it.
 * Every parallel kernel takes its own arguments followed by the row range (r0, r1) it should compute, and
 * may take one more: the index of the thread running it (0 = the main thread), for per-thread scratch.
 */
export const KERNEL_IDS = [
  "matmul_f32", "matmul_half", "matmul_q8_0", "matmul_q4_0", "matmul_q5_0", "matmul_q4_k", "matmul_q6_k",
  "matmul_q4_0_i8", "matmul_q5_0_i8", "matmul_q4_k_i8", "matmul_q6_k_i8", "matmul_q4_0x4_i8", "matmul_q4_kx4_i8", "matmul_q6_kx4_i8", "interleave_q4_0", "interleave_q4_k", "interleave_q6_k",
  "matmul_f32x4", "interleave_f32",
  "gemm_f32", "transpose_f32", "attention_forward", "attention_backward", "add_f32", "gelu_tanh", "gelu_tanh_backward", "swiglu", "swiglu_backward", "cross_entropy", "cross_entropy_backward",
  "attention_cached", "layer_norm", "layer_norm_forward", "layer_norm_backward_dx", "layer_norm_backward_params", "rms_norm", "rope",
] as const;
export type KernelName = (typeof KERNEL_IDS)[number];
const KERNEL_ID = new Map<KernelName, number>(KERNEL_IDS.map((name, id) => [name, id])); // name → index, without a scan per call

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
 * Threads share a job by taking chunks of its rows from a shared pair of counters (CTRL.next: the main thread
 * from the front, the workers from the back, KernelCaller.take) until none
 * are left: a thread that wakes late, or is slowed by another process on this shared machine, simply takes
 * fewer chunks, instead of every other thread waiting for its fixed half. Which thread computes a row never
 * changes the row's result. Chunk c covers rows [chunkStart(c), chunkStart(c + 1)); there are
 * chunkCount(job, threads, work).
 */
export function chunkCount(job: KernelJob, threads: number, work: number): number {
  // each chunk costs an atomic increment on a shared line: small jobs get one chunk per thread
  const wanted = Math.max(threads, Math.min(threads * CHUNKS_PER_THREAD, Math.floor(work / CHUNK_MIN_WORK)));
  return Math.min(Math.ceil(job.rows / job.align), wanted, MAX_CHUNKS_PER_JOB);
}

// chunks of ≥ 2^16 work units (~5 µs), up to 32 per thread: the last chunk taken bounds how long the other
// threads wait at the end (with 4 per thread, the 32000-row classifier's chunks took ~300 µs each)
const CHUNKS_PER_THREAD = 32;
// MAX_JOBS jobs' chunks must fit the 15 bits of CTRL.next's back end (KernelCaller.take)
const MAX_CHUNKS_PER_JOB = 8191;
const CHUNK_MIN_WORK = 1 << 16;

/** The first row of chunk c of `chunks` (c = chunks: the end of the last). */
export function chunkStart(rows: number, align: number, chunk: number, chunks: number): number {
  return Math.min(rows, Math.floor((Math.ceil(rows / align) * chunk) / chunks) * align);
}

/**
 * One thread's means of calling kernels without allocating: the kernels by id, and for each argument count
 * n an array of n + 3 numbers (the arguments, then r0, r1 and the thread) handed to Function.apply. A decode
 * step posts ~50–90 jobs; with a job object, an args array, row pairs and a spread call per job, the
 * worker's collector ran every ~7 stories110M tokens (now 4 times in 384), each pause holding up a job.
 */
export class KernelCaller {
  private readonly byId: ((...args: number[]) => void)[];
  private readonly frames: number[][][]; // [job slot][argument count]
  private readonly ends = new Int32Array(MAX_JOBS); // each posted job's chunks end before ends[j]

  constructor(kernels: Exports, readonly thread: number) {
    this.byId = KERNEL_IDS.map((name) => kernels[name] ?? (() => { throw new Error(`wasm kernel ${name} missing`); }));
    this.frames = Array.from({ length: MAX_JOBS }, () => Array.from({ length: MAX_ARGS + 1 }, (_, n) => new Array<number>(n + 3).fill(0)));
  }

  /** Runs rows r0 .. r1 − 1 of a job given as an object. */
  runRows(job: KernelJob, r0: number, r1: number): void {
    if (r1 <= r0) return;
    const frame = this.frames[0]![job.args.length]!;
    for (let i = 0; i < job.args.length; i++) frame[i] = job.args[i]!;
    this.call(KERNEL_ID.get(job.kernel)!, frame, job.args.length, r0, r1);
  }

  /**
   * Takes and runs chunks of the jobs posted in the control block until the counter passes the last one.
   * Chunks are numbered across the jobs in order: job j's come after job j − 1's.
   */
  runPostedChunks(ctrl: Int32Array): void {
    const jobs = ctrl[CTRL.jobs]!;
    let total = 0;
    for (let j = 0; j < jobs; j++) {
      const at = CTRL.job0 + j * JOB.size, argc = ctrl[at + JOB.argCount]!, frame = this.frames[j]![argc]!;
      for (let i = 0; i < argc; i++) frame[i] = ctrl[at + JOB.args + i]!;
      total += ctrl[at + JOB.chunks]!;
      this.ends[j] = total;
    }
    for (let c = this.take(ctrl); c >= 0; c = this.take(ctrl)) {
      let j = 0;
      while (c >= this.ends[j]!) j++;
      const at = CTRL.job0 + j * JOB.size, argc = ctrl[at + JOB.argCount]!, rows = ctrl[at + JOB.rows]!, align = ctrl[at + JOB.align]!, chunks = ctrl[at + JOB.chunks]!;
      const local = c - (this.ends[j]! - chunks);
      const r0 = chunkStart(rows, align, local, chunks), r1 = chunkStart(rows, align, local + 1, chunks);
      if (r1 > r0) this.call(ctrl[at + JOB.kernel]!, this.frames[j]![argc]!, argc, r0, r1);
    }
  }

  /**
   * The next chunk for this thread, or −1 when none is left. The main thread takes chunks from the front,
   * the workers from the back, so each thread streams one contiguous run of the weights: when threads took
   * chunks alternately, each one's prefetcher pulled in the other's next chunk, and in a stories110M decode
   * each thread ran at ~0.6 of its speed alone. CTRL.next holds both ends, the front in the low 16 bits
   * and the back above (posted as front 0, back = the chunk count); one atomic add or subtract claims a
   * chunk and reads the other end in the same step, so two threads never take the same one.
   */
  take(ctrl: Int32Array): number {
    if (this.thread === 0) {
      const ends = Atomics.add(ctrl, CTRL.next, 1), front = ends & 0xffff;
      return front < ends >> 16 ? front : -1;
    }
    const ends = Atomics.sub(ctrl, CTRL.next, 1 << 16), back = (ends >> 16) - 1;
    return back >= (ends & 0xffff) ? back : -1;
  }

  private call(id: number, frame: number[], argc: number, r0: number, r1: number): void {
    frame[argc] = r0;
    frame[argc + 1] = r1;
    frame[argc + 2] = this.thread;
    this.byId[id]!.apply(null, frame); // a kernel that does not declare the thread parameter ignores it
  }
}

/** The most jobs posted at once (matmuls: q, k, v of one input). */
export const MAX_JOBS = 4;

// Control block layout (Int32Array over a SharedArrayBuffer): the counters, then MAX_JOBS job slots
export const JOB = { kernel: 0, rows: 1, align: 2, argCount: 3, chunks: 4, args: 5, size: 5 + MAX_ARGS } as const;
export const CTRL = { generation: 0, done: 1, next: 2, jobs: 3, job0: 4, size: 4 + MAX_JOBS * JOB.size } as const;
/** Written as the job count: the workers stop. */
export const EXIT = -1;

/** Writes jobs (with their chunk counts) into the control block's slots. */
export function writeJobs(ctrl: Int32Array, jobs: readonly KernelJob[], chunks: readonly number[]): void {
  if (jobs.length > MAX_JOBS) throw new Error(`${jobs.length} jobs posted at once, at most ${MAX_JOBS}`);
  ctrl[CTRL.jobs] = jobs.length;
  jobs.forEach((job, j) => {
    if (job.args.length > MAX_ARGS) throw new Error(`kernel ${job.kernel}: ${job.args.length} arguments, at most ${MAX_ARGS}`);
    const at = CTRL.job0 + j * JOB.size;
    ctrl[at + JOB.kernel] = KERNEL_ID.get(job.kernel)!;
    ctrl[at + JOB.rows] = job.rows;
    ctrl[at + JOB.align] = job.align;
    ctrl[at + JOB.argCount] = job.args.length;
    ctrl[at + JOB.chunks] = chunks[j]!;
    for (let i = 0; i < job.args.length; i++) ctrl[at + JOB.args + i] = job.args[i]!;
  });
}
