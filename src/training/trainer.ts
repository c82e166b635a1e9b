/**
 * The training loop, as nanoGPT's train.py runs it:
 *
 *   for iter = 0, 1, …, iters:
 *     every evalInterval iterations (and at the end): estimate the train and validation losses as the mean
 *       over evalIters random batches of each split; save a checkpoint
 *     at iter = iters: stop (so the last evaluation sees the model after exactly `iters` steps)
 *     one step: gradAccum micro-batches of B random windows → mean loss → gradients → clip → AdamW at lr(iter)
 *
 * Three seeded random streams — training batches, evaluation batches, dropout — are saved with each
 * checkpoint, so a resumed run draws exactly the batches an uninterrupted run would have drawn.
 */
import { Tape } from "../autograd/tape.js";
import { Rng } from "../core/rng.js";
import type { Backend } from "../tensor/backend.js";
import { AdamW } from "./adamw.js";
import type { TrainingState } from "./checkpoint.js";
import type { TokenDataset } from "./dataset.js";
import type { TrainableModel } from "./models/trainable.js";
import { learningRate } from "./schedule.js";
import { evaluateLoss, trainStep, type Batch } from "./step.js";

export interface TrainSettings {
  readonly iters: number;
  readonly batchSize: number;
  readonly gradAccum: number;
  readonly lr: number;
  readonly minLr: number;
  readonly warmup: number;
  readonly decaySteps: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly weightDecay: number;
  readonly clip: number;
  readonly evalInterval: number;
  readonly evalIters: number;
  readonly checkpointInterval: number; // 0: at evaluations only
  readonly seed: number;
}

/** One line of log.jsonl (the DESIGN.md contract): a step, or an evaluation (with valLoss). */
export interface LogLine {
  readonly iter: number;
  readonly trainLoss: number;
  readonly valLoss?: number;
  readonly msPerIter: number | null; // the training step alone; evaluation lines: the mean since the last one
  readonly tokensPerSecond: number | null;
  readonly lr?: number;
  readonly gradNorm?: number;
}

export interface TrainHooks {
  onLog(line: LogLine): void;
  onCheckpoint(state: TrainingState): void;
}

export class Trainer {
  readonly optimizer: AdamW;
  private readonly tape: Tape;
  private readonly batches: Rng;
  private readonly evaluation: Rng;
  private readonly dropout: Rng;
  iter: number;

  constructor(readonly model: TrainableModel, readonly dataset: TokenDataset, readonly settings: TrainSettings, backend: Backend, resumeFrom?: TrainingState) {
    this.optimizer = new AdamW(model.parameters.list, { beta1: settings.beta1, beta2: settings.beta2, eps: 1e-8, weightDecay: settings.weightDecay }, backend);
    this.tape = new Tape(backend);
    // three independent streams derived from the seed (the model's initialization used the seed itself)
    const rng = resumeFrom?.rng ?? { batches: (settings.seed ^ 0x5bd1e995) >>> 0, evaluation: (settings.seed ^ 0x1b873593) >>> 0, dropout: (settings.seed ^ 0xcc9e2d51) >>> 0 };
    this.batches = new Rng(rng.batches);
    this.evaluation = new Rng(rng.evaluation);
    this.dropout = new Rng(rng.dropout);
    this.iter = resumeFrom?.iter ?? 0;
  }

  get state(): TrainingState {
    return { iter: this.iter, rng: { batches: this.batches.snapshot, evaluation: this.evaluation.snapshot, dropout: this.dropout.snapshot } };
  }

  /** Mean loss over evalIters random batches of each split (nanoGPT's estimate_loss). */
  evaluate(): { train: number; validation: number } {
    const { batchSize: B, evalIters } = this.settings;
    const T = this.model.shape.blockSize;
    const mean = (split: "train" | "validation") => {
      let sum = 0;
      for (let i = 0; i < evalIters; i++) sum += evaluateLoss(this.model, this.tape, this.dataset.batch(split, B, T, this.evaluation));
      return sum / evalIters;
    };
    const train = mean("train");
    return { train, validation: mean("validation") };
  }

  /** One optimizer step; returns its log line. */
  step(): LogLine {
    const { batchSize: B, gradAccum } = this.settings;
    const T = this.model.shape.blockSize;
    const lr = learningRate(this.iter, this.settings);
    const started = performance.now();
    const microBatches: Batch[] = [];
    for (let i = 0; i < gradAccum; i++) microBatches.push(this.dataset.batch("train", B, T, this.batches));
    const useDropout = this.model.shape.dropout > 0 ? this.dropout : undefined;
    const { loss, gradNorm } = trainStep(this.model, this.tape, this.optimizer, microBatches, lr, this.settings.clip, useDropout);
    const ms = performance.now() - started;
    const line = { iter: this.iter, trainLoss: loss, msPerIter: ms, tokensPerSecond: (B * T * gradAccum * 1000) / ms, lr, gradNorm };
    this.iter++;
    return line;
  }

  /** Runs to `settings.iters`, evaluating and checkpointing on the way. */
  run(hooks: TrainHooks): void {
    const { iters, evalInterval, checkpointInterval } = this.settings;
    const startIter = this.iter;
    let stepMs = 0;
    let steps = 0;
    for (;;) {
      const evaluating = this.iter % evalInterval === 0 || this.iter === iters;
      // a resumed run already evaluated (and saved) at its first iteration before it stopped
      if (evaluating && !(this.iter === startIter && startIter > 0)) {
        const { train, validation } = this.evaluate();
        const ms = steps > 0 ? stepMs / steps : null;
        const tokens = this.settings.batchSize * this.model.shape.blockSize * this.settings.gradAccum;
        hooks.onLog({ iter: this.iter, trainLoss: train, valLoss: validation, msPerIter: ms, tokensPerSecond: ms ? (tokens * 1000) / ms : null });
        [stepMs, steps] = [0, 0];
      }
      const checkpointDue = this.iter > startIter && (evaluating || (checkpointInterval > 0 && this.iter % checkpointInterval === 0));
      if (checkpointDue) hooks.onCheckpoint(this.state);
      if (this.iter >= iters) break;
      const line = this.step();
      stepMs += line.msPerIter!;
      steps++;
      hooks.onLog(line);
    }
  }
}
