/**
 * `glassbox quantize` against llama-quantize: for every recorded model and file type (with and without
 * --pure), the whole output file is byte-identical to llama-quantize's (same tensor types, same blocks,
 * same metadata and layout). Records by scripts/reference/make-quantize-fixtures.mjs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { ggufStoredTensors, readGgufHeader } from "../../src/formats/gguf.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { parseFileType } from "../../src/quantize/plan.js";
import { quantizeGguf } from "../../src/quantize/quantize-model.js";
import { relativeError } from "../support/model-fixtures.js";
import { QUANT_CACHE, QUANTIZE_CASES, type QuantizeCase } from "../support/quantize-cases.js";

const recorded = JSON.parse(readFileSync(new URL("../../../test/fixtures/quantize/llama-quantize.json", import.meta.url), "utf8")) as {
  results: Record<string, Record<string, { sha256: string; bytes: number; types: Record<string, string> }>>;
};

for (const [name, outputs] of Object.entries(recorded.results)) {
  test(`quantize ${name}: every file type byte-identical to llama-quantize`, (t) => {
    const input = QUANTIZE_CASES[name as QuantizeCase]();
    let identical = 0;
    for (const [label, expected] of Object.entries(outputs)) {
      const [type, pure] = [label.split(" ")[0]!, label.endsWith("--pure")];
      const out = `${QUANT_CACHE}${name}-${type}${pure ? "-pure" : ""}.glassbox.gguf`;
      quantizeGguf(input, out, parseFileType(type), { pure });
      const bytes = readFileSync(out);
      const types = Object.fromEntries(ggufStoredTensors(out, readGgufHeader(out)).map((x) => [x.name, x.dtype]));
      rmSync(out);
      assert.deepEqual(types, expected.types, `${name} ${label}: tensor types`);
      assert.equal(createHash("sha256").update(bytes).digest("hex"), expected.sha256, `${name} ${label}: file bytes`);
      identical++;
    }
    const mix = Object.values(outputs["Q4_K_M"]!.types).reduce<Record<string, number>>((m, d) => ((m[d] = (m[d] ?? 0) + 1), m), {});
    t.diagnostic(`${name}: ${identical}/${Object.keys(outputs).length} outputs byte-identical to llama-quantize (Q4_K_M mixture ${JSON.stringify(mix)})`);
  });
}

test("glassbox quantize (CLI): the llama-quantize file, a progress line, exit 2 on a bad type; the result runs", () => {
  const bin = new URL("../../../bin/glassbox", import.meta.url).pathname;
  const input = QUANTIZE_CASES.qwen2tied();
  const out = `${QUANT_CACHE}cli-q4_0.gguf`;
  const r = spawnSync(bin, ["quantize", input, out, "--type", "q4_0"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*cli-q4_0\.gguf: 26 tensors/);
  assert.equal(createHash("sha256").update(readFileSync(out)).digest("hex"), recorded.results.qwen2tied!["Q4_0"]!.sha256);
  const f32 = loadLanguageModel(input, new ReferenceBackend()).model;
  const q = loadLanguageModel(out, new ReferenceBackend()).model;
  const ids = [1, 50, 300, 7, 99, 420, 5, 8];
  const error = relativeError(q.forward(ids, q.newCache(8)), f32.forward(ids, f32.newCache(8)));
  assert.ok(error < 0.2, `Q4_0 logits stay near F32's (${error})`);
  const bad = spawnSync(bin, ["quantize", input, out, "--type", "q3_k_xl"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--type: "q3_k_xl" is not a supported type/);
});
