/**
 * A compute thread of the wasm backend: instantiates the same kernels over the same shared memory, then
 * sleeps on the control block until the main thread posts a job, runs its share of the rows, reports
 * done, and sleeps again. (Workers are unref'd: they never keep the process alive.)
 */
import { workerData } from "node:worker_threads";
import { CTRL, EXIT, readJob, runRows } from "./kernel-call.js";

const { module, memory, control, index, threads, generation } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number; threads: number; generation: number };
const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error("wasm kernel aborted"); } } }).exports as Record<string, (...args: number[]) => void>;
const ctrl = new Int32Array(control);
// subtle: start from the generation at spawn time, not the current one: a job posted while this thread
// was still starting must not be missed (the main thread posts one job at a time and waits for it)
let seen = generation;
for (;;) {
  Atomics.wait(ctrl, CTRL.generation, seen);
  seen = Atomics.load(ctrl, CTRL.generation);
  if (ctrl[CTRL.kernel] === EXIT) break;
  const job = readJob(ctrl);
  // thread 0 is the main thread; worker `index` (1-based) takes the index-th share of the rows
  const n0 = Math.floor((job.N * index) / threads);
  const n1 = Math.floor((job.N * (index + 1)) / threads);
  runRows(kernels, job, n0, n1);
  Atomics.add(ctrl, CTRL.done, 1);
  Atomics.notify(ctrl, CTRL.done);
}
