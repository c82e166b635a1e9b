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
  "attention_cached", "cache_write", "layer_norm", "layer_norm_forward", "layer_norm_backward_dx", "layer_norm_backward_params", "rms_norm", "rope",
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
 * Threads share a job by claiming runs of its chunks from a shared pair of counters (CTRL.next: the main
 * thread from the front, the workers from the back, KernelCaller.take) until none are left: a thread that
 * wakes late, or is slowed by another process on this shared machine, simply claims less, instead of every
 * other thread waiting for its fixed half. Which thread computes a row never changes the row's result.
 * Chunk c covers rows [chunkStart(c), chunkStart(c + 1)); there are chunkCount(job, threads, work), each
 * about CHUNK_WORK units of work: the grain of the last claims, so of how long the first thread done waits
 * for the others at the end.
 */
export function chunkCount(job: KernelJob, threads: number, work: number): number {
  return Math.min(Math.ceil(job.rows / job.align), Math.max(threads, Math.floor(work / CHUNK_WORK)), MAX_CHUNKS_PER_JOB);
}

// 2^13 work units: ~2 µs of an f32 product on one thread (32 KB of weights), ~1 µs of a q4_0 one
const CHUNK_WORK = 1 << 13;
// MAX_JOBS jobs' chunks must fit the 15 bits of CTRL.next's back end (KernelCaller.take)
const MAX_CHUNKS_PER_JOB = 8191;

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
  /** The end (exclusive) of the chunks the last take() claimed. */
  claimEnd = 0;

  /** `thread` 0 is the main thread; `threads` counts them all (it sizes the claims). */
  constructor(kernels: Exports, readonly thread: number, private readonly threads: number) {
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
   * Claims and runs chunks of the jobs posted in the control block until none is left. Chunks are numbered
   * across the jobs in order: job j's come after job j − 1's. A claim is one kernel call per job it covers,
   * made in this thread's direction (the workers run a claim's jobs last first, as they claim).
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
    for (let c0 = this.take(ctrl); c0 >= 0; c0 = this.take(ctrl)) {
      const c1 = this.claimEnd;
      let first = 0;
      while (c0 >= this.ends[first]!) first++;
      let last = first;
      while (c1 > this.ends[last]!) last++;
      if (this.thread === 0) for (let j = first; j <= last; j++) this.runClaimed(ctrl, j, c0, c1);
      else for (let j = last; j >= first; j--) this.runClaimed(ctrl, j, c0, c1);
    }
  }

  /** Job j's rows in the chunks [c0, c1) (numbered across the posted jobs), in one kernel call. */
  private runClaimed(ctrl: Int32Array, j: number, c0: number, c1: number): void {
    const at = CTRL.job0 + j * JOB.size, argc = ctrl[at + JOB.argCount]!, rows = ctrl[at + JOB.rows]!, align = ctrl[at + JOB.align]!, chunks = ctrl[at + JOB.chunks]!;
    const before = this.ends[j]! - chunks;
    const lo = Math.max(c0, before) - before, hi = Math.min(c1, this.ends[j]!) - before;
    const r0 = chunkStart(rows, align, lo, chunks), r1 = chunkStart(rows, align, hi, chunks);
    if (r1 > r0) this.call(ctrl[at + JOB.kernel]!, this.frames[j]![argc]!, argc, r0, r1);
  }

  /**
   * Claims the next run of chunks for this thread: returns its first chunk (its end in claimEnd), or −1 when
   * none is left. The main thread claims from the front, the workers from the back, so each thread streams one
   * contiguous run of the weights: when threads took chunks alternately, each one's prefetcher pulled in the
   * other's next chunk, and in a stories110M decode each thread ran at ~0.6 of its speed alone. CTRL.next
   * holds both ends, the front in the low 16 bits and the back above (posted as front 0, back = the chunk
   * count); a claim is one compare-and-swap of both, so two threads never take the same chunk.
   * A claim is 1 / (2 · threads) of what is left (guided scheduling): the first claims are large (few claims,
   * each one an atomic on a shared line and a call into wasm), the last ones a chunk each, so the first thread
   * done waits for at most about a chunk of another's. (Equal chunks of ~5 µs–17 µs had the main thread
   * waiting ~8 µs a job, ~0.45 ms of a 16 ms stories110M f32 step; 4× smaller ones cost more in claims.)
   */
  take(ctrl: Int32Array): number {
    for (;;) {
      const ends = Atomics.load(ctrl, CTRL.next), front = ends & 0xffff, back = ends >> 16;
      const left = back - front;
      if (left <= 0) return -1;
      const n = Math.max(1, Math.floor(left / (2 * this.threads)));
      if (this.thread === 0) {
        if (Atomics.compareExchange(ctrl, CTRL.next, ends, ends + n) !== ends) continue;
        this.claimEnd = front + n;
        return front;
      }
      if (Atomics.compareExchange(ctrl, CTRL.next, ends, ends - (n << 16)) !== ends) continue;
      this.claimEnd = back;
      return back - n;
    }
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
