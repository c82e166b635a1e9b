/**
 * The PyTorch-made model fixtures (scripts/reference/make_model_fixtures.py): each directory holds a
 * Hugging Face checkpoint and the float64 logits of a reference forward pass.
 */
import { readFileSync } from "node:fs";

export const MODEL_FIXTURES = new URL("../../../test/fixtures/models/", import.meta.url).pathname;
export const FAMILIES = ["gpt2", "llama", "mistral", "qwen2", "mixtral"] as const;
export const WEIGHT_DTYPES = ["f32", "f16", "bf16"] as const;
/** DESIGN.md tolerances, per tensor max|a − b| / max|ref| */
export const TOLERANCE = { f32: 1e-4, f16: 2e-3, bf16: 2e-3 } as const;

export function fixtureDir(family: string, dtype: string): string {
  return `${MODEL_FIXTURES}${family}-${dtype}`;
}

export function referenceLogits(dir: string): { ids: number[]; logits: Float64Array } {
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { ids: number[]; logits_file: string };
  const bytes = readFileSync(`${dir}/${ref.logits_file}`);
  return { ids: ref.ids, logits: new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
}

/** The error measure of DESIGN.md: max|a − b| / max|ref| over the whole tensor. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} vs reference ${reference.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - reference[i]!));
    maxRef = Math.max(maxRef, Math.abs(reference[i]!));
  }
  return maxDiff / maxRef;
}
