/**
 * Token datasets: text → tokenizer → a compact binary file of ids, split into train (the first 90%) and
 * validation (the last 10%) as nanoGPT splits, then random contiguous windows: a batch is B windows of
 * T + 1 tokens starting at uniform random offsets; the inputs are the first T, the targets the last T.
 *
 * File (little-endian): "GBTOKENS" · u32 bytes per id (2 or 4) · u32 train count · u32 validation count ·
 * ids (train, then validation). nanoGPT writes the same ids as raw uint16 train.bin / val.bin.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic-write.js";
import { UserError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import type { Batch } from "./step.js";

const MAGIC = "GBTOKENS";

export class TokenDataset {
  constructor(readonly train: Uint32Array, readonly validation: Uint32Array) {}

  /** Splits ids at `trainFraction` (nanoGPT: the first 90% of the text trains, the rest validates). */
  static split(ids: ArrayLike<number>, trainFraction = 0.9): TokenDataset {
    const all = Uint32Array.from(ids);
    const cut = Math.floor(all.length * trainFraction);
    return new TokenDataset(all.subarray(0, cut), all.subarray(cut));
  }

  /** A batch of B random windows of T tokens from one split. */
  batch(split: "train" | "validation", B: number, T: number, rng: Rng): Batch {
    const data = split === "train" ? this.train : this.validation;
    if (data.length < T + 1) throw new UserError(split, `the ${split} split has ${data.length} tokens, fewer than a window of ${T + 1}`);
    const ids = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = rng.int(data.length - T); // as torch.randint(len(data) − block_size)
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = data[start + t]!;
        targets[b * T + t] = data[start + t + 1]!;
      }
    }
    return { ids, targets, B, T };
  }

  save(path: string): void {
    const wide = this.train.some((id) => id > 0xffff) || this.validation.some((id) => id > 0xffff);
    const width = wide ? 4 : 2;
    const header = Buffer.alloc(20);
    header.write(MAGIC, 0, "latin1");
    header.writeUInt32LE(width, 8);
    header.writeUInt32LE(this.train.length, 12);
    header.writeUInt32LE(this.validation.length, 16);
    const all = new Uint32Array(this.train.length + this.validation.length);
    all.set(this.train);
    all.set(this.validation, this.train.length);
    const body = wide ? Buffer.from(all.buffer) : Buffer.from(Uint16Array.from(all).buffer);
    writeFileAtomic(path, Buffer.concat([header, body]));
  }

  static load(path: string): TokenDataset {
    const file = readFileSync(path);
    if (file.length < 20 || file.toString("latin1", 0, 8) !== MAGIC) throw new UserError(path, "not a glassbox token file (no GBTOKENS header)");
    const width = file.readUInt32LE(8);
    const [trainCount, validationCount] = [file.readUInt32LE(12), file.readUInt32LE(16)];
    if ((width !== 2 && width !== 4) || file.length !== 20 + width * (trainCount + validationCount)) throw new UserError(path, "truncated or corrupt token file");
    const body = new Uint8Array(file.subarray(20)).buffer;
    const all = Uint32Array.from(width === 2 ? new Uint16Array(body) : new Uint32Array(body));
    return new TokenDataset(all.subarray(0, trainCount), all.subarray(trainCount));
  }
}
