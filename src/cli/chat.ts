/**
 * glassbox chat [--model PATH] [--system TEXT] [--temperature T] [--max-tokens N]
 * A terminal chat: each turn goes through the model's chat template (the server's, src/server/), streams
 * the reply as it is generated, and keeps the conversation in one KV cache (a turn prefills only what is
 * new). Type /reset to start over, /exit (or Ctrl-D) to leave.
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { ChatTemplate, type ChatMessage } from "../server/chat-template.js";
import { Scheduler } from "../server/scheduler.js";
import { openModel, SAMPLING_DEFAULTS } from "./generate.js";
import { parseNumber } from "./options.js";

interface ChatFlags {
  model?: string;
  system?: string;
  temperature?: string;
  maxTokens?: string;
  threads?: string;
  backend?: string;
}

async function run(flags: ChatFlags): Promise<void> {
  const temperature = parseNumber("--temperature", flags.temperature, { min: 0, max: 2 }) ?? SAMPLING_DEFAULTS.temperature;
  const maxTokens = parseNumber("--max-tokens", flags.maxTokens, { min: 1, integer: true }) ?? 256;
  const model = openModel(flags.model, undefined, flags.backend, parseNumber("--threads", flags.threads, { min: 1, max: 256, integer: true }));
  const eos = model.eosIds[0];
  const template = new ChatTemplate(model.loaded.defaults.chatTemplate, { eos: eos === undefined ? undefined : model.tokenizer.idToToken(eos) });
  const context = model.config.contextLength;
  const scheduler = new Scheduler(model, 1, 0, context);
  const start: ChatMessage[] = flags.system ? [{ role: "system", content: flags.system }] : [];
  let messages = [...start];
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  process.stderr.write(`glassbox chat with ${model.name} (context ${context} tokens). /reset starts over, /exit leaves.\n`);
  for (;;) {
    let line: string;
    try {
      line = await rl.question("> ");
    } catch {
      break; // input closed
    }
    if (line.trim() === "/exit") break;
    if (line.trim() === "/reset") {
      messages = [...start];
      continue;
    }
    if (!line.trim()) continue;
    messages.push({ role: "user", content: line });
    let promptIds = model.encodePrompt(template.render(messages, true));
    while (promptIds.length >= context - 8 && messages.length > start.length + 1) {
      messages.splice(start.length, 2); // forget the oldest turn when the conversation outgrows the context
      promptIds = model.encodePrompt(template.render(messages, true));
    }
    if (promptIds.length >= context) {
      process.stderr.write(`that message alone takes ${promptIds.length} tokens, more than the context of ${context}\n`);
      messages.pop();
      continue;
    }
    const result = await scheduler.submit({
      promptIds, maxTokens: Math.min(maxTokens, context - promptIds.length), sampling: { temperature, topK: SAMPLING_DEFAULTS.topK, topP: SAMPLING_DEFAULTS.topP, minP: SAMPLING_DEFAULTS.minP },
      stop: template.stops, logprobs: null, signal: new AbortController().signal, onText: (text) => process.stdout.write(text),
    });
    process.stdout.write("\n");
    messages.push({ role: "assistant", content: result.text.trim() });
  }
  rl.close();
  (model.backend as { dispose?: () => void }).dispose?.();
}

export function registerChat(program: Command): void {
  program
    .command("chat")
    .description("chat with a model in the terminal")
    .option("--model <path>", "a .gguf, a Hugging Face directory or a llama2.c .bin (default: the bundled model)")
    .option("--system <text>", "a system message to start the conversation")
    .option("--temperature <t>", "sampling temperature (default 0.8)")
    .option("--max-tokens <n>", "longest reply (default 256)")
    .option("--threads <n>", "compute threads (default: all cores)")
    .option("--backend <name>", "wasm (default) or reference")
    .action((flags: ChatFlags) => run(flags));
}
