/**
 * glassbox train --data FILE [--tokenizer char|PATH] [--preset NAME | --arch --layers --heads --dim --block ...]
 *                [--iters --batch --lr ...] [--out DIR] [--resume] [--init-from DIR] [--threads N]
 * Trains a GPT-2- or Llama-style model from scratch (src/training/run.ts has the directory layout).
 * A live progress line goes to stderr; DIR/log.jsonl gets one JSON object per step and per evaluation.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { createBackend } from "../backends/select.js";
import { UserError } from "../core/errors.js";
import { openPretrained } from "../training/init-from.js";
import { PRESETS } from "../training/presets.js";
import { trainRun } from "../training/run.js";
import type { LogLine, TrainSettings } from "../training/trainer.js";
import { parseNumber } from "./options.js";

interface TrainFlags {
  data?: string;
  tokenizer?: string;
  preset?: string;
  arch?: string;
  layers?: string;
  heads?: string;
  kvHeads?: string;
  dim?: string;
  ffn?: string;
  block?: string;
  bias?: boolean;
  tieEmbeddings?: boolean;
  dropout?: string;
  iters?: string;
  batch?: string;
  gradAccum?: string;
  lr?: string;
  minLr?: string;
  warmup?: string;
  decayIters?: string;
  weightDecay?: string;
  beta1?: string;
  beta2?: string;
  clip?: string;
  evalInterval?: string;
  evalIters?: string;
  checkpointInterval?: string;
  seed?: string;
  threads?: string;
  out?: string;
  resume?: boolean;
  initFrom?: string;
  backend?: string;
}

const DEFAULT_SETTINGS: TrainSettings = {
  iters: 2000, batchSize: 12, gradAccum: 1, lr: 1e-3, minLr: 1e-4, warmup: 100, decaySteps: 2000, beta1: 0.9, beta2: 0.99,
  weightDecay: 0.1, clip: 1.0, evalInterval: 250, evalIters: 20, checkpointInterval: 0, seed: 1337,
};

function readText(path: string): string {
  if (!existsSync(path) || statSync(path).isDirectory()) throw new UserError(path, "no such file (--data needs a text file)");
  return readFileSync(path, "utf8");
}

/** tokenizer.json text for --tokenizer PATH (a tokenizer.json, or a directory holding one). */
function tokenizerJsonAt(path: string): string {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "tokenizer.json") : path;
  if (!existsSync(file)) throw new UserError(path, "no tokenizer.json here (--tokenizer takes char, a tokenizer.json, or a directory with one)");
  if (!file.endsWith(".json")) throw new UserError(path, "training writes the tokenizer as tokenizer.json, so --tokenizer must be one (or char)");
  return readFileSync(file, "utf8");
}

const format = (seconds: number) => (seconds >= 3600 ? `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m` : `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`);

