/**
 * The `glassbox` command line: thin commands over the public API (contracts in DESIGN.md).
 * User errors print one line to stderr and exit with code 2; anything else is a bug and shows its stack.
 */
import { Command, CommanderError } from "commander";
import { isUserError } from "../core/errors.js";
import { registerTokenize } from "./tokenize.js";
import { registerTokenizerTrain } from "./tokenizer-train.js";
import { registerGenerate } from "./generate.js";
import { registerForward } from "./forward.js";
import { registerInfo } from "./info.js";
import { registerQuantize } from "./quantize.js";
import { registerPerplexity } from "./perplexity.js";
import { registerTrain } from "./train.js";
import { registerServe } from "./serve.js";
import { registerChat } from "./chat.js";

export const USER_ERROR_EXIT = 2;

export function buildProgram(): Command {
  const program = new Command("glassbox")
    .description("A complete LLM system in TypeScript: tokenizers, models, training, serving — every step visible.")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  registerTokenize(program);
  registerTokenizerTrain(program);
  registerGenerate(program);
  registerForward(program);
  registerInfo(program);
  registerQuantize(program);
  registerPerplexity(program);
  registerTrain(program);
  registerServe(program);
  registerChat(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander has printed the message already.
      process.exitCode = e.exitCode === 0 ? 0 : USER_ERROR_EXIT;
      return;
    }
    if (isUserError(e)) {
      process.stderr.write(`glassbox: ${e.message}\n`);
      process.exitCode = USER_ERROR_EXIT;
      return;
    }
    throw e;
  }
}
