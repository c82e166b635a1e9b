/**
 * glassbox perplexity --model PATH --file TEXT [--ctx N] [--chunks N] [--json]
 * Perplexity as llama-perplexity computes it (src/generation/perplexity.ts). Prints the running value per
 * chunk on stderr and the result on stdout; --json prints {"perplexity", "tokens", "ctx", ...} on one line.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UserError } from "../core/errors.js";
import { perplexity } from "../generation/perplexity.js";
import { openModel } from "./generate.js";
import { parseNumber } from "./options.js";

interface PerplexityFlags {
  model?: string;
  tokenizer?: string;
  file: string;
  ctx?: string;
  chunks?: string;
  json?: boolean;
  backend?: string;
}

function run(flags: PerplexityFlags): void {
  let text: string;
  try {
    text = readFileSync(flags.file, "utf8");
  } catch (e) {
    throw new UserError(flags.file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ctx = parseNumber("--ctx", flags.ctx, { min: 4, integer: true }) ?? 512;
  const chunks = parseNumber("--chunks", flags.chunks, { min: 1, integer: true });
  const model = openModel(flags.model, flags.tokenizer, flags.backend);
  const started = performance.now();
  const result = perplexity(model.network, model.tokenizer, text, {
    ctx,
    chunks,
    onChunk: (c, n, ppl) => process.stderr.write(`[${c}/${n}] ${ppl.toFixed(4)}${c === n ? "\n" : ", "}`),
  });
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ perplexity: result.perplexity, tokens: result.tokens, ctx: result.ctx, chunks: result.chunks, scored: result.scored, standardError: result.standardError, seconds }) + "\n");
    return;
  }
  process.stdout.write(`PPL = ${result.perplexity.toFixed(4)} +/- ${result.standardError.toFixed(5)} (${result.chunks} chunks of ${result.ctx}, ${result.scored} predictions scored, ${result.tokens} tokens, ${seconds.toFixed(1)} s)\n`);
}

export function registerPerplexity(program: Command): void {
  program
    .command("perplexity")
    .description("perplexity of a model on a text file, computed as llama-perplexity does")
    .option("--model <path>", "a .gguf, a Hugging Face directory or a llama2.c .bin (default: the bundled model)")
    .option("--tokenizer <path>", "tokenizer for models without one")
    .requiredOption("--file <text>", "the text file")
    .option("--ctx <n>", "window length (default 512); the second half of each window is scored")
    .option("--chunks <n>", "evaluate at most this many windows")
    .option("--json", 'print one line {"perplexity", "tokens", "ctx", ...}')
    .option("--backend <name>", "wasm (default) or reference")
    .action((flags: PerplexityFlags) => run(flags));
}
