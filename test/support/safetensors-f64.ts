/** Reads the reference scripts' safetensors files with float64 and int32 tensors (test fixtures only). */
import { readFileSync } from "node:fs";

export interface Fixture {
  readonly tensors: Map<string, { shape: number[]; data: Float64Array | Int32Array }>;
  readonly metadata: Record<string, string>;
}

export function readFixture(path: string): Fixture {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__?: Record<string, string> };
  const tensors: Fixture["tensors"] = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const bytes = file.subarray(8 + headerLength + e.data_offsets[0], 8 + headerLength + e.data_offsets[1]);
    const copy = new Uint8Array(bytes).buffer; // aligned
    tensors.set(name, { shape: e.shape, data: e.dtype === "F64" ? new Float64Array(copy) : new Int32Array(copy) });
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}
