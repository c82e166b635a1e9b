/**
 * The server against the official `openai` client and raw HTTP: the bundled model and the same model as a
 * GGUF; streamed text equals whole text at temperature 0 with a seed; usage, logprobs, prefix reuse,
 * tokenize/detokenize; every kind of bad request gets its status and an OpenAI-style error while the
 * server keeps serving; a full queue answers 429 with Retry-After; a client that leaves frees its slot.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { BUNDLED_MODEL_NAME, BUNDLED_MODEL_PATH } from "../../src/models/bundled.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { ggufVocabularyFor } from "../../src/tokenizers/gguf-vocab-for.js";

let bundled: RunningServer;
let gguf: RunningServer;
let ggufName: string;

before(async () => {
  bundled = await startServer({ port: 0, parallel: 2, threads: 1 });
  const path = join(mkdtempSync(join(tmpdir(), "glassbox-serve-")), "brown-llama-f32.gguf");
  writeHfAsGguf(BUNDLED_MODEL_PATH, path, ggufVocabularyFor(`${BUNDLED_MODEL_PATH}/tokenizer.json`));
  ggufName = "brown-llama-f32.gguf";
  gguf = await startServer({ model: path, port: 0, parallel: 1, queue: 0, threads: 1 });
});
after(async () => {
  await bundled?.close();
  await gguf?.close();
});

const clientOf = (s: RunningServer, apiKey = "unused") => new OpenAI({ baseURL: `${s.url}/v1`, apiKey });

for (const which of ["bundled", "gguf"] as const) {
  test(`openai client, ${which} model: models, chat, streamed chat, completion, streamed completion`, async () => {
    const server = which === "bundled" ? bundled : gguf;
    const model = which === "bundled" ? BUNDLED_MODEL_NAME : ggufName;
    const client = clientOf(server);
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), [model]);

    const messages = [{ role: "system" as const, content: "You are a newspaper." }, { role: "user" as const, content: "What did the jury say?" }];
    const chat = await client.chat.completions.create({ model, messages, temperature: 0, seed: 7, max_tokens: 24 });
    const text = chat.choices[0]!.message.content!;
    assert.ok(text.length > 0);
    assert.equal(chat.object, "chat.completion");
    assert.ok(chat.usage!.prompt_tokens > 0 && chat.usage!.completion_tokens > 0 && chat.usage!.total_tokens === chat.usage!.prompt_tokens + chat.usage!.completion_tokens);

    const stream = await client.chat.completions.create({ model, messages, temperature: 0, seed: 7, max_tokens: 24, stream: true, stream_options: { include_usage: true } });
    let streamed = "";
    let usage;
    let finish;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason ?? undefined;
      if (chunk.usage) {
        usage = chunk.usage;
        assert.deepEqual(chunk.choices, [], "the usage chunk has empty choices");
      }
    }
    assert.equal(streamed, text, "streamed text equals the whole response");
    assert.equal(finish, chat.choices[0]!.finish_reason);
    assert.equal(usage?.completion_tokens, chat.usage!.completion_tokens);

    const completion = await client.completions.create({ model, prompt: "The Fulton County Grand Jury", temperature: 0, max_tokens: 16, seed: 1 });
    assert.equal(completion.object, "text_completion");
    let streamedCompletion = "";
    for await (const chunk of await client.completions.create({ model, prompt: "The Fulton County Grand Jury", temperature: 0, max_tokens: 16, seed: 1, stream: true })) streamedCompletion += chunk.choices[0]?.text ?? "";
    assert.equal(streamedCompletion, completion.choices[0]!.text);
    assert.ok(completion.choices[0]!.text.length > 0);
  });
}

test("logprobs: the sampled token and the top alternatives, log-probabilities ≤ 0 in order", async () => {
  const client = clientOf(bundled);
  const r = await client.chat.completions.create({ model: BUNDLED_MODEL_NAME, messages: [{ role: "user", content: "Hello" }], temperature: 0, max_tokens: 8, logprobs: true, top_logprobs: 3 });
  const content = r.choices[0]!.logprobs!.content!;
  assert.equal(content.length, r.usage!.completion_tokens);
  for (const token of content) {
    assert.ok(token.logprob <= 0 && token.top_logprobs.length === 3);
    assert.ok(token.top_logprobs[0]!.logprob >= token.top_logprobs[1]!.logprob && token.top_logprobs[1]!.logprob >= token.top_logprobs[2]!.logprob);
    assert.equal(token.logprob, token.top_logprobs[0]!.logprob, "greedy: the chosen token is the most likely");
  }
  assert.equal(content.map((t) => t.token).join(""), r.choices[0]!.message.content);
});

test("the next chat turn reuses the conversation already in the slot's KV cache", async () => {
  const client = clientOf(gguf);
  const first = [{ role: "user" as const, content: "Tell me about the election in Atlanta." }];
  const a = await client.chat.completions.create({ model: ggufName, messages: first, temperature: 0, max_tokens: 12 });
  const second = [...first, { role: "assistant" as const, content: a.choices[0]!.message.content! }, { role: "user" as const, content: "And then?" }];
  const b = await client.chat.completions.create({ model: ggufName, messages: second, temperature: 0, max_tokens: 12 });
  const cached = (b.usage as { prompt_tokens_details?: { cached_tokens?: number } }).prompt_tokens_details?.cached_tokens ?? 0;
  assert.ok(cached >= a.usage!.prompt_tokens - 1, `cached ${cached} of the first turn's ${a.usage!.prompt_tokens} prompt tokens`);
});

test("tokenize and detokenize in llama.cpp server's shapes", async () => {
  const post = (path: string, body: unknown) => fetch(`${bundled.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
  const { tokens } = (await post("/tokenize", { content: "The jury said." })) as { tokens: number[] };
  assert.ok(tokens.length > 0 && tokens.every(Number.isInteger));
  assert.deepEqual(await post("/detokenize", { tokens }), { content: "The jury said." });
  assert.deepEqual(await fetch(`${bundled.url}/health`).then((r) => r.json()), { status: "ok" });
});

test("bad requests: the right status, an OpenAI-style error, and the server keeps serving", async () => {
  const url = bundled.url;
  const raw = (body: string, path = "/v1/chat/completions", headers: Record<string, string> = {}) => fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const chat = (body: object) => raw(JSON.stringify({ model: BUNDLED_MODEL_NAME, messages: [{ role: "user", content: "hi" }], ...body }));
  const cases: [string, Promise<Response>, number, RegExp, string | null][] = [
    ["malformed JSON", raw("{not json"), 400, /not valid JSON/, null],
    ["wrong type", chat({ temperature: "hot" }), 400, /'temperature' must be a number/, "temperature"],
    ["unknown model", chat({ model: "gpt-9" }), 404, /does not exist/, "model"],
    ["empty messages", chat({ messages: [] }), 400, /at least one message/, "messages"],
    ["bad role", chat({ messages: [{ role: "wizard", content: "x" }] }), 400, /role/, "messages[0].role"],
    ["max_tokens 0", chat({ max_tokens: 0 }), 400, /'max_tokens' must be between 1/, "max_tokens"],
    ["prompt beyond the context", chat({ messages: [{ role: "user", content: "the jury ".repeat(400) }] }), 400, /context is \d+ tokens, and the prompt alone has \d+ tokens/, "messages"],
    ["body over the limit", raw(JSON.stringify({ model: BUNDLED_MODEL_NAME, prompt: "x".repeat(2 << 20) }), "/v1/completions"), 413, /larger than/, null],
    ["not an object", raw("[1,2]", "/v1/completions"), 400, /JSON object/, null],
    ["empty prompt, no BOS", raw(JSON.stringify({ model: BUNDLED_MODEL_NAME, prompt: "" }), "/v1/completions"), 400, /prompt is empty/, "prompt"],
    ["n > 1", chat({ n: 3 }), 400, /only 'n' = 1/, "n"],
    ["unknown route", raw("{}", "/v1/embeddingz"), 404, /no route/, null],
  ];
  for (const [what, pending, status, message, param] of cases) {
    const response = await pending;
    assert.equal(response.status, status, what);
    const body = (await response.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
    assert.match(body.error.message, message, what);
    assert.equal(typeof body.error.type, "string", what);
    assert.equal(body.error.param, param, what);
  }
  const ok = await chat({ max_tokens: 4, temperature: 0 });
  assert.equal(ok.status, 200, "still serving");
});

test("an API key is required when set: 401 without it, 200 with it", async () => {
  const server = await startServer({ port: 0, apiKey: "s3cret", threads: 1 });
  try {
    await assert.rejects(clientOf(server, "wrong").models.list(), (e: { status?: number }) => e.status === 401);
    const ok = await clientOf(server, "s3cret").models.list();
    assert.equal(ok.data.length, 1);
  } finally {
    await server.close();
  }
});

test("a full queue answers 429 with Retry-After; a client that disconnects frees its slot at once", async () => {
  // the GGUF server has one slot and no queue
  const body = JSON.stringify({ model: ggufName, prompt: "The", max_tokens: 120, temperature: 1, seed: 3, stream: true });
  const controller = new AbortController();
  const first = await fetch(`${gguf.url}/v1/completions`, { method: "POST", body, signal: controller.signal });
  const reader = first.body!.getReader();
  await reader.read(); // the stream has started: the slot is busy
  const refused = await fetch(`${gguf.url}/v1/completions`, { method: "POST", body: JSON.stringify({ model: ggufName, prompt: "A", max_tokens: 2 }) });
  assert.equal(refused.status, 429);
  assert.ok(refused.headers.get("retry-after"));
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "queue_full");
  controller.abort();
  await new Promise((r) => setTimeout(r, 200));
  const next = await fetch(`${gguf.url}/v1/completions`, { method: "POST", body: JSON.stringify({ model: ggufName, prompt: "A", max_tokens: 2 }) });
  assert.equal(next.status, 200, "the slot was freed when the client left");
});

test("sequences decoded together in one batch give what each gives alone (continuous batching)", async () => {
  const client = clientOf(bundled); // two slots: the third request waits, then joins the running batch
  const prompts = ["The jury said", "In the morning, the", "He looked at her and"];
  const ask = (prompt: string, seed: number) => client.completions.create({ model: BUNDLED_MODEL_NAME, prompt, max_tokens: 20, temperature: 0.9, seed }).then((r) => r.choices[0]!.text);
  const alone: string[] = [];
  for (const [i, p] of prompts.entries()) alone.push(await ask(p, i));
  const together = await Promise.all(prompts.map((p, i) => ask(p, i)));
  assert.deepEqual(together, alone);
});
