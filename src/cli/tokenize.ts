/**
 * glassbox tokenize   --tokenizer PATH (--text S | --file F) [--json] [--special] [--add-special] [--show]
 * glassbox detokenize --tokenizer PATH --ids 1,2,3 [--special]
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UserError } from "../core/errors.js";
import { loadTokenizer } from "../tokenizers/load.js";
import type { EncodeOptions, Tokenizer } from "../tokenizers/types.js";
import { parseIds } from "./options.js";
import { showTokens } from "./show.js";

interface TokenizeFlags {
  tokenizer: string;
  text?: string;
  file?: string;
  json?: boolean;
  special?: boolean;
  addSpecial?: boolean;
  show?: boolean;
}

function readLines(file: string): string[] {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = content.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UserError(`${file}:${i + 1}`, "expected one JSON string per line");
    }
    if (typeof value !== "string") throw new UserError(`${file}:${i + 1}`, `expected a JSON string, got ${line.slice(0, 40)}`);
    return value;
  });
}

function tokenize(flags: TokenizeFlags): void {
  if ((flags.text === undefined) === (flags.file === undefined)) throw new UserError("tokenize", "give exactly one of --text or --file");
  const lines = flags.file !== undefined ? readLines(flags.file) : undefined;
  const tokenizer = loadTokenizer(flags.tokenizer);
  const options: EncodeOptions = { addSpecial: !!flags.addSpecial, ...(flags.special ? { allowedSpecial: "all" as const } : {}) };
  if (lines) {
    const out = lines.map((line) => JSON.stringify(tokenizer.encode(line, options)));
    process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
    return;
  }
  const text = flags.text!;
  const ids = tokenizer.encode(text, options);
  if (flags.show) process.stdout.write(showTokens(tokenizer, ids));
  else if (flags.json) process.stdout.write(JSON.stringify({ ids, tokens: ids.map((id) => tokenizer.idToToken(id) ?? "") }) + "\n");
  else process.stdout.write(ids.join(" ") + "\n");
}

export function registerTokenize(program: Command): void {
  program
    .command("tokenize")
    .description("encode text to token ids")
    .requiredOption("--tokenizer <path>", "tokenizer.json, .model, NAME.tiktoken, llama2.c .bin, .gguf or a model directory")
    .option("--text <text>", "the text to encode")
    .option("--file <file>", "one JSON string per line; prints one JSON array of ids per line")
    .option("--json", 'print {"ids": [...], "tokens": [...]}')
    .option("--special", "let special-token text match its token")
    .option("--add-special", "add BOS/EOS as the tokenizer's format says")
    .option("--show", "print the pieces in alternating colours with their ids")
    .action((flags: TokenizeFlags) => tokenize(flags));

  program
    .command("detokenize")
    .description("decode token ids to text")
    .requiredOption("--tokenizer <path>", "tokenizer file or model directory")
    .requiredOption("--ids <ids>", "comma-separated token ids, e.g. 1,2,3")
    .option("--special", "keep special tokens in the text")
    .action((flags: { tokenizer: string; ids: string; special?: boolean }) => {
      const tokenizer = loadTokenizer(flags.tokenizer);
      process.stdout.write(tokenizer.decode(parseIds(flags.ids, tokenizer.vocabSize), { skipSpecial: !flags.special }) + "\n");
    });
}
