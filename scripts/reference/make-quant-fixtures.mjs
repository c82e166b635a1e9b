#!/usr/bin/env node
/**
 * Quantization fixtures from llama.cpp's C: f32 rows (normal values with a few exact ties, a zero block,
 * an outlier row) quantized by ggml_quantize_chunk without an importance matrix — what llama-quantize does
 * for each tensor — into every GGML block type glassbox reads.
 *
 *   node scripts/reference/make-quant-fixtures.mjs    # writes test/fixtures/quants/source.f32, {type}.quant
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const driver = `${root}bench/peers/llama.cpp/build/bin/glassbox-llamacpp-logits`;
const out = `${root}test/fixtures/quants/`;
const ROWS = 4;
const ROW = 512;

let state = 777;
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const x = new Float32Array(ROWS * ROW);
for (let i = 0; i < x.length; i++) x[i] = normal() * 0.05;
x.fill(0, 32, 64); // a zero block
for (let i = 64; i < 96; i++) x[i] = (i % 7) - 3; // small integers: exact ties in rounding
for (let i = ROW; i < 2 * ROW; i++) x[i] *= i % 97 === 0 ? 40 : 1; // outliers in row 1
writeFileSync(`${out}source.f32`, Buffer.from(x.buffer));

const TYPES = { q4_0: 2, q4_1: 3, q5_0: 6, q5_1: 7, q8_0: 8, q4_k: 12, q5_k: 13, q6_k: 14 };
for (const [name, type] of Object.entries(TYPES)) {
  execFileSync(driver, ["quant", String(type), `${out}source.f32`, `${out}${name}.quant`, String(ROWS), String(ROW)]);
  console.log(`${name}: ${ROWS} rows × ${ROW}`);
}
