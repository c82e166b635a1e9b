/**
 * Opens a model file or directory and builds its family's model on a backend.
 *
 *   *.gguf                      GGUF v2/v3: config from metadata, canonical tensor names already
 *   a directory                 Hugging Face layout: config.json + model.safetensors (or sharded with an index)
 *   *.bin                       llama2.c checkpoint (version 0)
 *
 * Tensors are read one by one straight into their own buffers (never the whole file, then copies).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { FormatError, UserError } from "../core/errors.js";
import { ggufStoredTensors, readGgufHeader, type GgufHeader } from "../formats/gguf.js";
import { GGUF_KEYS } from "../formats/gguf-keys.js";
import { readLlama2cCheckpoint } from "../formats/llama2c-checkpoint.js";
import { readSafetensorsDirectory } from "../formats/safetensors.js";
import type { StoredTensor } from "../formats/stored-tensor.js";
import type { Backend } from "../tensor/backend.js";
import type { TransformerConfig } from "./config.js";
import { gpt2ConfigFromGguf, gpt2ConfigFromHf } from "./gpt2/config.js";
import { Gpt2Model } from "./gpt2/model.js";
import { gpt2HfName, loadGpt2Weights } from "./gpt2/weights.js";
import type { LanguageModel } from "./language-model.js";
import { llamaConfigFromGguf, llamaConfigFromHf, llamaConfigFromLlama2c } from "./llama/config.js";
import { LlamaModel } from "./llama/model.js";
import { llamaHfName, llamaMetaName, loadLlamaWeights } from "./llama/weights.js";
import { familyForGguf, familyForHf } from "./registry.js";
import { Fields } from "./source.js";
import { WeightLoader } from "./weight-loader.js";

export type ModelFormat = "gguf" | "safetensors" | "llama2c";

/** What generation needs to know besides the network: special ids and the chat template. */
export interface GenerationDefaults {
  readonly bosId?: number;
  readonly eosIds: readonly number[];
  readonly chatTemplate?: string;
}

/** A model file opened but not yet read: its config and tensor table. */
export interface ModelFile {
  readonly config: TransformerConfig;
  readonly format: ModelFormat;
  readonly path: string;
  readonly name: string; // the file's or directory's name
  readonly tensors: readonly StoredTensor[];
  readonly toCanonical: (name: string) => string | null;
  readonly conv1d: boolean; // matrices stored (in, out): Hugging Face GPT-2
  readonly defaults: GenerationDefaults;
  readonly gguf?: GgufHeader;
}

export interface LoadedModel extends ModelFile {
  readonly model: LanguageModel;
}

/** Opens a model: reads its config and tensor table, checks them, reads no weights. */
export function openModelFile(path: string): ModelFile {
  if (!existsSync(path)) throw new UserError(path, "no such file or directory");
  if (statSync(path).isDirectory()) return openHfDirectory(path);
  const magic = readMagic(path);
  if (magic === "GGUF") return openGguf(path);
  if (path.endsWith(".bin")) return openLlama2c(path);
  if (path.endsWith(".gguf")) throw new FormatError(path, 'not a GGUF file (magic is not "GGUF")');
  throw new UserError(path, "unknown model format (supported: a .gguf file, a Hugging Face directory with config.json and safetensors, a llama2.c .bin)");
}

/** Opens a model and reads its weights onto a backend. */
export function loadLanguageModel(path: string, backend: Backend): LoadedModel {
  const file = openModelFile(path);
  const bytes = file.tensors.reduce((n, t) => n + t.byteLength, 0);
  if (backend.capacity !== undefined && bytes > backend.capacity) {
    const gib = (n: number) => (n / 2 ** 30).toFixed(2);
    throw new UserError(path, `its weights take ${gib(bytes)} GiB, more than the ${backend.name} backend can hold (${gib(backend.capacity)} GiB: WebAssembly memory ends at 4 GiB); use a smaller quantization (e.g. glassbox quantize ${file.name} smaller.gguf --type q4_k_m)`);
  }
  const loader = new WeightLoader(file.path, file.tensors, file.toCanonical, backend);
  try {
    const c = file.config;
    const model = c.family === "gpt2" ? new Gpt2Model(c, loadGpt2Weights(c, loader, file.conv1d), backend) : new LlamaModel(c, loadLlamaWeights(c, loader), backend);
    return { ...file, model };
  } finally {
    loader.close();
  }
}

