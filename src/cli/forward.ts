/**
 * glassbox forward --model PATH --ids 1,2,3 [--json] [--trace [NAMES]]
 * One forward pass: logits for every position. `--json` prints {"logits": [[...] per position]} on one line,
 * with "trace" (named intermediates, see src/trace/trace.ts) when asked.
 */
import type { Command } from "commander";
import { UserError } from "../core/errors.js";
import { createBackend } from "../backends/select.js";
import { loadLanguageModel } from "../models/load.js";
import { loadTokenizer } from "../tokenizers/load.js";
import { NO_TRACE, RecordingTracer, type TraceName } from "../trace/trace.js";
import { parseIds } from "./options.js";

interface ForwardFlags {
  model: string;
  ids: string;
  json?: boolean;
  trace?: string | boolean;
  tokenizer?: string;
  backend?: string;
}

const TRACE_NAMES: readonly TraceName[] = ["embed", "attn_norm", "attn_probs", "attn_out", "ffn_norm", "moe_experts", "moe_weights", "ffn_out", "resid", "final_norm", "logits"];

function forward(flags: ForwardFlags): void {
  const { model } = loadLanguageModel(flags.model, createBackend(flags.backend));
  const V = model.config.vocabSize;
  const ids = parseIds(flags.ids, V);
  if (ids.length > model.config.contextLength) throw new UserError("--ids", `${ids.length} tokens do not fit the model's context of ${model.config.contextLength}`);
  let tracer = NO_TRACE;
  if (flags.trace) {
    const names = typeof flags.trace === "string" ? flags.trace.split(",").map((n) => n.trim()) : TRACE_NAMES;
    const unknown = names.find((n) => !TRACE_NAMES.includes(n as TraceName));
    if (unknown) throw new UserError("--trace", `unknown name "${unknown}" (names: ${TRACE_NAMES.join(", ")})`);
    tracer = new RecordingTracer(new Set(names as TraceName[]));
  }
  const logits = model.forward(ids, model.newCache(ids.length), tracer);
  const rows = Array.from({ length: ids.length }, (_, t) => logits.subarray(t * V, (t + 1) * V));
  if (flags.json) {
    const out: Record<string, unknown> = { logits: rows.map((r) => Array.from(r)) };
    if (tracer instanceof RecordingTracer) out.trace = tracer.entries.map((e) => ({ name: e.name, layer: e.layer, shape: e.shape, values: Array.from(e.values) }));
    process.stdout.write(JSON.stringify(out) + "\n");
    return;
  }
  // Human view: the five most likely next tokens at each position.
  let tokenizer: ReturnType<typeof loadTokenizer> | undefined;
  try {
    tokenizer = loadTokenizer(flags.tokenizer ?? flags.model);
  } catch {
    tokenizer = undefined; // no vocabulary in the file: ids only
  }
  rows.forEach((row, t) => {
    const top = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!).slice(0, 5);
    const show = (id: number) => (tokenizer ? `${JSON.stringify(tokenizer.idToToken(id) ?? "")} ` : "") + `${id} (${row[id]!.toFixed(3)})`;
    process.stdout.write(`${t}\t${ids[t]}\t→ ${top.map(show).join(", ")}\n`);
  });
  if (tracer instanceof RecordingTracer) {
    for (const e of tracer.entries) process.stdout.write(`trace ${e.name}${e.layer === null ? "" : `[${e.layer}]`} (${e.shape.join(", ")})\n`);
  }
}

export function registerForward(program: Command): void {
  program
    .command("forward")
    .description("run one forward pass and print the logits of every position")
    .requiredOption("--model <path>", "a .gguf, a Hugging Face directory or a llama2.c .bin")
    .requiredOption("--ids <ids>", "comma-separated token ids, e.g. 1,2,3")
    .option("--json", 'print one line {"logits": [[...] per position]}')
    .option("--trace [names]", `also record intermediates (comma-separated; all when no list): ${TRACE_NAMES.join(", ")}`)
    .option("--tokenizer <path>", "tokenizer to show tokens as text (default: the model's own)")
    .option("--backend <name>", "wasm (default) or reference")
    .action((flags: ForwardFlags) => forward(flags));
}
