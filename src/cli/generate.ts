/**
 * glassbox generate [--model PATH] [--tokenizer PATH] --prompt S [--max-tokens N] [--temperature T]
 *                   [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--stop S ...] [--seed N]
 *                   [--threads N] [--stats] [--json]
 * stdout holds only the continuation, streamed; everything else goes to stderr (DESIGN.md contract).
 */
import type { Command } from "commander";
import { UserError } from "../core/errors.js";
import { createBackend } from "../backends/select.js";
import { Model } from "../generation/model.js";
import { bundledModelPath } from "../models/bundled.js";
import { parseNumber } from "./options.js";

interface GenerateFlags {
  model?: string;
  tokenizer?: string;
  prompt: string;
  maxTokens?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repeatPenalty?: string;
  frequencyPenalty?: string;
  presencePenalty?: string;
  stop?: string[];
  seed?: string;
  threads?: string;
  stats?: boolean;
  json?: boolean;
  backend?: string;
}

/** Sampling defaults, as llama.cpp's: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
export const SAMPLING_DEFAULTS = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 } as const;

export function openModel(modelPath: string | undefined, tokenizer: string | undefined, backend?: string, threads?: number): Model {
  return Model.load(modelPath ?? bundledModelPath(), { tokenizer, backend: createBackend(backend, threads) });
}

async function generate(flags: GenerateFlags): Promise<void> {
  const options = {
    maxTokens: parseNumber("--max-tokens", flags.maxTokens, { min: 0, integer: true }) ?? 256,
    temperature: parseNumber("--temperature", flags.temperature, { min: 0 }) ?? SAMPLING_DEFAULTS.temperature,
    topK: parseNumber("--top-k", flags.topK, { min: 0, integer: true }) ?? SAMPLING_DEFAULTS.topK,
    topP: parseNumber("--top-p", flags.topP, { min: 0, max: 1 }) ?? SAMPLING_DEFAULTS.topP,
    minP: parseNumber("--min-p", flags.minP, { min: 0, max: 1 }) ?? SAMPLING_DEFAULTS.minP,
    repetitionPenalty: parseNumber("--repeat-penalty", flags.repeatPenalty, { min: 0 }) ?? 1,
    frequencyPenalty: parseNumber("--frequency-penalty", flags.frequencyPenalty) ?? 0,
    presencePenalty: parseNumber("--presence-penalty", flags.presencePenalty) ?? 0,
    seed: parseNumber("--seed", flags.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
    stop: flags.stop ?? [],
  };
  const threads = parseNumber("--threads", flags.threads, { min: 1, max: 256, integer: true });
  const model = openModel(flags.model, flags.tokenizer, flags.backend, threads);
  const generation = model.generate(flags.prompt, options);
  let text = "";
  for await (const chunk of generation) {
    if (flags.json) text += chunk;
    else process.stdout.write(chunk);
  }
  const s = generation.stats;
  const stats = {
    promptTokens: s.promptTokens,
    generatedTokens: s.generatedTokens,
    prefillTokensPerSecond: round(s.prefillTokensPerSecond),
    decodeTokensPerSecond: round(s.decodeTokensPerSecond),
    threads: (model.backend as { threads?: number }).threads ?? 1,
    backend: model.backend.name,
  };
  if (flags.json) {
    process.stdout.write(JSON.stringify({ text, ids: generation.ids, ...(flags.stats ? { stats } : {}) }) + "\n");
    return;
  }
  if (process.stdout.isTTY) process.stderr.write("\n");
  if (flags.stats) {
    process.stderr.write(
      `prompt ${stats.promptTokens} tokens, prefill ${stats.prefillTokensPerSecond} tokens/s; generated ${stats.generatedTokens} tokens, decode ${stats.decodeTokensPerSecond} tokens/s (${stats.backend} backend, ${stats.threads} thread${stats.threads === 1 ? "" : "s"}, stopped: ${s.stopReason})\n`,
    );
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("continue a prompt with a model, streaming the continuation to stdout")
    .option("--model <path>", "a .gguf, a Hugging Face directory (config.json + safetensors) or a llama2.c .bin (default: the bundled model)")
    .option("--tokenizer <path>", "tokenizer for models without one (llama2.c .bin)")
    .requiredOption("--prompt <text>", "the text to continue")
    .option("--max-tokens <n>", "tokens to generate at most (default 256)")
    .option("--temperature <t>", `0 is greedy (default ${SAMPLING_DEFAULTS.temperature})`)
    .option("--top-k <k>", `keep the k most likely tokens, 0 = off (default ${SAMPLING_DEFAULTS.topK})`)
    .option("--top-p <p>", `nucleus: smallest set with probability ≥ p (default ${SAMPLING_DEFAULTS.topP})`)
    .option("--min-p <p>", `drop tokens below p × the top probability (default ${SAMPLING_DEFAULTS.minP})`)
    .option("--repeat-penalty <r>", "divide logits of recent tokens by r (default 1 = off)")
    .option("--frequency-penalty <f>", "subtract f × count of each recent token (default 0)")
    .option("--presence-penalty <p>", "subtract p from each recent token (default 0)")
    .option("--stop <text...>", "stop before any of these strings")
    .option("--seed <n>", "seed for sampling (default random)")
    .option("--threads <n>", "compute threads, the main thread included (default: all cores)")
    .option("--backend <name>", "wasm (default) or reference")
    .option("--stats", "print prefill and decode speed")
    .option("--json", 'print one line {"text", "ids", "stats"?} instead of streaming')
    .action((flags: GenerateFlags) => generate(flags));
}
