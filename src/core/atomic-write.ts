/**
 * Writes a file so that readers see either the old file or the complete new one, never half of it:
 * write to a temporary name in the same folder, flush, then rename over the target.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const PIECE = 1 << 16;

/**
 * Fault injection for the crash tests (test/training/crash.test.ts): with GLASSBOX_TEST_WRITE_DELAY_MS set,
 * every 64 KiB written is followed by that pause, so a test can kill the process in the middle of a save.
 */
const TEST_DELAY_MS = Number(process.env.GLASSBOX_TEST_WRITE_DELAY_MS ?? 0);
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The temporary names writeFileAtomic uses for `path` (a killed writer can leave one behind). */
export function isTemporaryFor(path: string, name: string): boolean {
  return name.startsWith(`.${basename(path)}.`) && name.endsWith(".tmp");
}

/** Calls `fill(write)` to produce the content piece by piece; the file appears only when fill returns. */
export function writeFileAtomicWith(path: string, fill: (write: (bytes: Uint8Array) => void) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    fill((bytes) => {
      for (let written = 0; written < bytes.length; ) {
        written += writeSync(fd, bytes, written, Math.min(PIECE, bytes.length - written));
        if (TEST_DELAY_MS > 0) pause(TEST_DELAY_MS);
      }
    });
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFileAtomicWith(path, (write) => write(typeof data === "string" ? Buffer.from(data, "utf8") : data));
}
