/**
 * Every op's gradient rule against finite differences: for a random weighting r of the op's output,
 * L = Σ r ⊙ op(inputs); the tape's ∂L/∂input must match (L(x + ε) − L(x − ε)) / 2ε, element by element, on
 * up to 24 sampled elements of every input. Float32 forward passes limit the agreement to ~1e-3.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ag from "../../src/autograd/index.js";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Rng } from "../../src/core/rng.js";
import type { Backend } from "../../src/tensor/backend.js";

const EPS = 1e-2;
const TOLERANCE = 2e-3; // max |numeric − analytic| / max |analytic|, over the sampled elements

function random(rng: Rng, shape: number[], scale = 1): ag.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return new ag.Variable(Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale), shape);
}

function checkGradients(backend: Backend, name: string, inputs: ag.Variable[], op: (tape: ag.Tape, xs: ag.Variable[]) => ag.Variable): number {
  const rng = new Rng(7);
  const arena = new ag.Arena(backend); // one step's memory, reused by every forward pass below
  const run = () => {
    arena.reset();
    const tape = new ag.Tape(backend, arena);
    const fresh = inputs.map((x) => new ag.Variable(x.data, x.shape));
    return { tape, fresh, y: op(tape, fresh) };
  };
  const first = run();
  const weights = Float32Array.from({ length: first.y.size }, () => rng.next() * 2 - 1);
  const lossOf = (y: ag.Variable) => y.data.reduce((sum, v, i) => sum + v * weights[i]!, 0);
  first.tape.backwardFrom(first.y, weights);
  const gradients = first.fresh.map((x, which) => {
    assert.ok(x.grad, `${name}: input ${which} got no gradient`);
    return x.grad.slice(); // copied out: the arena is reused by the finite-difference passes
  });
  let worst = 0;
  inputs.forEach((x, which) => {
    const analytic = gradients[which]!;
    let maxDiff = 0;
    let maxRef = 0;
    for (let sample = 0; sample < Math.min(24, x.size); sample++) {
      const i = x.size <= 24 ? sample : rng.int(x.size);
      const saved = x.data[i]!;
      x.data[i] = saved + EPS;
      const up = lossOf(run().y);
      x.data[i] = saved - EPS;
      const down = lossOf(run().y);
      x.data[i] = saved;
      const numeric = (up - down) / (2 * EPS);
      maxDiff = Math.max(maxDiff, Math.abs(numeric - analytic[i]!));
      maxRef = Math.max(maxRef, Math.abs(analytic[i]!));
    }
    const error = maxDiff / Math.max(maxRef, 1e-6);
    worst = Math.max(worst, error);
    assert.ok(error <= TOLERANCE, `${name}: input ${which} relative error ${error.toExponential(2)}`);
  });
  return worst;
}

for (const [label, make] of [["reference", () => new ReferenceBackend()], ["wasm", () => new WasmBackend({ threads: 2 })]] as const) {
  test(`autograd (${label}): every op's gradient matches finite differences`, (t) => {
    const backend: Backend = make();
    const rng = new Rng(11);
    const results: [string, number][] = [];
    const check = (name: string, inputs: ag.Variable[], op: (tape: ag.Tape, xs: ag.Variable[]) => ag.Variable) => results.push([name, checkGradients(backend, name, inputs, op)]);
    const ids = Int32Array.from([3, 0, 3, 5, 1]);
    check("linear + bias", [random(rng, [2, 3, 7]), random(rng, [5, 7]), random(rng, [5])], (tp, [x, w, b]) => ag.linear(tp, x!, w!, b));
    check("linear, 13 × 9 → 10", [random(rng, [13, 9]), random(rng, [10, 9])], (tp, [x, w]) => ag.linear(tp, x!, w!));
    check("embedding (repeated ids)", [random(rng, [6, 4])], (tp, [w]) => ag.embedding(tp, w!, ids));
    check("add", [random(rng, [3, 4]), random(rng, [3, 4])], (tp, [a, b]) => ag.add(tp, a!, b!));
    check("layerNorm + bias", [random(rng, [4, 8], 2), random(rng, [8]), random(rng, [8])], (tp, [x, w, b]) => ag.layerNorm(tp, x!, w!, b, 1e-5));
    check("layerNorm, no bias", [random(rng, [3, 5], 2), random(rng, [5])], (tp, [x, w]) => ag.layerNorm(tp, x!, w!, undefined, 1e-5));
    check("rmsNorm", [random(rng, [4, 8], 2), random(rng, [8])], (tp, [x, w]) => ag.rmsNorm(tp, x!, w!, 1e-5));
    check("gelu", [random(rng, [20], 3)], (tp, [x]) => ag.gelu(tp, x!));
    check("swiglu", [random(rng, [20], 3), random(rng, [20])], (tp, [g, u]) => ag.swiglu(tp, g!, u!));
    check("rope (2 × 5 positions, 3 heads of 6)", [random(rng, [2, 5, 18])], (tp, [x]) => ag.rope(tp, x!, 5, 6, Float32Array.of(1, 0.3, 0.01)));
    check("split into 2 + 3 + 1", [random(rng, [4, 6])], (tp, [x]) => {
      const [a, b, c] = ag.splitColumns(tp, x!, [2, 3, 1]);
      return ag.add(tp, ag.add(tp, ag.linear(tp, a!, new ag.Variable(Float32Array.of(1, 2, -1, 0.5), [2, 2])), ag.linear(tp, b!, new ag.Variable(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]))), ag.linear(tp, c!, new ag.Variable(Float32Array.of(3, -2), [2, 1])));
    });
    const shape = { B: 2, T: 6, nHead: 4, nKvHead: 2, headDim: 4 };
    check("causal attention (GQA 4/2)", [random(rng, [2, 6, 16]), random(rng, [2, 6, 8]), random(rng, [2, 6, 8])], (tp, [q, k, v]) => ag.causalSelfAttention(tp, q!, k!, v!, shape));
    check("cross-entropy (one target ignored)", [random(rng, [5, 7], 3)], (tp, [x]) => ag.crossEntropy(tp, x!, Int32Array.from([1, 6, -1, 0, 3])));
    check("dropout p = 0.3", [random(rng, [30])], (tp, [x]) => ag.dropout(tp, x!, 0.3, new Rng(5)));
    for (const [name, error] of results) t.diagnostic(`${name}: ${error.toExponential(2)}`);
    if (backend instanceof WasmBackend) backend.dispose();
  });
}
