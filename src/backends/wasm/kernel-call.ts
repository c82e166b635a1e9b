/**
 * One matrix-product call as plain integers, so the main thread and the worker threads can run the same
 * call on different row ranges: the job is written into a shared Int32Array and each thread reads it.
 */
export const KERNEL_IDS = ["matmul_f32", "matmul_half", "matmul_q8_0", "matmul_q4_0", "matmul_q5_0", "matmul_q4_k", "matmul_q6_k"] as const;
export type KernelName = (typeof KERNEL_IDS)[number];

/** [y, x|qs, ds, w, T, N, K, bf16] — the arguments every product takes, unused ones 0. */
export interface MatmulJob {
  readonly kernel: KernelName;
  readonly y: number;
  readonly x: number; // f32 activations, or the int8 quants for quantized weights
  readonly ds: number; // scales of the int8 quants (quantized weights only)
  readonly w: number;
  readonly T: number;
  readonly N: number;
  readonly K: number;
  readonly bf16: number;
}

type Exports = Record<string, (...args: number[]) => void>;

/** Runs rows n0 .. n1 − 1 of a job with a module's exports. */
export function runRows(kernels: Exports, job: MatmulJob, n0: number, n1: number): void {
  const { y, x, ds, w, T, N, K } = job;
  switch (job.kernel) {
    case "matmul_f32":
      return kernels.matmul_f32!(y, x, w, T, N, K, n0, n1);
    case "matmul_half":
      return kernels.matmul_half!(y, x, w, T, N, K, n0, n1, job.bf16);
    default:
      return kernels[job.kernel]!(y, x, ds, w, T, N, K, n0, n1);
  }
}

// Control block layout (Int32Array over a SharedArrayBuffer)
export const CTRL = { generation: 0, done: 1, kernel: 2, args: 3, split: 11, size: 16 } as const;
export const EXIT = -1;

export function writeJob(ctrl: Int32Array, job: MatmulJob): void {
  ctrl[CTRL.kernel] = KERNEL_IDS.indexOf(job.kernel);
  [job.y, job.x, job.ds, job.w, job.T, job.N, job.K, job.bf16].forEach((v, i) => (ctrl[CTRL.args + i] = v));
}

export function readJob(ctrl: Int32Array): MatmulJob {
  const a = (i: number) => ctrl[CTRL.args + i]!;
  return { kernel: KERNEL_IDS[ctrl[CTRL.kernel]!]!, y: a(0), x: a(1), ds: a(2), w: a(3), T: a(4), N: a(5), K: a(6), bf16: a(7) };
}
