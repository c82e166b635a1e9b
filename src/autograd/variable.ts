/**
 * A Variable is a tensor that takes part in differentiation: its values (`data`, f32, row-major), its shape,
 * and, once the backward pass has reached it, the gradient of the loss with respect to it (`grad`, same
 * shape). Parameters keep theirs across steps; activations get theirs from the step's arena.
 */
export class Variable {
  grad: Float32Array | null;

  constructor(
    readonly data: Float32Array,
    readonly shape: readonly number[],
    grad: Float32Array | null = null,
    readonly name = "",
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`Variable ${name}: ${data.length} values for shape (${shape.join(", ")})`);
    this.grad = grad;
  }

  get size(): number {
    return this.data.length;
  }

  /** The last dimension: features per row. */
  get columns(): number {
    return this.shape[this.shape.length - 1]!;
  }

  /** Everything before the last dimension, flattened: the rows. */
  get rows(): number {
    return this.data.length / this.columns;
  }
}
