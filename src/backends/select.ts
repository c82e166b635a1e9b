/**
 * Picks a backend by name. `wasm` (SIMD kernels in WebAssembly) is the default; `reference` is the plain
 * TypeScript definition of every kernel, slow and simple, for checking and reading.
 */
import { availableParallelism } from "node:os";
import { UserError } from "../core/errors.js";
import type { Backend } from "../tensor/backend.js";
import { ReferenceBackend } from "./reference/reference-backend.js";
import { WasmBackend } from "./wasm/wasm-backend.js";

export const BACKENDS = ["wasm", "reference"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** @param threads compute threads for the wasm backend (default: the machine's available parallelism) */
export function createBackend(name: string = "wasm", threads: number = availableParallelism()): Backend {
  if (name === "wasm") return new WasmBackend({ threads });
  if (name === "reference") return new ReferenceBackend();
  throw new UserError("--backend", `"${name}" is not a backend (backends: ${BACKENDS.join(", ")})`);
}
