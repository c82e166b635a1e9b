#!/usr/bin/env node
/**
 * Records what llama-quantize writes for the models of test/support/quantize-cases.ts: for each model and
 * file type (with and without --pure), the SHA-256 of the output file and each tensor's type. The test
 * quantizes the same inputs with glassbox and expects the same bytes.
 *
 *   npm run build && scripts/reference/build-llamacpp.sh && node scripts/reference/make-quantize-fixtures.mjs
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { QUANTIZE_CASES, QUANT_CACHE } = await import(`${root}dist/test/support/quantize-cases.js`);
const { readGgufHeader, ggufStoredTensors } = await import(`${root}dist/src/formats/gguf.js`);
const quantize = `${root}bench/peers/llama.cpp/build/bin/llama-quantize`;
export const FILE_TYPES = ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K"];

const results = {};
for (const [name, build] of Object.entries(QUANTIZE_CASES)) {
  const input = build();
  results[name] = {};
  for (const pure of [false, true]) {
    for (const type of FILE_TYPES) {
      if (pure && !type.includes("K")) continue; // --pure only changes the k-quant mixtures
      const out = `${QUANT_CACHE}${name}-${type}${pure ? "-pure" : ""}.llamacpp.gguf`;
      execFileSync(quantize, [...(pure ? ["--pure"] : []), input, out, type], { stdio: "ignore" });
      const bytes = readFileSync(out);
      const types = Object.fromEntries(ggufStoredTensors(out, readGgufHeader(out)).map((t) => [t.name, t.dtype]));
      results[name][`${type}${pure ? " --pure" : ""}`] = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length, types };
      rmSync(out);
    }
  }
  console.log(`${name}: ${Object.keys(results[name]).length} outputs recorded`);
}
writeFileSync(`${root}test/fixtures/quantize/llama-quantize.json`, JSON.stringify({ made_by: "scripts/reference/make-quantize-fixtures.mjs", results }, null, 1) + "\n");
