// Reference GGUF tokenizations from llama.cpp itself (node-llama-cpp's prebuilt binary, vocab-only load):
// llama_tokenize(add_special = false, parse_special = false), as `glassbox tokenize` encodes a .gguf.
//
// node-llama-cpp is never a dependency of glassbox: this script installs it on demand under bench/peers/
// (git-ignored). It writes the fixture the tests compare against (the corpus + 1,000 random strings per
// vocabulary, gzipped), and with --fuzz N also compares glassbox live on N random strings.
//
// usage: npm run build && node scripts/reference/llamacpp-tokenize.mjs [--fuzz 10000]
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const root = new URL("../../", import.meta.url).pathname;
const peer = `${root}bench/peers/llama`;
if (!existsSync(`${peer}/node_modules/node-llama-cpp`)) {
  mkdirSync(peer, { recursive: true });
  writeFileSync(`${peer}/package.json`, JSON.stringify({ name: "peers", private: true, type: "module" }));
  console.error("installing node-llama-cpp under bench/peers/llama ...");
  execSync("npm install --no-save node-llama-cpp@3", { cwd: peer, stdio: "inherit" });
}
const { getLlama } = await import(`${peer}/node_modules/node-llama-cpp/dist/index.js`);
const { GGUF_VOCABS } = await import(`${root}dist/test/support/gguf-vocabs.js`);
const { CORPUS, randomStrings } = await import(`${root}dist/test/support/corpus.js`);
const { loadGgufVocab } = await import(`${root}dist/src/tokenizers/gguf-vocab.js`);

const fuzzIndex = process.argv.indexOf("--fuzz");
const fuzz = fuzzIndex > 0 ? Number(process.argv[fuzzIndex + 1]) : 0;
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });

export const FIXTURE_SEED = 5000;
for (const name of Object.keys(GGUF_VOCABS)) {
  const path = GGUF_VOCABS[name]();
  const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  const tokenize = (text) => Array.from(model.tokenize(text, false));
  const inputs = [...CORPUS, ...randomStrings(FIXTURE_SEED, 1000)];
  const fixture = { generator: "scripts/reference/llamacpp-tokenize.mjs", llamaCpp: llama.llamaCppRelease ?? null, seed: FIXTURE_SEED, random: 1000, ids: inputs.map(tokenize) };
  writeFileSync(`${root}test/fixtures/tokenizers/llamacpp-${name}.json.gz`, gzipSync(JSON.stringify(fixture)));
  console.log(`${name}: wrote the fixture (${inputs.length} strings)`);
  if (fuzz > 0) {
    const ours = loadGgufVocab(path);
    const strings = randomStrings(9000, fuzz);
    let tokens = 0;
    const bad = [];
    for (const s of strings) {
      const expected = tokenize(s);
      tokens += expected.length;
      const got = ours.encode(s);
      if (JSON.stringify(got) !== JSON.stringify(expected)) bad.push({ s, expected, got });
    }
    console.log(`${name}: ${strings.length} random strings, ${tokens} tokens compared with llama.cpp, ${bad.length} mismatches`);
    for (const b of bad.slice(0, 3)) console.log(JSON.stringify(b.s).slice(0, 150), "\n  llama.cpp", JSON.stringify(b.expected).slice(0, 200), "\n  glassbox ", JSON.stringify(b.got).slice(0, 200));
  }
  await model.dispose();
}
