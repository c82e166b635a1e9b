/**
 * Model: a loaded network with its tokenizer — the public face of inference.
 *
 *   const model = await loadModel("models/llama-2-7b.Q4_K_M.gguf");
 *   for await (const text of model.generate("Once upon a time", { maxTokens: 50, temperature: 0 })) process.stdout.write(text);
 *   const logits = model.forward([1, 15043]);          // one row of V logits per position
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../core/errors.js";
import { createBackend } from "../backends/select.js";
import { bundledModelPath } from "../models/bundled.js";
import type { TransformerConfig } from "../models/config.js";
import type { LanguageModel } from "../models/language-model.js";
import { loadLanguageModel, type LoadedModel } from "../models/load.js";
import type { Backend } from "../tensor/backend.js";
import { loadTokenizer } from "../tokenizers/load.js";
import { StreamingDecoder } from "../tokenizers/streaming-decoder.js";
import type { Tokenizer } from "../tokenizers/types.js";
import type { Tracer } from "../trace/trace.js";
import { emptyStats, generateIds, type GenerationStats, type TokenLoopOptions } from "./generate.js";
import { StopStringFilter } from "./stop-strings.js";

export interface LoadModelOptions {
  /** A tokenizer file or directory, when the model does not carry one (llama2.c .bin needs this). */
  readonly tokenizer?: string;
  readonly backend?: Backend;
}

export interface GenerateOptions extends Omit<TokenLoopOptions, "eosIds" | "cache"> {
  /** Generation stops before any of these strings; they are not part of the output. */
  readonly stop?: readonly string[];
  /** Add BOS as the model's format says (default true). */
  readonly addSpecial?: boolean;
}

/** One generation: iterate it for text chunks; afterwards `ids` and `stats` hold the result. */
export class Generation implements AsyncIterable<string> {
  readonly ids: number[] = [];
  readonly stats: GenerationStats = emptyStats();
  promptIds: number[] = [];

  constructor(private readonly run: (self: Generation) => AsyncGenerator<string>) {}

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.run(this);
  }

  /** Runs to the end and returns the whole text. */
  async text(): Promise<string> {
    let out = "";
    for await (const chunk of this) out += chunk;
    return out;
  }
}

export class Model {
  private constructor(
    readonly loaded: LoadedModel,
    readonly tokenizer: Tokenizer,
    readonly backend: Backend,
  ) {}

  static load(path: string, options: LoadModelOptions = {}): Model {
    const backend = options.backend ?? createBackend();
    const loaded = loadLanguageModel(path, backend);
    const tokenizer = loadTokenizer(options.tokenizer ?? tokenizerPathFor(loaded));
    if (tokenizer.vocabSize > loaded.model.config.vocabSize) {
      throw new UserError(options.tokenizer ?? path, `the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${loaded.model.config.vocabSize}`);
    }
    return new Model(loaded, tokenizer, backend);
  }

  get config(): TransformerConfig {
    return this.loaded.model.config;
  }

  get network(): LanguageModel {
    return this.loaded.model;
  }

  get name(): string {
    return this.loaded.name;
  }

  /** Ids that end generation: the model's EOS ids, the tokenizer's EOS, and (llama2.c, as run.c) BOS. */
  get eosIds(): number[] {
    const ids = new Set(this.loaded.defaults.eosIds);
    if (this.tokenizer.eosId !== undefined) ids.add(this.tokenizer.eosId);
    return [...ids];
  }

  /** The prompt's ids: BOS as the format says, then the text (an empty prompt is BOS alone). */
  encodePrompt(prompt: string, addSpecial = true): number[] {
    const ids = this.tokenizer.encode(prompt, { addSpecial });
    if (addSpecial && ids.length === 0) {
      const bos = this.tokenizer.bosId ?? this.loaded.defaults.bosId;
      if (bos !== undefined) return [bos];
    }
    return ids;
  }

  /** Logits for every position of `ids`, one row of V per position (a fresh cache; no sampling). */
  forward(ids: readonly number[], tracer?: Tracer): Float32Array[] {
    const { vocabSize: V, contextLength } = this.config;
    if (ids.length > contextLength) throw new UserError("ids", `${ids.length} tokens do not fit the model's context of ${contextLength}`);
    const bad = ids.find((id) => !(Number.isInteger(id) && id >= 0 && id < V));
    if (bad !== undefined) throw new UserError("ids", `token id ${bad} is outside the vocabulary (0..${V - 1})`);
    const cache = this.network.newCache(Math.max(ids.length, 1));
    const logits = this.network.forward(ids, cache, tracer);
    cache.release();
    return Array.from({ length: ids.length }, (_, t) => logits.slice(t * V, (t + 1) * V));
  }

  /** Streams the continuation of `prompt` as text chunks that never split a UTF-8 character. */
  generate(prompt: string, options: GenerateOptions = {}): Generation {
    return new Generation(async function* (this: Model, self: Generation) {
      const promptIds = this.encodePrompt(prompt, options.addSpecial ?? true);
      self.promptIds = promptIds;
      const decoder = new StreamingDecoder(this.tokenizer);
      decoder.prime(promptIds);
      const stops = new StopStringFilter(options.stop ?? []);
      for await (const id of generateIds(this.network, promptIds, { ...options, eosIds: this.eosIds }, self.stats)) {
        self.ids.push(id);
        const text = stops.push(decoder.push(id));
        if (text) yield text;
        if (stops.stopped) {
          self.stats.stopReason = "stop";
          return;
        }
      }
      const rest = stops.push(decoder.flush()) + stops.flush();
      if (rest) yield rest;
    }.bind(this));
  }
}

/** Where a model's tokenizer is: inside a GGUF, in a HF directory, or tokenizer.bin beside a llama2.c .bin. */
function tokenizerPathFor(loaded: LoadedModel): string {
  if (loaded.format !== "llama2c") return loaded.path;
  const beside = join(dirname(loaded.path), "tokenizer.bin");
  if (existsSync(beside)) return beside;
  throw new UserError(loaded.path, "a llama2.c checkpoint carries no vocabulary: pass --tokenizer PATH (its tokenizer .bin)");
}

/** Loads a model file or directory; without a path, the bundled default model (models/brown-llama). */
export async function loadModel(path?: string, options: LoadModelOptions = {}): Promise<Model> {
  return Model.load(path ?? bundledModelPath(), options);
}