function run(flags: TrainFlags): void {
  const int = (flag: string, v: string | undefined, min = 1) => parseNumber(flag, v, { min, integer: true });
  const num = (flag: string, v: string | undefined, min = 0) => parseNumber(flag, v, { min });
  const preset = flags.preset === undefined ? undefined : PRESETS[flags.preset];
  if (flags.preset !== undefined && !preset) throw new UserError("--preset", `"${flags.preset}" is not a preset (presets: ${Object.keys(PRESETS).join(", ")})`);
  const out = flags.out ?? join("runs", flags.preset ?? new Date().toISOString().replace(/[:.]/g, "-"));
  const threads = int("--threads", flags.threads);
  const backend = createBackend(flags.backend, threads);
  const title = `glassbox train ${flags.preset ?? ""} (${out})`.replace("  ", " ");

  const started = performance.now();
  let stepsTimed = 0;
  let msTotal = 0;
  const tty = process.stderr.isTTY;
  const onLog = (line: LogLine, settings: TrainSettings) => {
    if (line.valLoss !== undefined) {
      if (tty) process.stderr.write("\r\x1b[K");
      process.stderr.write(`step ${line.iter}: train loss ${line.trainLoss.toFixed(4)}, val loss ${line.valLoss.toFixed(4)}${line.msPerIter ? `, ${line.msPerIter.toFixed(1)} ms/iter` : ""}\n`);
      return;
    }
    stepsTimed++;
    msTotal += line.msPerIter!;
    const eta = ((settings.iters - line.iter - 1) * msTotal) / stepsTimed / 1000;
    const text = `iter ${line.iter + 1}/${settings.iters} loss ${line.trainLoss.toFixed(4)} | ${line.msPerIter!.toFixed(1)} ms/iter, ${Math.round(line.tokensPerSecond!)} tok/s | ETA ${format(eta)}`;
    if (tty) process.stderr.write(`\r\x1b[K${text}`);
    else if ((line.iter + 1) % 100 === 0) process.stderr.write(text + "\n");
  };
  const onCheckpoint = (iter: number) => {
    if (tty) process.stderr.write("\r\x1b[K");
    process.stderr.write(`checkpoint saved at iter ${iter} (${out})\n`);
  };

  let result;
  if (flags.resume) {
    result = trainRun({ out, title, backend, resume: { iters: int("--iters", flags.iters) }, onLog, onCheckpoint });
  } else {
    if (!flags.data) throw new UserError("--data", "required: the text file to train on");
    const text = readText(flags.data);
    const initFrom = flags.initFrom === undefined ? undefined : openPretrained(flags.initFrom, { blockSize: int("--block", flags.block), dropout: parseNumber("--dropout", flags.dropout, { min: 0, max: 0.9 }) });
    if (initFrom && flags.tokenizer) throw new UserError("--tokenizer", "fine-tuning (--init-from) uses the checkpoint's own tokenizer");
    const tokenizerFlag = flags.tokenizer ?? (initFrom ? "char" : preset?.tokenizer === "char" ? "char" : undefined);
    if (!tokenizerFlag) throw new UserError("--tokenizer", "required without a preset: char, or a tokenizer.json (train one with `glassbox tokenizer train`)");
    const architecture = (flags.arch ?? preset?.shape.architecture ?? "gpt2") as "gpt2" | "llama";
    if (architecture !== "gpt2" && architecture !== "llama") throw new UserError("--arch", `"${flags.arch}" is not trainable (gpt2, llama)`);
    const base = preset?.shape ?? { architecture, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 };
    const shape = {
      ...base,
      architecture,
      nLayer: int("--layers", flags.layers) ?? base.nLayer,
      nHead: int("--heads", flags.heads) ?? base.nHead,
      nEmbd: int("--dim", flags.dim) ?? base.nEmbd,
      blockSize: int("--block", flags.block) ?? base.blockSize,
      ...(flags.kvHeads !== undefined ? { nKvHead: int("--kv-heads", flags.kvHeads) } : {}),
      ...(flags.ffn !== undefined ? { ffnDim: int("--ffn", flags.ffn) } : {}),
      ...(flags.bias !== undefined ? { bias: flags.bias } : {}),
      ...(flags.tieEmbeddings !== undefined ? { tieEmbeddings: flags.tieEmbeddings } : {}),
      ...(flags.dropout !== undefined ? { dropout: parseNumber("--dropout", flags.dropout, { min: 0, max: 0.9 }) } : {}),
    };
    const s = { ...DEFAULT_SETTINGS, ...preset?.settings };
    const iters = int("--iters", flags.iters) ?? s.iters;
    const settings: TrainSettings = {
      iters,
      batchSize: int("--batch", flags.batch) ?? s.batchSize,
      gradAccum: int("--grad-accum", flags.gradAccum) ?? s.gradAccum,
      lr: num("--lr", flags.lr) ?? s.lr,
      minLr: num("--min-lr", flags.minLr) ?? s.minLr,
      warmup: int("--warmup", flags.warmup, 0) ?? s.warmup,
      decaySteps: int("--decay-iters", flags.decayIters) ?? (flags.iters !== undefined ? iters : s.decaySteps),
      beta1: parseNumber("--beta1", flags.beta1, { min: 0, max: 0.999999 }) ?? s.beta1,
      beta2: parseNumber("--beta2", flags.beta2, { min: 0, max: 0.999999 }) ?? s.beta2,
      weightDecay: num("--weight-decay", flags.weightDecay) ?? s.weightDecay,
      clip: num("--clip", flags.clip) ?? s.clip,
      evalInterval: int("--eval-interval", flags.evalInterval) ?? s.evalInterval,
      evalIters: int("--eval-iters", flags.evalIters) ?? s.evalIters,
      checkpointInterval: int("--checkpoint-interval", flags.checkpointInterval, 0) ?? s.checkpointInterval,
      seed: int("--seed", flags.seed, 0) ?? s.seed,
    };
    const tokenizer = tokenizerFlag === "char" ? "char" : { json: tokenizerJsonAt(tokenizerFlag) };
    result = trainRun({ out, title, backend, fresh: { text, tokenizer, shape, settings, initFrom }, onLog, onCheckpoint });
  }
  const seconds = (performance.now() - started) / 1000;
  const last = result.lastEvaluation;
  process.stderr.write(`done: ${result.parameters.toLocaleString("en-US")} parameters, ${result.settings.iters} iterations${last ? `, val loss ${last.valLoss!.toFixed(4)}` : ""} in ${format(seconds)}; the model is in ${out} (load it with --model ${out})\n`);
  (backend as { dispose?: () => void }).dispose?.();
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a GPT-2- or Llama-style model from scratch on a text file")
    .option("--data <file>", "the training text (the first 90% trains, the last 10% validates)")
    .option("--tokenizer <char|path>", "char (one token per character), or a tokenizer.json from `glassbox tokenizer train`")
    .option("--preset <name>", `a named configuration (${Object.keys(PRESETS).join(", ")})`)
    .option("--arch <gpt2|llama>", "architecture (default gpt2)")
    .option("--layers <n>", "transformer blocks")
    .option("--heads <n>", "attention heads")
    .option("--kv-heads <n>", "key/value heads (llama: grouped-query attention)")
    .option("--dim <n>", "embedding width")
    .option("--ffn <n>", "feed-forward width (gpt2: 4·dim; llama: about 8/3·dim)")
    .option("--block <n>", "context length trained on")
    .option("--bias", "gpt2: biases in linear layers and LayerNorms")
    .option("--no-bias", "gpt2: no biases")
    .option("--tie-embeddings", "the output head reuses the token embedding (gpt2's default)")
    .option("--no-tie-embeddings", "a separate output head (llama's default)")
    .option("--dropout <p>", "dropout probability (default 0)")
    .option("--iters <n>", "optimizer steps")
    .option("--batch <n>", "windows per micro-batch")
    .option("--grad-accum <n>", "micro-batches per step")
    .option("--lr <x>", "peak learning rate")
    .option("--min-lr <x>", "learning rate at the end of the cosine decay")
    .option("--warmup <n>", "warmup steps")
    .option("--decay-iters <n>", "step where the cosine decay ends (default: --iters)")
    .option("--weight-decay <x>", "AdamW weight decay on matrices and embeddings")
    .option("--beta1 <x>", "AdamW β₁")
    .option("--beta2 <x>", "AdamW β₂")
    .option("--clip <x>", "gradient clipping norm (0: off)")
    .option("--eval-interval <n>", "evaluate (and checkpoint) every n steps")
    .option("--eval-iters <n>", "batches per evaluation and split")
    .option("--checkpoint-interval <n>", "also checkpoint every n steps")
    .option("--seed <n>", "seed of initialization, batches and dropout")
    .option("--threads <n>", "compute threads (default: all cores)")
    .option("--out <dir>", "output directory (default runs/<preset or time>)")
    .option("--resume", "continue the run saved in --out")
    .option("--init-from <dir>", "fine-tune: start from a Hugging Face checkpoint directory (gpt2 or llama family), with its tokenizer")
    .option("--backend <name>", "wasm (default) or reference")
    .action((flags: TrainFlags) => run(flags));
}
