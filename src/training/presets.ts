/**
 * Named training configurations. `shakespeare-char` is nanoGPT's CPU run of config/train_shakespeare_char.py
 * (README: --device=cpu --compile=False --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12
 * --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0).
 */
import type { ModelShape } from "./models/shape.js";
import type { TrainSettings } from "./trainer.js";

export interface Preset {
  readonly description: string;
  readonly tokenizer: "char" | "default";
  readonly shape: Partial<ModelShape> & Pick<ModelShape, "architecture" | "nLayer" | "nHead" | "nEmbd" | "blockSize">;
  readonly settings: Partial<TrainSettings>;
}

export const PRESETS: Record<string, Preset> = {
  "shakespeare-char": {
    description: "nanoGPT's Shakespeare character model, CPU configuration (4 layers, 4 heads, 128 wide, block 64)",
    tokenizer: "char",
    shape: { architecture: "gpt2", nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, bias: false, dropout: 0 },
    settings: { iters: 2000, batchSize: 12, gradAccum: 1, lr: 1e-3, minLr: 1e-4, warmup: 100, decaySteps: 2000, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, clip: 1.0, evalInterval: 250, evalIters: 20 },
  },
};
