#!/usr/bin/env node
/**
 * Small quantized GGUF files written independently of glassbox — an F32 model by llama.cpp's gguf-py
 * (scripts/reference/gguf_py_write_llama.py, vocabulary from test/fixtures/tokenizers/spm-bpe.model),
 * then Q4_0 and Q4_K_M by llama-quantize — and llama.cpp's teacher-forced logits for them, so CI checks
 * glassbox's quantized forward against llama.cpp without building it.
 *
 *   npm run build && scripts/reference/build-llamacpp.sh && node scripts/reference/make-llamacpp-fixtures.mjs
 * Writes test/fixtures/llamacpp/{Q4_0,Q4_K_M}.gguf, reference.json and {type}.logits.f32 (T × V).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { loadSentencePiece } = await import(`${root}dist/src/tokenizers/sentencepiece/sentencepiece.js`);
const bin = `${root}bench/peers/llama.cpp/build/bin/`;
const out = `${root}test/fixtures/llamacpp/`;
mkdirSync(out, { recursive: true });
const spm = `${root}test/fixtures/tokenizers/spm-bpe.model`;
const f32 = `${out}.f32.tmp.gguf`;
execFileSync("/usr/bin/python3", [`${root}scripts/reference/gguf_py_write_llama.py`, spm, f32, "--dim", "256", "--ffn", "256", "--layers", "1", "--ctx", "64", "--seed", "3"], {
  env: { ...process.env, PYTHONPATH: `${root}bench/peers/llama.cpp/gguf-py` },
});
const ids = loadSentencePiece(spm).encode("First Citizen: Before we proceed any further, hear me speak. All: Speak, speak.", { addSpecial: true }).slice(0, 16);
const reference = { ids, made_by: "scripts/reference/make-llamacpp-fixtures.mjs", llamacpp: "node-llama-cpp's bundled llama.cpp, flash attention off, f32 KV cache", files: {} };
for (const type of ["Q4_0", "Q4_K_M"]) {
  execFileSync(`${bin}llama-quantize`, [f32, `${out}${type}.gguf`, type], { stdio: "ignore" });
  const logits = JSON.parse(execFileSync(`${bin}glassbox-llamacpp-logits`, ["teacher", `${out}${type}.gguf`, ids.join(",")], { maxBuffer: 1 << 28 }).toString()).logits;
  writeFileSync(`${out}${type}.logits.f32`, Buffer.from(Float32Array.from(logits.flat()).buffer));
  reference.files[type] = { gguf: `${type}.gguf`, logits: `${type}.logits.f32` };
}
rmSync(f32);
writeFileSync(`${out}reference.json`, JSON.stringify(reference, null, 1));
console.log(`wrote ${Object.keys(reference.files).join(", ")} with ${ids.length} positions of llama.cpp logits`);
