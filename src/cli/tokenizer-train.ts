/**
 * glassbox tokenizer train --input FILE --vocab-size N --out DIR [--pattern gpt4|gpt2|none] [--special S]
 * Trains a byte-level BPE (minbpe's RegexTokenizer) and writes DIR/tokenizer.json.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { writeFileAtomic } from "../core/atomic-write.js";
import { UserError } from "../core/errors.js";
import { trainBpe } from "../tokenizers/train/bpe-trainer.js";
import { toTokenizerJson } from "../tokenizers/train/export.js";

interface TrainFlags {
  input: string;
  vocabSize: string;
  out: string;
  pattern: string;
  special: string[];
}

function train(flags: TrainFlags): void {
  const vocabSize = Number(flags.vocabSize);
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + flags.special.length || vocabSize > 1 << 20) {
    throw new UserError("--vocab-size", `must be a whole number from ${256 + flags.special.length} (256 bytes + special tokens) to ${1 << 20}, got "${flags.vocabSize}"`);
  }
  if (!["gpt4", "gpt2", "none"].includes(flags.pattern)) throw new UserError("--pattern", `must be gpt4, gpt2 or none, got "${flags.pattern}"`);
  if (!existsSync(flags.input) || !statSync(flags.input).isFile()) throw new UserError(flags.input, "no such file");
  if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new UserError(flags.out, "exists and is not a directory");
  const text = readFileSync(flags.input, "utf8");
  const bar = new cliProgress.SingleBar(
    { format: "training BPE |{bar}| {value}/{total} merges | {duration_formatted}", stream: process.stderr, hideCursor: true, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  const numMerges = vocabSize - 256 - flags.special.length;
  bar.start(numMerges, 0);
  const started = Date.now();
  const trained = trainBpe(text, {
    vocabSize,
    pattern: flags.pattern as "gpt4" | "gpt2" | "none",
    specialTokens: flags.special,
    onProgress: (done) => {
      if (done % 16 === 0 || done === numMerges) bar.update(done);
    },
  });
  bar.stop();
  mkdirSync(flags.out, { recursive: true });
  const path = join(flags.out, "tokenizer.json");
  writeFileAtomic(path, JSON.stringify(toTokenizerJson(trained), null, 1) + "\n");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`wrote ${path}: ${256 + trained.merges.length + trained.specialTokens.size} tokens (${trained.merges.length} merges) in ${seconds} s\n`);
}

export function registerTokenizerTrain(program: Command): void {
  const tokenizer = program.command("tokenizer").description("tokenizer tools");
  tokenizer
    .command("train")
    .description("train a byte-level BPE tokenizer (as minbpe's RegexTokenizer) and write DIR/tokenizer.json")
    .requiredOption("--input <file>", "training text (UTF-8)")
    .requiredOption("--vocab-size <n>", "total vocabulary size: 256 bytes + merges + special tokens")
    .requiredOption("--out <dir>", "output directory")
    .option("--pattern <name>", "split pattern: gpt4 (cl100k), gpt2 or none", "gpt4")
    .option("--special <token>", "a special token (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .action((flags: TrainFlags) => train(flags));
}
