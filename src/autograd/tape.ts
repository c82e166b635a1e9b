/**
 * Reverse-mode automatic differentiation as a tape. Each op computes its forward result and records one
 * gradient rule: a closure that reads the output's gradient and adds its contribution to the inputs'
 * gradients (always +=, since a tensor used twice, like a tied embedding, collects from both uses).
 * `backward(loss)` seeds ∂loss/∂loss = 1 and runs the rules newest first: the chain rule, in order.
 *
 * Inference never builds a tape: the engine (src/nn/, src/models/) calls the backend directly.
 */
import type { Backend } from "../tensor/backend.js";
import { Arena } from "./arena.js";
import { Variable } from "./variable.js";

export class Tape {
  private rules: (() => void)[] = [];
  readonly arena: Arena;
  /** False while evaluating: ops then record no gradient rules (their saved intermediates are still made). */
  recording = true;

  constructor(readonly backend: Backend, arena?: Arena) {
    this.arena = arena ?? new Arena(backend);
  }

  /** A new activation of the given shape, from the step's arena (values to be written by the op). */
  output(shape: readonly number[]): Variable {
    return new Variable(this.arena.floats(shape.reduce((a, b) => a * b, 1)), shape);
  }

  /** Scratch memory for an op's saved intermediates (released with the step). */
  floats(n: number): Float32Array {
    return this.arena.floats(n);
  }

  /** The gradient buffer of `v`, created zeroed on first use. */
  grad(v: Variable): Float32Array {
    return (v.grad ??= this.arena.zeros(v.size));
  }

  /** Records the gradient rule of the op that just ran. */
  record(rule: () => void): void {
    if (this.recording) this.rules.push(rule);
  }

  /** Runs every recorded rule, newest first, from d(loss)/d(loss) = seed (1, or 1/steps when accumulating). */
  backward(loss: Variable, seed = 1): void {
    if (loss.size !== 1) throw new Error(`backward: the loss must be a scalar, got shape (${loss.shape.join(", ")})`);
    this.backwardFrom(loss, Float32Array.of(seed));
  }

  /** The same from any output, given the loss's gradient with respect to it. */
  backwardFrom(output: Variable, gradient: Float32Array): void {
    this.grad(output).set(gradient);
    for (let i = this.rules.length - 1; i >= 0; i--) this.rules[i]!();
    this.rules = [];
  }

  /** Forgets the recorded rules and releases the step's memory (activations and their gradients). */
  reset(): void {
    this.rules = [];
    this.arena.reset();
  }
}
