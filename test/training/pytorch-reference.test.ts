/**
 * Training against PyTorch (scripts/reference/make_training_fixtures.py): for a small GPT (biases, tied
 * head) and a small Llama (GQA, RoPE, SwiGLU, separate head), starting from the same parameters:
 *   - the loss and every parameter's gradient on one batch;
 *   - the losses of 10 steps and every parameter after them (warmup + cosine schedule, clipping, AdamW);
 * each within DESIGN.md's f32 tolerance, max|a − b| / max|ref| ≤ 1e-4 per tensor, on both backends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Tape } from "../../src/autograd/tape.js";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { Rng } from "../../src/core/rng.js";
import type { Backend } from "../../src/tensor/backend.js";
import { AdamW } from "../../src/training/adamw.js";
import { completeShape, type ModelShape } from "../../src/training/models/shape.js";
import { createTrainableModel } from "../../src/training/models/trainable.js";
import { learningRate } from "../../src/training/schedule.js";
import { lossAndGradients, trainStep, type Batch } from "../../src/training/step.js";
import { relativeError } from "../support/model-fixtures.js";
import { readFixture } from "../support/safetensors-f64.js";

const FIXTURES = new URL("../../../test/fixtures/training/", import.meta.url).pathname;
const TOLERANCE = 1e-4;

for (const arch of ["gpt2", "llama"] as const) {
  for (const [label, make] of [["reference", () => new ReferenceBackend()], ["wasm, 2 threads", () => new WasmBackend({ threads: 2 })]] as const) {
    test(`training ${arch} (${label}) matches PyTorch: loss, every gradient, 10 AdamW steps`, (t) => {
      const backend: Backend = make();
      const fixture = readFixture(`${FIXTURES}${arch}.safetensors`);
      const config = JSON.parse(fixture.metadata.config!) as ModelShape;
      const train = JSON.parse(fixture.metadata.train!) as { steps: number; lr: number; min_lr: number; warmup: number; decay_steps: number; beta1: number; beta2: number; eps: number; weight_decay: number; clip: number };
      const losses = JSON.parse(fixture.metadata.losses!) as number[];
      const model = createTrainableModel(completeShape({ ...config, dropout: 0 }), backend, new Rng(0));
      const names = model.parameters.list.map((p) => p.name);
      assert.deepEqual([...names].sort(), [...fixture.tensors.keys()].filter((n) => n.startsWith("init.")).map((n) => n.slice(5)).sort(), "parameter names");
      for (const p of model.parameters.list) p.variable.data.set(fixture.tensors.get(`init.${p.name}`)!.data);
      const ids = fixture.tensors.get("ids")!;
      const targets = fixture.tensors.get("targets")!;
      const [, B, T] = ids.shape as [number, number, number];
      const batch = (step: number): Batch => ({ ids: Int32Array.from(ids.data.subarray(step * B * T, (step + 1) * B * T)), targets: Int32Array.from(targets.data.subarray(step * B * T, (step + 1) * B * T)), B, T });
      const tape = new Tape(backend);

      model.parameters.zeroGradients();
      const loss = lossAndGradients(model, tape, batch(0), 1);
      assert.ok(Math.abs(loss - losses[0]!) / losses[0]! <= TOLERANCE, `loss ${loss} vs ${losses[0]}`);
      let worstGradient = 0;
      for (const p of model.parameters.list) {
        const error = relativeError(p.variable.grad!, fixture.tensors.get(`grad.${p.name}`)!.data);
        worstGradient = Math.max(worstGradient, error);
        assert.ok(error <= TOLERANCE, `gradient of ${p.name}: ${error}`);
      }

      const optimizer = new AdamW(model.parameters.list, { beta1: train.beta1, beta2: train.beta2, eps: train.eps, weightDecay: train.weight_decay }, backend);
      const schedule = { lr: train.lr, minLr: train.min_lr, warmup: train.warmup, decaySteps: train.decay_steps };
      let worstLoss = 0;
      for (let step = 0; step < train.steps; step++) {
        const { loss: l } = trainStep(model, tape, optimizer, [batch(step)], learningRate(step, schedule), train.clip);
        worstLoss = Math.max(worstLoss, Math.abs(l - losses[step]!) / losses[step]!);
      }
      assert.ok(worstLoss <= TOLERANCE, `losses over 10 steps: ${worstLoss}`);
      let worstParameter = 0;
      for (const p of model.parameters.list) {
        let [mine, ref] = [Array.from(p.variable.data), Array.from(fixture.tensors.get(`final.${p.name}`)!.data)];
        if (p.name.endsWith(".attn.c_attn.bias")) {
          // Softmax ignores a constant added to every score, and a key bias adds q·b_k to all of a query's
          // scores: ∂loss/∂b_k is exactly 0. Both sides compute rounding noise there (PyTorch float64 ~1e-17,
          // float32 ~1e-9) and AdamW divides the noise by its own square root, so the key slice follows
          // noise; it is checked to stay within the steps' learning rates instead, the query and value
          // slices exactly as the rest.
          const C = config.nEmbd;
          const drift = Math.max(...mine.slice(C, 2 * C).map((v, i) => Math.abs(v - ref[C + i]!)));
          assert.ok(drift <= train.steps * train.lr, `key bias drift ${drift}`);
          [mine, ref] = [[...mine.slice(0, C), ...mine.slice(2 * C)], [...ref.slice(0, C), ...ref.slice(2 * C)]];
        }
        const error = relativeError(mine, ref);
        worstParameter = Math.max(worstParameter, error);
        assert.ok(error <= TOLERANCE, `${p.name} after 10 steps: ${error}`);
      }
      t.diagnostic(`${arch} (${label}): ${model.parameters.count} parameters; loss ${Math.abs(loss - losses[0]!).toExponential(2)} abs; worst gradient ${worstGradient.toExponential(2)}; 10-step losses ${worstLoss.toExponential(2)}; parameters after 10 steps ${worstParameter.toExponential(2)}`);
      if (backend instanceof WasmBackend) backend.dispose();
    });
  }
}
