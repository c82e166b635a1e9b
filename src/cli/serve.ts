/**
 * glassbox serve [--model PATH] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--parallel N] [--ctx N]
 * An OpenAI-compatible server (src/server/) with a chat page at /. Prints the URL when it is ready.
 */
import type { Command } from "commander";
import { UserError } from "../core/errors.js";
import { startServer } from "../server/start.js";
import { parseNumber } from "./options.js";

interface ServeFlags {
  model?: string;
  host?: string;
  port?: string;
  apiKey?: string;
  parallel?: string;
  queue?: string;
  ctx?: string;
  threads?: string;
  backend?: string;
}

async function run(flags: ServeFlags): Promise<void> {
  const port = parseNumber("--port", flags.port, { min: 0, max: 65535, integer: true }) ?? 8080;
  let server;
  try {
    server = await startServer({
      model: flags.model,
      host: flags.host ?? "127.0.0.1",
      port,
      apiKey: flags.apiKey ?? process.env.GLASSBOX_API_KEY,
      parallel: parseNumber("--parallel", flags.parallel, { min: 1, max: 64, integer: true }),
      queue: parseNumber("--queue", flags.queue, { min: 0, max: 10000, integer: true }),
      ctx: parseNumber("--ctx", flags.ctx, { min: 8, integer: true }),
      threads: parseNumber("--threads", flags.threads, { min: 1, max: 256, integer: true }),
      backend: flags.backend,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") throw new UserError("--port", `cannot listen on ${flags.host ?? "127.0.0.1"}:${port} (${code})`);
    throw e;
  }
  process.stderr.write(`glassbox: serving ${server.state.modelId} at ${server.url}  (chat page: ${server.url}/, OpenAI API: ${server.url}/v1)\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve a model over an OpenAI-compatible HTTP API, with a chat page")
    .option("--model <path>", "a .gguf, a Hugging Face directory or a llama2.c .bin (default: the bundled model)")
    .option("--host <host>", "address to bind (default 127.0.0.1: this machine only)")
    .option("--port <n>", "port (default 8080; 0 picks a free one)")
    .option("--api-key <key>", "require Authorization: Bearer KEY on /v1 (also GLASSBOX_API_KEY)")
    .option("--parallel <n>", "sequences decoded at once, each with its own KV cache (default 1)")
    .option("--queue <n>", "requests that may wait for a slot before the server answers 429 (default 4 × parallel)")
    .option("--ctx <n>", "context length per sequence (default: the model's)")
    .option("--threads <n>", "compute threads (default: all cores)")
    .option("--backend <name>", "wasm (default) or reference")
    .action((flags: ServeFlags) => run(flags));
}