function readMagic(path: string): string {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    return head.subarray(0, readSync(fd, head, 0, 4, 0)).toString("latin1");
  } finally {
    closeSync(fd);
  }
}

function openGguf(path: string): ModelFile {
  const header = readGgufHeader(path);
  const fields = Fields.fromMap(path, header.metadata);
  const arch = fields.optionalString(GGUF_KEYS.architecture);
  const family = familyForGguf(arch, path);
  const tensors = ggufStoredTensors(path, header);
  const embedding = tensors.find((t) => t.name === "token_embd.weight");
  if (!embedding) throw new UserError(path, 'missing tensor "token_embd.weight"');
  const vocabSize = embedding.shape[0]!;
  const config = family === "gpt2" ? gpt2ConfigFromGguf(fields, vocabSize) : llamaConfigFromGguf(fields, arch!, vocabSize);
  const id = (key: string) => fields.optionalNumber(key);
  const eosIds = [id("tokenizer.ggml.eos_token_id"), id("tokenizer.ggml.eot_token_id")].filter((x): x is number => x !== undefined);
  return {
    config,
    format: "gguf",
    path,
    name: basename(path),
    tensors,
    toCanonical: (n) => n,
    conv1d: false,
    defaults: { bosId: id("tokenizer.ggml.bos_token_id"), eosIds, chatTemplate: fields.optionalString(GGUF_KEYS.chatTemplate) },
    gguf: header,
  };
}

function readJson(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FormatError(path, `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FormatError(path, "expected a JSON object");
  return value as Record<string, unknown>;
}

function ids(v: unknown): number[] {
  if (typeof v === "number") return [v];
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [];
}

function openHfDirectory(dir: string): ModelFile {
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) throw new UserError(dir, "not a model directory: no config.json");
  const json = readJson(configPath);
  const fields = Fields.fromObject(configPath, json);
  const family = familyForHf(json.model_type, configPath);
  const config = family === "gpt2" ? gpt2ConfigFromHf(fields) : llamaConfigFromHf(fields, String(json.model_type));
  const genPath = join(dir, "generation_config.json");
  const gen = existsSync(genPath) ? readJson(genPath) : {};
  const tokPath = join(dir, "tokenizer_config.json");
  const tokConfig = existsSync(tokPath) ? readJson(tokPath) : {};
  return {
    config,
    format: "safetensors",
    path: dir,
    name: basename(dir),
    tensors: readSafetensorsDirectory(dir),
    toCanonical: family === "gpt2" ? gpt2HfName : llamaHfName,
    conv1d: family === "gpt2",
    defaults: {
      bosId: ids(gen.bos_token_id ?? json.bos_token_id)[0],
      eosIds: ids(gen.eos_token_id ?? json.eos_token_id),
      chatTemplate: typeof tokConfig.chat_template === "string" ? tokConfig.chat_template : undefined,
    },
  };
}

function openLlama2c(path: string): ModelFile {
  const { header, tensors } = readLlama2cCheckpoint(path);
  // run.c: BOS = 1 starts every prompt and also ends generation; EOS = 2 (Llama 2's SentencePiece ids)
  return { config: llamaConfigFromLlama2c(header), format: "llama2c", path, name: basename(path), tensors, toCanonical: llamaMetaName, conv1d: false, defaults: { bosId: 1, eosIds: [1, 2] } };
}
