/**
 * Perplexity as llama-perplexity computes it, on the same files and text: within 0.1% for F32 and 1% for
 * quantized types (recorded by scripts/reference/make-perplexity-fixtures.mjs); the quantized files are
 * glassbox's own, byte-identical to llama-quantize's (quantize.test.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { negativeLogLikelihood, perplexity } from "../../src/generation/perplexity.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { parseFileType } from "../../src/quantize/plan.js";
import { quantizeGguf } from "../../src/quantize/quantize-model.js";
import { loadTokenizer } from "../../src/tokenizers/load.js";
import { perplexityText } from "../support/perplexity-text.js";
import { QUANT_CACHE, QUANTIZE_CASES } from "../support/quantize-cases.js";

const recorded = JSON.parse(readFileSync(new URL("../../../test/fixtures/quantize/llama-perplexity.json", import.meta.url), "utf8")) as {
  ctx: number;
  chunks: number;
  results: Record<string, { perplexity: number }>;
};

test("negative log-likelihood: −log softmax, stable for large logits", () => {
  // p(1) = e¹⁰⁰¹ / (e¹⁰⁰⁰ + e¹⁰⁰¹) = 1 / (1 + e⁻¹); a naive exp would overflow
  assert.ok(Math.abs(negativeLogLikelihood(Float32Array.from([1000, 1001]), 1) - Math.log(1 + Math.exp(-1))) < 1e-12);
});

test("perplexity equals llama-perplexity's on the same files and text (F32 within 0.1%, quantized within 1%)", (t) => {
  const input = QUANTIZE_CASES.llama8();
  const text = perplexityText();
  const f32Tokenizer = loadTokenizer(input);
  const rows: string[] = [];
  for (const [type, expected] of Object.entries(recorded.results)) {
    const path = type === "F32" ? input : `${QUANT_CACHE}ppl-${type}.glassbox.gguf`;
    if (type !== "F32") quantizeGguf(input, path, parseFileType(type));
    const { model } = loadLanguageModel(path, new ReferenceBackend());
    const ours = perplexity(model, f32Tokenizer, text, { ctx: recorded.ctx, chunks: recorded.chunks });
    const diff = Math.abs(ours.perplexity - expected.perplexity) / expected.perplexity;
    rows.push(`${type} ${ours.perplexity.toFixed(1)} vs llama.cpp ${expected.perplexity.toFixed(1)} (${(diff * 100).toFixed(4)}%)`);
    assert.ok(diff <= (type === "F32" ? 1e-3 : 1e-2), `${type}: ${ours.perplexity} vs ${expected.perplexity}`);
  }
  t.diagnostic(`ctx ${recorded.ctx}, ${recorded.chunks} chunks: ${rows.join("; ")}`);
});
