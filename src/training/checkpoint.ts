/**
 * Training checkpoints: everything needed to continue bit-exactly — parameters, AdamW's moments and step
 * count, the iteration, and the state of every random stream — in one .safetensors file (tensors
 * "param.<name>", "adam_m.<name>", "adam_v.<name>"; the rest as JSON in its metadata). The file is written
 * atomically (temporary file, fsync, rename): a process killed mid-save leaves the previous checkpoint whole.
 */
import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";
import { readSafetensorsHeader, readSafetensorsMetadata, writeSafetensors, type TensorToSave } from "../formats/safetensors.js";
import type { AdamW } from "./adamw.js";
import type { TrainableModel } from "./models/trainable.js";
import type { ModelShape } from "./models/shape.js";

export const CHECKPOINT_FILE = "checkpoint.safetensors";

/** Where training stands between two steps. */
export interface TrainingState {
  readonly iter: number; // optimizer steps taken
  readonly rng: { readonly batches: number; readonly evaluation: number; readonly dropout: number };
}

export interface CheckpointInfo<Settings> {
  readonly state: TrainingState;
  readonly shape: ModelShape;
  readonly settings: Settings;
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function saveCheckpoint<Settings>(path: string, model: TrainableModel, optimizer: AdamW, info: CheckpointInfo<Settings>): void {
  const tensors: TensorToSave[] = [];
  model.parameters.list.forEach((p, i) => {
    const shape = p.variable.shape;
    tensors.push({ name: `param.${p.name}`, dtype: "f32", shape, bytes: bytesOf(p.variable.data) });
    tensors.push({ name: `adam_m.${p.name}`, dtype: "f32", shape, bytes: bytesOf(optimizer.m[i]!) });
    tensors.push({ name: `adam_v.${p.name}`, dtype: "f32", shape, bytes: bytesOf(optimizer.v[i]!) });
  });
  writeSafetensors(path, tensors, {
    format: "glassbox-checkpoint",
    version: "1",
    state: JSON.stringify(info.state),
    adamStep: String(optimizer.step),
    shape: JSON.stringify(info.shape),
    settings: JSON.stringify(info.settings),
  });
}

/** The checkpoint's description, without its tensors (to rebuild the model before restoring into it). */
export function readCheckpointInfo<Settings>(path: string): CheckpointInfo<Settings> & { adamStep: number } {
  const meta = readSafetensorsMetadata(path);
  if (meta.format !== "glassbox-checkpoint") throw new UserError(path, "not a glassbox training checkpoint (metadata format is not glassbox-checkpoint)");
  try {
    return { state: JSON.parse(meta.state!), shape: JSON.parse(meta.shape!), settings: JSON.parse(meta.settings!), adamStep: Number(meta.adamStep) };
  } catch (e) {
    throw new UserError(path, `corrupt checkpoint metadata (${(e as Error).message})`);
  }
}

/** Copies the checkpoint's parameters and optimizer state into a model built from its shape. */
export function restoreCheckpoint(path: string, model: TrainableModel, optimizer: AdamW): void {
  const stored = new Map(readSafetensorsHeader(path).map((t) => [t.name, t]));
  const file = readFileSync(path);
  const fill = (name: string, into: Float32Array) => {
    const t = stored.get(name);
    if (!t) throw new UserError(path, `checkpoint has no tensor "${name}"`);
    if (t.dtype !== "f32" || t.byteLength !== into.byteLength) throw new UserError(path, `tensor "${name}" does not match the model (${t.shape.join("×")} ${t.dtype})`);
    bytesOf(into).set(file.subarray(t.offset, t.offset + t.byteLength));
  };
  model.parameters.list.forEach((p, i) => {
    fill(`param.${p.name}`, p.variable.data);
    fill(`adam_m.${p.name}`, optimizer.m[i]!);
    fill(`adam_v.${p.name}`, optimizer.v[i]!);
  });
  optimizer.step = readCheckpointInfo(path).adamStep;
}
