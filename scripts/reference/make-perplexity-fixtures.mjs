#!/usr/bin/env node
/**
 * Records llama-perplexity's figure for the quantize-test model (test/support/quantize-cases.ts, llama8) in
 * F32 and in each type llama-quantize makes from it, on the deterministic text of test/support/perplexity-text.ts
 * (one thread, flash attention off, f32 KV cache: llama.cpp's default f16 cache adds its own rounding).
 *
 *   npm run build && scripts/reference/build-llamacpp.sh && node scripts/reference/make-perplexity-fixtures.mjs
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { QUANTIZE_CASES, QUANT_CACHE } = await import(`${root}dist/test/support/quantize-cases.js`);
const { perplexityText } = await import(`${root}dist/test/support/perplexity-text.js`);
const bin = `${root}bench/peers/llama.cpp/build/bin/`;
const input = QUANTIZE_CASES.llama8();
const text = `${QUANT_CACHE}perplexity.txt`;
writeFileSync(text, perplexityText());
const [ctx, chunks] = [64, 4];
const results = {};
for (const type of ["F32", "F16", "Q8_0", "Q6_K", "Q4_K_M", "Q4_0"]) {
  const path = type === "F32" ? input : `${QUANT_CACHE}ppl-${type}.gguf`;
  if (type !== "F32") execFileSync(`${bin}llama-quantize`, [input, path, type], { stdio: "ignore" });
  const log = execFileSync(`${bin}llama-perplexity`, ["-m", path, "-f", text, "-c", String(ctx), "--chunks", String(chunks), "-t", "1", "-fa", "off", "-ctk", "f32", "-ctv", "f32"], { stdio: ["ignore", "pipe", "pipe"] });
  const all = log.toString();
  const m = /Final estimate: PPL = ([\d.]+) \+\/- ([\d.]+)/.exec(all) ?? /Final estimate: PPL = ([\d.]+) \+\/- ([\d.]+)/.exec(execFileSync("sh", ["-c", `${bin}llama-perplexity -m ${path} -f ${text} -c ${ctx} --chunks ${chunks} -t 1 -fa off -ctk f32 -ctv f32 2>&1`]).toString());
  results[type] = { perplexity: Number(m[1]), standardError: Number(m[2]) };
  if (type !== "F32") rmSync(path);
  console.log(type, results[type]);
}
writeFileSync(`${root}test/fixtures/quantize/llama-perplexity.json`, JSON.stringify({ made_by: "scripts/reference/make-perplexity-fixtures.mjs", model: "llama8", ctx, chunks, results }, null, 1) + "\n");
