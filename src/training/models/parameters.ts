/**
 * A model's trainable parameters: named as the Hugging Face checkpoint names them, stored as nn.Linear does
 * (out, in), each with a persistent gradient buffer. Weight decay applies to matrices and embeddings
 * (two or more dimensions) and not to norms and biases, as nanoGPT configures AdamW.
 */
import { allocateFloats } from "../../autograd/arena.js";
import { Variable } from "../../autograd/variable.js";
import type { Rng } from "../../core/rng.js";
import type { Backend } from "../../tensor/backend.js";

export interface Parameter {
  readonly name: string;
  readonly variable: Variable;
  readonly decay: boolean;
}

export type Init = { kind: "normal"; std: number } | { kind: "ones" } | { kind: "zeros" };

/** A standard normal sample (Box–Muller), from the seeded generator. */
export function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log(0) is avoided
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export class ParameterSet {
  readonly list: Parameter[] = [];
  private readonly byName = new Map<string, Parameter>();

  constructor(private readonly backend: Backend, private readonly rng: Rng) {}

  /** Creates, initializes and registers a parameter (data and gradient in the backend's memory). */
  add(name: string, shape: number[], init: Init): Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = allocateFloats(this.backend, n);
    if (init.kind === "ones") data.fill(1);
    else if (init.kind === "normal") for (let i = 0; i < n; i++) data[i] = normal(this.rng) * init.std;
    const variable = new Variable(data, shape, allocateFloats(this.backend, n), name);
    const parameter = { name, variable, decay: shape.length >= 2 };
    this.list.push(parameter);
    this.byName.set(name, parameter);
    return variable;
  }

  get(name: string): Variable {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    return p.variable;
  }

  /** Total number of values. */
  get count(): number {
    return this.list.reduce((sum, p) => sum + p.variable.size, 0);
  }

  zeroGradients(): void {
    for (const p of this.list) p.variable.grad!.fill(0);
  }
}
