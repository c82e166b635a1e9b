/**
 * npm run bench -- train [--pairs N] [--iters N]
 *
 * glassbox's training iteration on nanoGPT's Shakespeare character configuration (4 layers, 4 heads, 128
 * wide, block 64, batch 12), side by side with PyTorch running nanoGPT's model and loop
 * (bench/train_pytorch.py, Debian's python3-torch, OpenBLAS when installed), alternating A/B in the same
 * run. Each side runs at each thread setting; a pair's figure is the median ms/iteration of its timed
 * iterations (after 5 untimed), each side's cell the median over pairs at its best setting.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { WasmBackend } from "../src/backends/wasm/wasm-backend.js";
import { Rng } from "../src/core/rng.js";
import { characterVocabulary } from "../src/tokenizers/train/char-vocabulary.js";
import { TokenDataset } from "../src/training/dataset.js";
import { completeShape } from "../src/training/models/shape.js";
import { createTrainableModel } from "../src/training/models/trainable.js";
import { PRESETS } from "../src/training/presets.js";
import { Trainer, type TrainSettings } from "../src/training/trainer.js";
import { median, printTable, writeResults } from "./_report.js";

const argOf = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PAIRS = argOf("--pairs", 5);
const ITERS = argOf("--iters", 40);
const SKIP = 5;
const DATA = new URL("../../../shared/data/tinyshakespeare.txt", import.meta.url).pathname;
const PYTORCH = new URL("../../bench/train_pytorch.py", import.meta.url).pathname;

if (!existsSync(DATA)) {
  console.log(`${DATA} is absent: the training benchmark needs Tiny Shakespeare (../shared/data/); nothing measured`);
  process.exit(0);
}
const text = readFileSync(DATA, "utf8");

// ---------------------------------------------------------------- glassbox
const preset = PRESETS["shakespeare-char"]!;
const chars = characterVocabulary(text);
const idOf = new Map(chars.map((c, i) => [c, i]));
const dataset = TokenDataset.split(Array.from(text, (c) => idOf.get(c)!));
const settings = { ...preset.settings, checkpointInterval: 0, seed: 1337 } as TrainSettings;
const trainers = new Map<number, { trainer: Trainer; backend: WasmBackend }>();
function glassbox(threads: number): number {
  if (!trainers.has(threads)) {
    const backend = new WasmBackend({ threads });
    const model = createTrainableModel(completeShape({ ...preset.shape, vocabSize: chars.length }), backend, new Rng(1337));
    trainers.set(threads, { trainer: new Trainer(model, dataset, settings, backend), backend });
  }
  const { trainer } = trainers.get(threads)!;
  const times: number[] = [];
  for (let i = 0; i < SKIP + ITERS; i++) {
    const line = trainer.step();
    if (i >= SKIP) times.push(line.msPerIter!);
  }
  return median(times);
}

// ---------------------------------------------------------------- PyTorch
const PYTORCH_SETTINGS: [string, Record<string, string>][] = [
  ["OMP=1", { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" }],
  ["OMP=2 OPENBLAS=1", { OMP_NUM_THREADS: "2", OPENBLAS_NUM_THREADS: "1" }],
];
let pytorchInfo: { torch: string; blas: string } | undefined;
let pytorchMissing: string | undefined;
function pytorch(env: Record<string, string>): number | undefined {
  if (pytorchMissing) return undefined;
  const r = spawnSync("/usr/bin/python3", [PYTORCH, "--data", DATA, "--iters", String(ITERS), "--skip", String(SKIP)], { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    pytorchMissing = r.error ? String(r.error.message) : r.stderr.trim().split("\n").at(-1);
    return undefined;
  }
  const out = JSON.parse(r.stdout) as { msPerIter: number[]; torch: string; blas: string };
  pytorchInfo = { torch: out.torch, blas: out.blas };
  return median(out.msPerIter);
}

// ---------------------------------------------------------------- alternate
const ours: Record<string, number[]> = { "1 thread": [], "2 threads": [] };
const theirs: Record<string, number[]> = Object.fromEntries(PYTORCH_SETTINGS.map(([name]) => [name, []]));
for (let pair = 0; pair < PAIRS; pair++) {
  for (const threads of [1, 2]) ours[`${threads} thread${threads > 1 ? "s" : ""}`]!.push(glassbox(threads));
  for (const [name, env] of PYTORCH_SETTINGS) {
    const ms = pytorch(env);
    if (ms !== undefined) theirs[name]!.push(ms);
  }
  process.stderr.write(`pair ${pair + 1}/${PAIRS} done\n`);
}
for (const { backend } of trainers.values()) backend.dispose();

const best = (cells: Record<string, number[]>) => Object.entries(cells).filter(([, v]) => v.length).map(([k, v]) => [k, median(v)] as const).sort((a, b) => a[1] - b[1])[0];
const g = best(ours)!;
const p = best(theirs);
const rows: (string | number)[][] = [];
for (const [k, v] of Object.entries(ours)) rows.push([`glassbox ${k}`, median(v).toFixed(1), p ? (median(v) / p[1]).toFixed(2) : "-"]);
for (const [k, v] of Object.entries(theirs)) if (v.length) rows.push([`PyTorch ${k}`, median(v).toFixed(1), (median(v) / p![1]).toFixed(2)]);
console.log(`\nnanoGPT shakespeare-char iteration (B=12, T=64, 4×128, ${chars.length}-char vocabulary), median of ${PAIRS} alternating pairs × ${ITERS} iterations`);
printTable(["setting", "ms/iter", "÷ PyTorch best"], rows);
if (p) console.log(`\nglassbox best (${g[0]}) ${g[1].toFixed(1)} ms vs PyTorch best (${p[0]}, torch ${pytorchInfo!.torch}, ${pytorchInfo!.blas} BLAS) ${p[1].toFixed(1)} ms: ratio ${(g[1] / p[1]).toFixed(2)}×`);
else console.log(`\nPyTorch did not run (${pytorchMissing}): glassbox alone`);
if (pytorchInfo && pytorchInfo.blas !== "openblas") console.log("note: PyTorch is not using OpenBLAS (apt-get install libopenblas0-pthread): its figure is the reference BLAS's, ~14× slower");
console.log(`wrote ${writeResults("train", { glassbox: ours, pytorch: theirs, pytorchInfo, iters: ITERS, pairs: PAIRS, ratio: p ? g[1] / p[1] : null })}`);
