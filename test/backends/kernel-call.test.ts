/**
 * How threads share a posted job's chunks (src/backends/wasm/kernel-call.ts): the main thread takes them from
 * the front, workers from the back, and every chunk runs exactly once however the takes interleave.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkCount, chunkStart, CTRL, KernelCaller, writeJobs, type KernelJob } from "../../src/backends/wasm/kernel-call.js";
import { Rng } from "../../src/core/rng.js";

test("posted chunks run exactly once: the main thread ascending from the front, the workers descending from the back, in any interleaving", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 200; trial++) {
    // up to three jobs posted together, as matmuls posts q, k and v
    const jobs: KernelJob[] = Array.from({ length: 1 + (trial % 3) }, (_, j) => ({ kernel: "add_f32", args: [j], rows: 1 + Math.floor(rng.next() * 5000), align: [1, 4, 64][j % 3]! }));
    const threads = 2 + (trial % 3);
    const chunks = jobs.map((job) => chunkCount(job, threads, job.rows * 1000));
    const ctrl = new Int32Array(CTRL.size);
    writeJobs(ctrl, jobs, chunks);
    const total = chunks.reduce((a, b) => a + b, 0);
    Atomics.store(ctrl, CTRL.next, total << 16); // as WasmBackend.runJobs posts them
    const ran: { thread: number; job: number; r0: number; r1: number }[] = [];
    const callers = Array.from({ length: threads }, (_, thread) => new KernelCaller({}, thread));
    // runPostedChunks runs until no chunk is left: step the threads one take() at a time instead (the call
    // runPostedChunks makes per chunk), in a random interleaving
    const done = new Set<number>();
    while (done.size < threads) {
      const t = Math.floor(rng.next() * threads);
      if (done.has(t)) continue;
      const c = callers[t]!.take(ctrl);
      if (c < 0) {
        done.add(t);
        continue;
      }
      let j = 0, before = 0;
      while (c >= before + chunks[j]!) before += chunks[j++]!;
      const local = c - before;
      ran.push({ thread: t, job: j, r0: chunkStart(jobs[j]!.rows, jobs[j]!.align, local, chunks[j]!), r1: chunkStart(jobs[j]!.rows, jobs[j]!.align, local + 1, chunks[j]!) });
    }
    // every row of every job exactly once
    for (const [j, job] of jobs.entries()) {
      const rows = ran.filter((r) => r.job === j).sort((a, b) => a.r0 - b.r0);
      let next = 0;
      for (const r of rows) {
        assert.equal(r.r0, next, `trial ${trial}, job ${j}: rows from ${next}`);
        next = r.r1;
      }
      assert.equal(next, job.rows, `trial ${trial}, job ${j}: all rows`);
    }
    // the main thread's chunks come first in order, the workers' last: each thread streams one contiguous run
    const order = (r: (typeof ran)[number]) => r.job * 1e9 + r.r0;
    const main = ran.filter((r) => r.thread === 0).map(order);
    assert.deepEqual(main, main.slice().sort((a, b) => a - b), `trial ${trial}: main ascends`);
    const workers = ran.filter((r) => r.thread !== 0).map(order);
    assert.deepEqual(workers, workers.slice().sort((a, b) => b - a), `trial ${trial}: workers descend`);
    if (main.length && workers.length) assert.ok(Math.max(...main) < Math.min(...workers), `trial ${trial}: the two ends never cross`);
  }
});

test("runPostedChunks covers a posted job's rows exactly once on one thread", () => {
  const ran: [number, number][] = [];
  const caller = new KernelCaller({ add_f32: (_: number, r0: number, r1: number) => void ran.push([r0, r1]) }, 0);
  const job: KernelJob = { kernel: "add_f32", args: [0], rows: 1000, align: 8 };
  const chunks = chunkCount(job, 2, 1 << 22);
  const ctrl = new Int32Array(CTRL.size);
  writeJobs(ctrl, [job], [chunks]);
  Atomics.store(ctrl, CTRL.next, chunks << 16);
  caller.runPostedChunks(ctrl);
  assert.ok(chunks > 2);
  assert.deepEqual(ran.map(([a]) => a), ran.map(([a]) => a).sort((a, b) => a - b));
  assert.equal(ran.reduce((n, [a, b]) => n + b - a, 0), 1000);
  assert.equal(ran[0]![0], 0);
  assert.equal(ran.at(-1)![1], 1000);
});
