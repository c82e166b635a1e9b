/**
 * One optimizer step: zero the gradients; for each micro-batch, forward → cross-entropy → backward with
 * the loss scaled by 1/micro-batches (so accumulated gradients are those of the mean loss); clip; AdamW.
 */
import { crossEntropy } from "../autograd/ops/cross-entropy.js";
import type { Tape } from "../autograd/tape.js";
import type { Rng } from "../core/rng.js";
import type { AdamW } from "./adamw.js";
import { clipGradients } from "./clip.js";
import type { TrainableModel } from "./models/trainable.js";

export interface Batch {
  readonly ids: Int32Array; // (B·T) inputs
  readonly targets: Int32Array; // (B·T) the next token of each input; < 0 ignored
  readonly B: number;
  readonly T: number;
}

export interface StepResult {
  readonly loss: number; // mean over micro-batches
  readonly gradNorm: number; // before clipping
}

/** The mean loss of a batch and, when `learn`, its gradients added to the parameters' (seeded by `seed`). */
export function lossAndGradients(model: TrainableModel, tape: Tape, batch: Batch, seed: number, dropoutRng?: Rng): number {
  tape.reset();
  const logits = model.forward(tape, batch.ids, batch.B, batch.T, dropoutRng);
  const loss = crossEntropy(tape, logits, batch.targets);
  const value = loss.data[0]!;
  tape.backward(loss, seed);
  return value;
}

export function trainStep(model: TrainableModel, tape: Tape, optimizer: AdamW, microBatches: readonly Batch[], lr: number, clip: number, dropoutRng?: Rng): StepResult {
  model.parameters.zeroGradients();
  let loss = 0;
  for (const batch of microBatches) loss += lossAndGradients(model, tape, batch, 1 / microBatches.length, dropoutRng);
  const gradNorm = clip > 0 ? clipGradients(model.parameters.list, clip) : NaN;
  optimizer.update(lr);
  return { loss: loss / microBatches.length, gradNorm };
}

/** The mean loss of a batch without gradients (evaluation): the forward pass only, no rules recorded. */
export function evaluateLoss(model: TrainableModel, tape: Tape, batch: Batch): number {
  tape.reset();
  tape.recording = false;
  try {
    return crossEntropy(tape, model.forward(tape, batch.ids, batch.B, batch.T), batch.targets).data[0]!;
  } finally {
    tape.recording = true;
    tape.reset();
  }
}
