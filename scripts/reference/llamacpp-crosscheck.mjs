#!/usr/bin/env node
/**
 * glassbox against llama.cpp (DESIGN.md "Correctness method"), on the tools build-llamacpp.sh builds:
 *
 *  (a) GGUF files glassbox writes (architectures llama — with Llama-3.1 rope scaling, i.e. rope_freqs —
 *      and qwen2 — q/k/v biases, tied head, NeoX rope), with the real Llama 2 vocabulary, load in
 *      llama.cpp and, in F32, give the same 64 greedy tokens (flash attention off, f32 KV cache);
 *  (b) GGUF files written independently — by llama.cpp's gguf-py (F32) and by llama-quantize from it
 *      (F16, Q8_0, Q4_0, Q4_K_M, Q6_K) — load in glassbox, and teacher-forced logits agree with llama.cpp's
 *      (per-position max|a − b| / max|ref| ≤ 2e-2, same argmax at ≥ 98% of positions).
 *
 *   npm run build && scripts/reference/build-llamacpp.sh && node scripts/reference/llamacpp-crosscheck.mjs [SEED...]
 * Each SEED (default 0) is one random gguf-py model for (b).
 * Needs ../shared/data (Llama 2 tokenizer, Tiny Shakespeare) and python3-numpy. Prints a table, writes
 * test/.cache/xcheck/results.json, exits 1 if a criterion fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { logitAgreement } from "./logit-agreement.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = `${root}dist/`;
const { loadLanguageModel } = await import(`${dist}src/models/load.js`);
const { ReferenceBackend } = await import(`${dist}src/backends/reference/reference-backend.js`);
const { loadSentencePiece } = await import(`${dist}src/tokenizers/sentencepiece/sentencepiece.js`);
const { sentencePieceToGguf } = await import(`${dist}src/tokenizers/gguf-vocab-export.js`);
const { writeHfAsGguf } = await import(`${dist}src/models/export-gguf.js`);
const { generateIds, emptyStats } = await import(`${dist}src/generation/generate.js`);
const { writeRandomLlama } = await import(`${dist}test/support/random-checkpoint.js`);

const bin = `${root}bench/peers/llama.cpp/build/bin/`;
const driver = `${bin}glassbox-llamacpp-logits`;
const shared = `${root}../shared/data/`;
const out = `${root}test/.cache/xcheck/`;
for (const need of [driver, `${shared}llama2-tokenizer.model`, `${shared}tinyshakespeare.txt`]) {
  if (!existsSync(need)) {
    console.error(`missing ${need}: run scripts/reference/build-llamacpp.sh (and provide ../shared/data)`);
    process.exit(2);
  }
}
mkdirSync(out, { recursive: true });
const sp = loadSentencePiece(`${shared}llama2-tokenizer.model`);
const text = readFileSync(`${shared}tinyshakespeare.txt`, "utf8").slice(0, 2000);
const backend = new ReferenceBackend();
const results = { greedy: [], teacher: [] };
let failed = false;

// (a) glassbox writes, llama.cpp reads: 64 greedy tokens
const promptIds = sp.encode(text.slice(0, 200), { addSpecial: true }).slice(0, 24);
const variants = [
  { name: "llama", modelType: "llama", ropeScaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
  { name: "qwen2", modelType: "qwen2", tied: true },
];
for (const v of variants) {
  const dir = `${out}glassbox-${v.name}`;
  writeRandomLlama(dir, { modelType: v.modelType, vocabSize: sp.vocabSize, ropeScaling: v.ropeScaling, tied: v.tied, seed: 5 });
  const gguf = `${out}glassbox-${v.name}-f32.gguf`;
  writeHfAsGguf(dir, gguf, sentencePieceToGguf(sp));
  const theirs = JSON.parse(execFileSync(driver, ["greedy", gguf, promptIds.join(","), "64"]).toString()).ids;
  const { model } = loadLanguageModel(gguf, backend);
  const ours = [];
  for await (const id of generateIds(model, promptIds, { temperature: 0, maxTokens: 64, eosIds: [2] }, emptyStats())) ours.push(id);
  const same = ours.length === theirs.length && ours.every((id, i) => id === theirs[i]);
  const firstDiff = ours.findIndex((id, i) => id !== theirs[i]);
  results.greedy.push({ file: `glassbox-${v.name}-f32.gguf`, architecture: model.config.architecture, tokens: theirs.length, identical: same, firstDifference: same ? null : firstDiff });
  failed ||= !same || theirs.length < 64;
}

// (b) gguf-py and llama-quantize write, glassbox reads: teacher-forced logits
const pyGguf = `${out}gguf-py-F32.gguf`;
const ids = sp.encode(text, { addSpecial: true }).slice(0, 128);
const seeds = process.argv.slice(2).length ? process.argv.slice(2) : ["0"];
for (const seed of seeds) {
execFileSync("/usr/bin/python3", [`${root}scripts/reference/gguf_py_write_llama.py`, `${shared}llama2-tokenizer.model`, pyGguf, "--seed", seed], {
  env: { ...process.env, PYTHONPATH: `${root}bench/peers/llama.cpp/gguf-py` },
});
for (const type of ["F32", "F16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K"]) {
  const path = `${out}gguf-py-${type}.gguf`;
  if (type !== "F32") execFileSync(`${bin}llama-quantize`, [pyGguf, path, type], { stdio: "ignore" });
  const reference = JSON.parse(execFileSync(driver, ["teacher", path, ids.join(",")], { maxBuffer: 1 << 30 }).toString()).logits;
  const { model } = loadLanguageModel(path, backend);
  const V = model.config.vocabSize;
  const logits = model.forward(ids, model.newCache(ids.length));
  const dtypes = {};
  for (const t of model.tensors()) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
  const { worst, sameArgmax } = logitAgreement(logits, reference, ids.length, V);
  const ok = worst <= 2e-2 && sameArgmax / ids.length >= 0.98;
  results.teacher.push({ seed, file: `gguf-py-${type}.gguf`, matrices: dtypes, positions: ids.length, worstRelativeError: Number(worst.toExponential(3)), sameArgmax, ok });
  failed ||= !ok;
}
}

writeFileSync(`${out}results.json`, JSON.stringify(results, null, 1));
console.log("(a) glassbox-written GGUF in llama.cpp, F32, greedy:");
for (const r of results.greedy) console.log(`  ${r.file.padEnd(28)} ${r.architecture.padEnd(6)} ${r.tokens} tokens ${r.identical ? "identical" : `differ from token ${r.firstDifference}`}`);
console.log("(b) gguf-py / llama-quantize GGUF in glassbox, teacher-forced logits vs llama.cpp:");
for (const r of results.teacher) console.log(`  seed ${r.seed} ${r.file.padEnd(22)} ${JSON.stringify(r.matrices).padEnd(36)} max rel err ${String(r.worstRelativeError).padEnd(9)} argmax ${r.sameArgmax}/${r.positions} ${r.ok ? "ok" : "FAIL"}`);
process.exit(failed ? 1 : 0);
