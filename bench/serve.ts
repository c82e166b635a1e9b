/**
 * npm run bench -- serve
 *
 * The server under load and with a warm prompt cache (issue 6's figures), on this machine, localhost only:
 *  1. prompt-cache reuse: a conversation with more than 1,000 tokens of history on a random-weight Llama
 *     with a 2,048-token context (the bundled model's context is 256); the next turn's time to first token
 *     when the slot's KV cache holds the conversation, against the same request after another conversation
 *     has replaced it (median of 5 each);
 *  2. load (`--only cache` or `--only load` runs one part): 32 concurrent streaming clients × 20 requests of 64 generated tokens (ignore_eos) on the bundled
 *     model, against `glassbox serve --parallel 1` and `--parallel 8` each in its own process (as users run
 *     it; the clients' own work stays out of the server's event loop): failed requests, p50/p99 time to
 *     first token, aggregate generated tokens per second.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLED_MODEL_PATH } from "../src/models/bundled.js";
import { startServer } from "../src/server/start.js";
import { writeRandomLlama } from "../test/support/random-checkpoint.js";
import { median, printTable, writeResults } from "./_report.js";

interface Timing {
  ttftMs: number;
  tokens: number;
  ok: boolean;
}

/** One streamed request: time to the first generated text, and how many tokens came. */
async function streamed(server: { url: string }, path: string, body: object): Promise<Timing> {
  const started = performance.now();
  let ttftMs = NaN;
  let tokens = 0;
  try {
    const response = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }) });
    if (!response.ok) return { ttftMs, tokens, ok: false };
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const part of response.body!) {
      buffer += decoder.decode(part as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const data = buffer.slice(0, cut).replace(/^data: /, "");
        buffer = buffer.slice(cut + 2);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data) as { choices: { text?: string; delta?: { content?: string } }[]; usage?: { completion_tokens: number } };
        const text = chunk.choices[0]?.text ?? chunk.choices[0]?.delta?.content ?? "";
        if (text && Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
      }
    }
    return { ttftMs, tokens, ok: true };
  } catch {
    return { ttftMs, tokens, ok: false };
  }
}

const BIN = new URL("../../bin/glassbox", import.meta.url).pathname;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;

/** 1. The next turn's time to first token with the conversation in the slot's cache, and after it was replaced. */
async function promptCache(): Promise<{ historyTokens: number; warm: number[]; cold: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "glassbox-bench-serve-"));
  writeRandomLlama(dir, { modelType: "llama", vocabSize: 512, dim: 256, ffn: 704, layers: 4, heads: 8, kvHeads: 4, context: 2048, seed: 3 });
  copyFileSync(join(BUNDLED_MODEL_PATH, "tokenizer.json"), join(dir, "tokenizer.json"));
  const server = await startServer({ model: dir, port: 0, parallel: 1 });
  const sentence = "The jury further said in term-end presentments that the City Executive Committee deserves praise. ";
  const history = Array.from({ length: 12 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: sentence.repeat(2) }));
  const tokenized = (await (await fetch(`${server.url}/tokenize`, { method: "POST", body: JSON.stringify({ content: history.map((m) => m.content).join("\n") }) })).json()) as { tokens: number[] };
  const ask = (messages: object[]) => streamed(server, "/v1/chat/completions", { messages, max_tokens: 8, temperature: 0, ignore_eos: true });
  const warm: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const turn = [...history, { role: "user", content: `Question number ${i}?` }];
    await ask(history); // the slot's cache now holds the history
    warm.push((await ask(turn)).ttftMs);
    await ask([{ role: "user", content: `something else entirely ${i}` }]); // replace the cache
    cold.push((await ask(turn)).ttftMs);
  }
  await server.close();
  console.log(`\nprompt cache: ${tokenized.tokens.length} tokens of history (random Llama, 4 layers × 256, context 2048), time to first token, median of 5:`);
  printTable(["cache", "TTFT ms"], [["warm (history in the slot)", median(warm).toFixed(1)], ["cleared", median(cold).toFixed(1)], ["warm / cleared", (median(warm) / median(cold)).toFixed(3)]]);
  return { historyTokens: tokenized.tokens.length, warm, cold };
}

/** `glassbox serve ARGS` in a child process, once it prints its URL. */
async function serveProcess(args: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (part: Buffer) => {
      stderr += part.toString();
      const found = /at (http:\/\/[^\s]+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.on("exit", (code) => reject(new Error(`glassbox serve exited (${code}): ${stderr}`)));
  });
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      child.removeAllListeners("exit");
      child.on("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

/** 2. Many streaming clients at once, with one slot and with eight. */
async function loadTest(): Promise<Record<string, number>[]> {
  const CLIENTS = 32;
  const REQUESTS = 20;
  const TOKENS = 64;
  const load: Record<string, number>[] = [];
  for (const parallel of [1, 8]) {
    // the server runs as users run it, `glassbox serve` in its own process; the clients run here
    const server = await serveProcess(["--port", "0", "--parallel", String(parallel), "--queue", String(CLIENTS)]);
    const timings: Timing[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
      for (let r = 0; r < REQUESTS; r++) timings.push(await streamed(server, "/v1/completions", { prompt: `The ${client} jury said ${r}`, max_tokens: TOKENS, temperature: 1, seed: client * 100 + r, ignore_eos: true }));
    }));
    const seconds = (performance.now() - started) / 1000;
    await server.close();
    const ok = timings.filter((t) => t.ok);
    const ttft = ok.map((t) => t.ttftMs);
    load.push({ parallel, requests: timings.length, failed: timings.length - ok.length, minTokens: Math.min(...ok.map((t) => t.tokens)), ttftP50: percentile(ttft, 50), ttftP99: percentile(ttft, 99), tokensPerSecond: ok.reduce((n, t) => n + t.tokens, 0) / seconds, seconds });
  }
  console.log(`\nload: ${CLIENTS} concurrent streaming clients × ${REQUESTS} requests × ${TOKENS} tokens, the bundled model:`);
  printTable(["--parallel", "requests", "failed", "min tokens", "TTFT p50 ms", "TTFT p99 ms", "tokens/s", "seconds"], load.map((l) => [String(l.parallel), String(l.requests), String(l.failed), String(l.minTokens), l.ttftP50!.toFixed(0), l.ttftP99!.toFixed(0), l.tokensPerSecond!.toFixed(1), l.seconds!.toFixed(1)]));
  console.log(`parallel 8 / parallel 1 throughput: ${(load[1]!.tokensPerSecond! / load[0]!.tokensPerSecond!).toFixed(2)}×`);
  return load;
}

const cache = only === "load" ? undefined : await promptCache();
const load = only === "cache" ? undefined : await loadTest();
console.log(`wrote ${writeResults("serve", { cache, load })}`);
