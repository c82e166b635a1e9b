/**
 * Which family runs a model, from what its file calls it: Hugging Face `model_type` (config.json) or
 * GGUF `general.architecture`. SmolLM and TinyLlama are `llama`; Mixtral is `mixtral` on the hub and
 * `llama` with experts in GGUF.
 */
import { UserError } from "../core/errors.js";
import type { Family } from "./config.js";

export const HF_MODEL_TYPES: Readonly<Record<string, Family>> = { gpt2: "gpt2", llama: "llama", mistral: "llama", qwen2: "llama", mixtral: "llama" };
export const GGUF_ARCHITECTURES: Readonly<Record<string, Family>> = { gpt2: "gpt2", llama: "llama", qwen2: "llama" };

export function familyForHf(modelType: unknown, source: string): Family {
  const family = typeof modelType === "string" ? HF_MODEL_TYPES[modelType] : undefined;
  if (!family) throw new UserError(source, `model_type ${JSON.stringify(modelType)} is not supported (supported: ${Object.keys(HF_MODEL_TYPES).join(", ")})`);
  return family;
}

export function familyForGguf(architecture: unknown, source: string): Family {
  const family = typeof architecture === "string" ? GGUF_ARCHITECTURES[architecture] : undefined;
  if (!family) throw new UserError(source, `general.architecture ${JSON.stringify(architecture)} is not supported (supported: ${Object.keys(GGUF_ARCHITECTURES).join(", ")})`);
  return family;
}
