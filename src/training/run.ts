/**
 * A training run in an output directory: the library function behind `glassbox train`.
 *
 *   DIR/tokens.bin               the tokenized data (train | validation), made once
 *   DIR/checkpoint.safetensors   parameters, AdamW state, iteration, random streams (atomic; --resume reads it)
 *   DIR/model.safetensors, config.json, generation_config.json, tokenizer.json
 *                                the model in Hugging Face's layout: the directory loads with --model DIR
 *   DIR/log.jsonl                one JSON object per step and per evaluation (DESIGN.md's contract)
 *   DIR/loss.svg                 the loss curve
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isTemporaryFor, writeFileAtomic } from "../core/atomic-write.js";
import { UserError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { Backend } from "../tensor/backend.js";
import { tokenizerFromJson } from "../tokenizers/hf/tokenizer-json.js";
import { characterVocabulary, charTokenizerJson } from "../tokenizers/train/char-vocabulary.js";
import { CHECKPOINT_FILE, readCheckpointInfo, restoreCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { TokenDataset } from "./dataset.js";
import { exportHf } from "./export.js";
import { lossCurveSvg, type LossPoint } from "./loss-plot.js";
import { completeShape, type ModelShape } from "./models/shape.js";
import { createTrainableModel } from "./models/trainable.js";
import type { Pretrained } from "./init-from.js";
import { Trainer, type LogLine, type TrainSettings } from "./trainer.js";

export interface RunOptions {
  readonly out: string;
  readonly title: string;
  readonly backend: Backend;
  /** A fresh run: the text, the tokenizer (tokenizer.json text, or "char" to build one from the text), the model and settings. */
  readonly fresh?: {
    readonly text: string;
    readonly tokenizer: "char" | { json: string };
    readonly shape: Omit<Parameters<typeof completeShape>[0], "vocabSize">;
    readonly settings: TrainSettings;
    /** Fine-tuning: start from this checkpoint's weights (its shape and tokenizer replace the above). */
    readonly initFrom?: Pretrained;
  };
  /** Continue the run saved in `out` (optionally to a new iteration count). */
  readonly resume?: { readonly iters?: number };
  readonly onLog?: (line: LogLine, settings: TrainSettings) => void;
  readonly onCheckpoint?: (iter: number) => void;
}

export interface RunResult {
  readonly shape: ModelShape;
  readonly settings: TrainSettings;
  readonly parameters: number;
  readonly lastEvaluation: LogLine | undefined;
}

function parseTokenizer(json: string) {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new UserError("tokenizer.json", `not valid JSON (${(e as Error).message})`);
  }
  return tokenizerFromJson(value as never, "tokenizer.json");
}

export function trainRun(options: RunOptions): RunResult {
  const { out, backend } = options;
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const logPath = join(out, "log.jsonl");
  let shape: ModelShape;
  let settings: TrainSettings;
  let tokenizerJson: string;
  let vocabulary: ReturnType<typeof parseTokenizer>;
  let dataset: TokenDataset;
  let resumeState;
  if (options.resume) {
    if (!existsSync(checkpointPath)) throw new UserError(checkpointPath, "no checkpoint to resume from");
    // a run killed while saving leaves its unfinished temporary file: the checkpoint itself is whole
    for (const name of readdirSync(out)) if (isTemporaryFor(checkpointPath, name)) rmSync(join(out, name), { force: true });
    const info = readCheckpointInfo<TrainSettings>(checkpointPath);
    shape = info.shape;
    settings = { ...info.settings, ...(options.resume.iters ? { iters: options.resume.iters } : {}) };
    resumeState = info.state;
    tokenizerJson = readFileSync(join(out, "tokenizer.json"), "utf8");
    vocabulary = parseTokenizer(tokenizerJson);
    dataset = TokenDataset.load(join(out, "tokens.bin"));
  } else {
    const fresh = options.fresh;
    if (!fresh) throw new Error("trainRun: neither fresh nor resume");
    if (existsSync(checkpointPath)) throw new UserError(out, "already holds a training run (checkpoint.safetensors): pass --resume to continue it, or choose another --out");
    mkdirSync(out, { recursive: true });
    const chars = fresh.tokenizer === "char" && !fresh.initFrom ? characterVocabulary(fresh.text) : undefined;
    if (chars) tokenizerJson = JSON.stringify(charTokenizerJson(chars));
    else tokenizerJson = fresh.initFrom ? fresh.initFrom.tokenizerJson : (fresh.tokenizer as { json: string }).json;
    vocabulary = parseTokenizer(tokenizerJson);
    let ids: number[];
    if (chars) {
      // one id per character: a direct lookup gives what the tokenizer.json encodes (tested against it)
      const idOf = new Map(chars.map((ch, i) => [ch, i]));
      ids = [];
      for (const ch of fresh.text) ids.push(idOf.get(ch)!);
    } else ids = vocabulary.encode(fresh.text);
    const vocabSize = vocabulary.vocabSize;
    shape = fresh.initFrom?.shape ?? completeShape({ ...fresh.shape, vocabSize });
    if (vocabSize > shape.vocabSize) throw new UserError("--init-from", `the tokenizer has ${vocabSize} tokens, the model's embedding only ${shape.vocabSize}`);
    settings = fresh.settings;
    dataset = TokenDataset.split(ids);
    dataset.save(join(out, "tokens.bin"));
    writeFileSync(logPath, "");
  }
  const model = createTrainableModel(shape, backend, new Rng(settings.seed));
  const trainer = new Trainer(model, dataset, settings, backend, resumeState);
  if (options.resume) restoreCheckpoint(checkpointPath, model, trainer.optimizer);
  else options.fresh?.initFrom?.load(model);

  // the loss history for the picture (a resumed run starts from its log)
  const trainPoints: LossPoint[] = [];
  const validationPoints: LossPoint[] = [];
  let lastEvaluation: LogLine | undefined;
  const remember = (line: LogLine) => {
    if (line.valLoss !== undefined) {
      validationPoints.push({ iter: line.iter, loss: line.valLoss });
      lastEvaluation = line;
    } else trainPoints.push({ iter: line.iter, loss: line.trainLoss });
  };
  if (options.resume && existsSync(logPath)) {
    // keep the log up to the checkpoint: lines written after it (by the run that stopped) are redone
    const kept = readFileSync(logPath, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as LogLine).filter((l) => (l.valLoss !== undefined ? l.iter <= resumeState!.iter : l.iter < resumeState!.iter));
    writeFileAtomic(logPath, kept.map((l) => JSON.stringify(l) + "\n").join(""));
    kept.forEach(remember);
  }
  // the end-of-text token, when the vocabulary has one, is the model's EOS (as GPT-2's <|endoftext|>)
  const eos = vocabulary.specialTokens.get("<|endoftext|>") ?? vocabulary.eosId;
  const special = eos === undefined ? {} : { eos };
  trainer.run({
    onLog: (line) => {
      appendFileSync(logPath, JSON.stringify(line) + "\n");
      remember(line);
      options.onLog?.(line, settings);
    },
    onCheckpoint: (state) => {
      saveCheckpoint(checkpointPath, model, trainer.optimizer, { state, shape, settings });
      exportHf(out, model, tokenizerJson, special);
      writeFileAtomic(join(out, "loss.svg"), lossCurveSvg(options.title, trainPoints, validationPoints));
      options.onCheckpoint?.(state.iter);
    },
  });
  return { shape, settings, parameters: model.parameters.count, lastEvaluation };
}
