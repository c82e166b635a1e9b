/**
 * The bundled default model: a small Llama-style model trained by glassbox itself on the Brown corpus
 * (`npm run train:default` reproduces it; models/brown-llama/training.json has the command and figures).
 * `glassbox generate` without --model, and `loadModel()` without a path, use it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/errors.js";

export const BUNDLED_MODEL_NAME = "brown-llama";

/** models/brown-llama/ at the package root (this file runs from dist/src/models/). */
export const BUNDLED_MODEL_PATH = fileURLToPath(new URL(`../../../models/${BUNDLED_MODEL_NAME}`, import.meta.url));

export function bundledModelPath(): string {
  if (!existsSync(`${BUNDLED_MODEL_PATH}/model.safetensors`)) {
    throw new UserError("--model", `no model given and the bundled default model is missing (${BUNDLED_MODEL_PATH}): pass --model PATH, or rebuild it with npm run train:default`);
  }
  return BUNDLED_MODEL_PATH;
}
