/**
 * A compute thread of the wasm backend: instantiates the same kernels over the same shared memory, then
 * sleeps on the control block until the main thread posts a job, runs its share of the rows, reports
 * done, and sleeps again. (Workers are unref'd: they never keep the process alive.)
 */
import { workerData } from "node:worker_threads";
import { CTRL, EXIT, KernelCaller } from "./kernel-call.js";

const { module, memory, control, index, threads, generation } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number; threads: number; generation: number };
const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error("wasm kernel aborted"); } } }).exports as Record<string, (...args: number[]) => void>;
const ctrl = new Int32Array(control);
// thread 0 is the main thread; worker `index` (1-based) takes chunks alongside it
const caller = new KernelCaller(kernels, index, threads);
// subtle: start from the generation at spawn time, not the current one: a job posted while this thread
// was still starting must not be missed (the main thread posts one set of jobs at a time and waits for it)
let seen = generation;
/**
 * Waits for the next job: spins for a while first (a decode step posts a product every ~0.1–0.5 ms, and
 * waking a sleeping thread costs tens of microseconds each time), then sleeps on Atomics.wait.
 */
function nextGeneration(): number {
  const spinUntil = performance.now() + 2;
  while (performance.now() < spinUntil) {
    for (let i = 0; i < 1024; i++) {
      const g = Atomics.load(ctrl, CTRL.generation);
      if (g !== seen) return g;
    }
  }
  Atomics.wait(ctrl, CTRL.generation, seen);
  return Atomics.load(ctrl, CTRL.generation);
}

for (;;) {
  seen = nextGeneration();
  if (ctrl[CTRL.jobs] === EXIT) break;
  caller.runPostedChunks(ctrl);
  Atomics.add(ctrl, CTRL.done, 1);
  Atomics.notify(ctrl, CTRL.done);
}
