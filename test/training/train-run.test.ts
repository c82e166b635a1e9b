/**
 * Training runs end to end, on small models: the loss falls; the exported directory loads in the inference
 * engine with the same logits; a resumed run continues bit-exactly; bad flags are user errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Tape } from "../../src/autograd/tape.js";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Rng } from "../../src/core/rng.js";
import { Model } from "../../src/generation/model.js";
import { characterVocabulary, charTokenizerJson } from "../../src/tokenizers/train/char-vocabulary.js";
import { exportHf } from "../../src/training/export.js";
import { completeShape } from "../../src/training/models/shape.js";
import { createTrainableModel } from "../../src/training/models/trainable.js";
import { openPretrained } from "../../src/training/init-from.js";
import { trainRun } from "../../src/training/run.js";
import type { LogLine, TrainSettings } from "../../src/training/trainer.js";
import { relativeError } from "../support/model-fixtures.js";

const BIN = new URL("../../../bin/glassbox", import.meta.url).pathname;
const TEXT = "the quick brown fox jumps over the lazy dog. pack my box with five dozen liquor jugs! ".repeat(60);

const SETTINGS: TrainSettings = {
  iters: 12, batchSize: 4, gradAccum: 2, lr: 3e-3, minLr: 3e-4, warmup: 2, decaySteps: 12, beta1: 0.9, beta2: 0.99,
  weightDecay: 0.1, clip: 1.0, evalInterval: 4, evalIters: 3, checkpointInterval: 0, seed: 7,
};
const SMALL = { architecture: "llama" as const, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, blockSize: 16, dropout: 0.1 };

const temp = () => mkdtempSync(join(tmpdir(), "glassbox-train-"));
const logOf = (dir: string) => readFileSync(join(dir, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as LogLine);

test("exported models load in the inference engine with the training model's logits (gpt2 tied, no bias; llama GQA)", () => {
  const chars = characterVocabulary(TEXT);
  for (const shape of [
    completeShape({ architecture: "gpt2", vocabSize: chars.length, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 12, bias: false }),
    completeShape({ architecture: "gpt2", vocabSize: chars.length, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 12, bias: true, tieEmbeddings: false }),
    completeShape({ ...SMALL, vocabSize: chars.length, dropout: 0 }),
  ]) {
    const backend = new ReferenceBackend();
    const model = createTrainableModel(shape, backend, new Rng(3));
    // nanoGPT's 0.02 initialization gives near-uniform logits: widen every parameter so the comparison bites
    const rng = new Rng(4);
    for (const p of model.parameters.list) for (let i = 0; i < p.variable.size; i++) p.variable.data[i] = p.variable.data[i]! * 20 + (rng.next() - 0.5) * 0.2;
    const dir = temp();
    exportHf(dir, model, JSON.stringify(charTokenizerJson(chars)));
    const ids = Array.from("the lazy dog", (ch) => chars.indexOf(ch));
    const tape = new Tape(backend);
    tape.recording = false;
    const trained = model.forward(tape, Int32Array.from(ids), 1, ids.length).data;
    const loaded = Model.load(dir, { backend });
    const engine = loaded.forward(ids);
    const error = relativeError(Float32Array.from(engine.flatMap((row) => [...row])), trained);
    assert.ok(error <= 1e-5, `${shape.architecture} bias=${shape.bias}: ${error}`);
  }
});

test("fine-tuning (--init-from) starts from an exported checkpoint's exact weights and trains on", () => {
  const chars = characterVocabulary(TEXT);
  for (const shape of [
    completeShape({ architecture: "gpt2", vocabSize: chars.length, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 12, bias: true }),
    completeShape({ ...SMALL, vocabSize: chars.length, dropout: 0 }),
  ]) {
    const backend = new ReferenceBackend();
    const original = createTrainableModel(shape, backend, new Rng(5));
    const dir = temp();
    exportHf(dir, original, JSON.stringify(charTokenizerJson(chars)));
    const pretrained = openPretrained(dir);
    assert.deepEqual({ ...pretrained.shape, dropout: 0 }, shape);
    const copy = createTrainableModel(pretrained.shape, backend, new Rng(99));
    pretrained.load(copy);
    original.parameters.list.forEach((p, i) => assert.deepEqual(copy.parameters.list[i]!.variable.data, p.variable.data, p.name));
    const out = temp();
    const wasm = new WasmBackend({ threads: 1 });
    const result = trainRun({ out, title: "t", backend: wasm, fresh: { text: TEXT, tokenizer: "char", shape: SMALL, settings: { ...SETTINGS, iters: 4 }, initFrom: pretrained } });
    wasm.dispose();
    assert.equal(result.parameters, original.parameters.count);
    assert.ok(Math.abs(logOf(out)[0]!.valLoss! - Math.log(chars.length)) < 0.3, "starts near the checkpoint's (untrained) loss");
  }
});

test("a short run learns: validation loss falls well below the uniform guess, log.jsonl follows the contract", () => {
  const out = temp();
  const backend = new WasmBackend({ threads: 2 });
  trainRun({ out, title: "test", backend, fresh: { text: TEXT, tokenizer: "char", shape: { ...SMALL, dropout: 0 }, settings: { ...SETTINGS, iters: 60, decaySteps: 60, evalInterval: 20 } } });
  backend.dispose();
  const log = logOf(out);
  const evaluations = log.filter((l) => l.valLoss !== undefined);
  assert.deepEqual(evaluations.map((l) => l.iter), [0, 20, 40, 60]);
  const uniform = Math.log(characterVocabulary(TEXT).length);
  assert.ok(Math.abs(evaluations[0]!.valLoss! - uniform) < 0.2, `initial loss ${evaluations[0]!.valLoss} vs ln V = ${uniform}`);
  assert.ok(evaluations.at(-1)!.valLoss! < 0.6 * uniform, `final validation loss ${evaluations.at(-1)!.valLoss}`);
  const steps = log.filter((l) => l.valLoss === undefined);
  assert.equal(steps.length, 60);
  for (const s of steps) {
    assert.ok(Number.isFinite(s.trainLoss) && s.msPerIter! > 0 && s.tokensPerSecond! > 0, JSON.stringify(s));
    assert.ok(Math.abs(s.tokensPerSecond! - (4 * 16 * 2 * 1000) / s.msPerIter!) < 1e-6 * s.tokensPerSecond!);
  }
  for (const file of ["model.safetensors", "config.json", "tokenizer.json", "loss.svg", "checkpoint.safetensors", "tokens.bin"]) assert.ok(existsSync(join(out, file)), file);
  assert.match(readFileSync(join(out, "loss.svg"), "utf8"), /^<svg[\s\S]*<path d="M[\s\S]*<\/svg>\n$/);
});

test("resume continues bit-exactly: the same losses and the same weight bytes as an uninterrupted run (dropout on)", () => {
  const settings = { ...SETTINGS, checkpointInterval: 3 };
  const fresh = { text: TEXT, tokenizer: "char" as const, shape: SMALL, settings };
  const [whole, split] = [temp(), temp()];
  let backend = new WasmBackend({ threads: 2 });
  trainRun({ out: whole, title: "t", backend, fresh });
  // the same run, stopped right after its checkpoint at iteration 6 (between evaluations at 4 and 8), as a
  // killed process would be, with the log lines it wrote before stopping
  const stop = new Error("stopped");
  assert.throws(() => trainRun({ out: split, title: "t", backend, fresh, onCheckpoint: (iter) => { if (iter === 6) throw stop; } }), (e) => e === stop);
  backend.dispose();
  backend = new WasmBackend({ threads: 2 });
  trainRun({ out: split, title: "t", backend, resume: {} });
  backend.dispose();
  const strip = (l: LogLine) => JSON.stringify({ ...l, msPerIter: 0, tokensPerSecond: 0 });
  assert.deepEqual(logOf(split).map(strip), logOf(whole).map(strip));
  assert.ok(readFileSync(join(whole, "model.safetensors")).equals(readFileSync(join(split, "model.safetensors"))), "identical weights");
  assert.ok(readFileSync(join(whole, "checkpoint.safetensors")).equals(readFileSync(join(split, "checkpoint.safetensors"))), "identical optimizer state");
});

test("train CLI: bad flags and directories are one-line user errors (exit 2)", () => {
  const dir = temp();
  const data = join(dir, "data.txt");
  writeFileSync(data, TEXT);
  const cases: [string[], RegExp][] = [
    [["train", "--preset", "nope", "--data", data], /--preset: "nope" is not a preset/],
    [["train", "--data", join(dir, "missing.txt"), "--tokenizer", "char"], /missing\.txt: no such file/],
    [["train", "--data", data], /--tokenizer: required/],
    [["train", "--resume", "--out", join(dir, "none")], /no checkpoint to resume from/],
    [["train", "--data", data, "--tokenizer", "char", "--heads", "3", "--dim", "32"], /not a multiple of nHead/],
    [["train", "--data", data, "--tokenizer", "char", "--lr", "fast"], /--lr: "fast" is not a number/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(BIN, args.includes("--out") ? args : [...args, "--out", join(dir, "fresh")], { encoding: "utf8" });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  const out = join(dir, "run");
  const ok = spawnSync(BIN, ["train", "--data", data, "--tokenizer", "char", "--layers", "1", "--dim", "16", "--heads", "2", "--block", "8", "--iters", "2", "--eval-interval", "2", "--eval-iters", "1", "--out", out], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const again = spawnSync(BIN, ["train", "--data", data, "--tokenizer", "char", "--out", out], { encoding: "utf8" });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already holds a training run .* --resume/);
});
