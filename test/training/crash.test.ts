/**
 * kill -9 during a checkpoint write: the previous checkpoint is whole and loads, and --resume continues
 * from it. GLASSBOX_TEST_WRITE_DELAY_MS slows every 64 KiB written (src/core/atomic-write.ts), so the test
 * can be sure the process dies in the middle of the second save.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Model } from "../../src/generation/model.js";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { readCheckpointInfo } from "../../src/training/checkpoint.js";

const BIN = new URL("../../../bin/glassbox", import.meta.url).pathname;

test("a training process killed while writing a checkpoint leaves the previous one loadable, and --resume continues", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "glassbox-crash-"));
  const data = join(dir, "data.txt");
  writeFileSync(data, "to be, or not to be, that is the question. ".repeat(200));
  const out = join(dir, "run");
  // ~1.2 MB checkpoints (100k parameters, two AdamW moments): 19 pieces of 64 KiB, 40 ms each
  const args = ["train", "--data", data, "--tokenizer", "char", "--arch", "llama", "--layers", "2", "--dim", "64", "--heads", "4", "--block", "16",
    "--batch", "2", "--iters", "1000", "--eval-interval", "500", "--eval-iters", "1", "--checkpoint-interval", "2", "--threads", "1", "--out", out];
  const child = spawn(BIN, args, { env: { ...process.env, GLASSBOX_TEST_WRITE_DELAY_MS: "40" }, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killedDuringWrite = await new Promise<boolean>((resolve, reject) => {
    const timer = setInterval(() => {
      // once the checkpoint at iteration 2 is complete, wait for the temporary file of the next one
      if (!stderr.includes("checkpoint saved at iter 2")) return;
      const writing = readdirSync(out).some((f) => f.startsWith(".checkpoint.safetensors.") && f.endsWith(".tmp"));
      if (writing) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve(true);
      }
    }, 5);
    child.on("exit", () => {
      clearInterval(timer);
      if (child.signalCode !== "SIGKILL") reject(new Error(`training ended by itself: ${stderr}`));
    });
  });
  await exited;
  assert.ok(killedDuringWrite);
  assert.ok(readdirSync(out).some((f) => f.endsWith(".tmp")), "the unfinished temporary file is there");
  const info = readCheckpointInfo(join(out, "checkpoint.safetensors"));
  assert.equal(info.state.iter, 2, "the checkpoint is the previous, complete one");
  // the exported model of that checkpoint loads and runs
  const model = Model.load(out, { backend: new ReferenceBackend() });
  assert.equal(model.forward([1, 2, 3]).length, 3);
  // and training continues from it
  const resumed = spawnSync(BIN, ["train", "--resume", "--iters", "6", "--out", out, "--threads", "1"], { encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /checkpoint saved at iter 4/);
  assert.ok(!readdirSync(out).some((f) => f.endsWith(".tmp")), "resume removed the stale temporary file");
  assert.ok(existsSync(join(out, "model.safetensors")));
  t.diagnostic(`killed during the write of checkpoint 4; checkpoint 2 loaded; resumed to iteration 6`);
});
