/**
 * How threads share a posted job's chunks (src/backends/wasm/kernel-call.ts): the main thread claims runs of
 * them from the front, workers from the back, and every chunk runs exactly once however the claims interleave.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkCount, chunkStart, CTRL, KernelCaller, writeJobs, type KernelJob } from "../../src/backends/wasm/kernel-call.js";
import { Rng } from "../../src/core/rng.js";

test("posted chunks run exactly once: the main thread claiming ascending runs from the front, the workers descending from the back, in any interleaving; claims shrink to one chunk", () => {
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
    const callers = Array.from({ length: threads }, (_, thread) => new KernelCaller({}, thread, threads));
    // runPostedChunks runs until no chunk is left: step the threads one take() at a time instead (the call
    // runPostedChunks makes per claim), in a random interleaving
    const done = new Set<number>();
    const sizes: number[] = [];
    while (done.size < threads) {
      const t = Math.floor(rng.next() * threads);
      if (done.has(t)) continue;
      const ends = Atomics.load(ctrl, CTRL.next), left = (ends >> 16) - (ends & 0xffff);
      const c0 = callers[t]!.take(ctrl), c1 = callers[t]!.claimEnd;
      if (c0 < 0) {
        assert.equal(left, 0, `trial ${trial}: nothing claimed while ${left} chunks were left`);
        done.add(t);
        continue;
      }
      // guided: a claim is 1 / (2 · threads) of what was left, and at least one chunk
      assert.equal(c1 - c0, Math.max(1, Math.floor(left / (2 * threads))), `trial ${trial}: claim size`);
      sizes.push(c1 - c0);
      // one piece per job the claim covers, as runPostedChunks calls it: the workers' last job first
      const pieces: typeof ran = [];
      let before = 0;
      for (const [j, job] of jobs.entries()) {
        const lo = Math.max(c0, before) - before, hi = Math.min(c1, before + chunks[j]!) - before;
        if (hi > lo) pieces.push({ thread: t, job: j, r0: chunkStart(job.rows, job.align, lo, chunks[j]!), r1: chunkStart(job.rows, job.align, hi, chunks[j]!) });
        before += chunks[j]!;
      }
      ran.push(...(t === 0 ? pieces : pieces.reverse()));
    }
    if (total >= 4 * threads) assert.equal(sizes.at(-1), 1, `trial ${trial}: the last claim is one chunk`);
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
  const caller = new KernelCaller({ add_f32: (_: number, r0: number, r1: number) => void ran.push([r0, r1]) }, 0, 2);
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
