/** What the trainer needs from a model: its parameters and a differentiable forward pass. */
import type { Tape } from "../../autograd/tape.js";
import type { Variable } from "../../autograd/variable.js";
import type { Rng } from "../../core/rng.js";
import type { Backend } from "../../tensor/backend.js";
import { Gpt } from "./gpt.js";
import { Llama } from "./llama.js";
import type { ParameterSet } from "./parameters.js";
import type { ModelShape } from "./shape.js";

export interface TrainableModel {
  readonly shape: ModelShape;
  readonly parameters: ParameterSet;
  /** Logits (B, T, V) for token ids (B·T, row-major); with a dropout generator, dropout is applied. */
  forward(tape: Tape, ids: Int32Array, B: number, T: number, dropoutRng?: Rng): Variable;
}

export function createTrainableModel(shape: ModelShape, backend: Backend, rng: Rng): TrainableModel {
  return shape.architecture === "gpt2" ? new Gpt(shape, backend, rng) : new Llama(shape, backend, rng);
}
