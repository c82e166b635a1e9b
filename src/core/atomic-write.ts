/**
 * Writes a file so that readers see either the old file or the complete new one, never half of it:
 * write to a temporary name in the same folder, flush, then rename over the target.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Calls `fill(write)` to produce the content piece by piece; the file appears only when fill returns. */
export function writeFileAtomicWith(path: string, fill: (write: (bytes: Uint8Array) => void) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    fill((bytes) => {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
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
