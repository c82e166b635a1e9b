/**
 * The OpenAI-compatible HTTP API on Hono (a small, Web-standard router; @hono/node-server runs it on Node):
 *
 *   GET  /health                 {"status": "ok"} (503 {"status": "loading"} before the model is ready)
 *   GET  /v1/models              the one model, named after its file or directory
 *   POST /v1/completions         prompt → text (stream: SSE chunks, then [DONE])
 *   POST /v1/chat/completions    messages → chat template → text (the same, as chat chunks)
 *   POST /tokenize, /detokenize  llama.cpp server's shapes
 *   GET  /                       the chat page
 *
 * Bad requests get OpenAI-style errors (api-error.ts) and never a 500.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import type { Model } from "../generation/model.js";
import { ApiError, invalid } from "./api-error.js";
import { ChatTemplate, parseMessages } from "./chat-template.js";
import type { TokenLogprob } from "./logprobs.js";
import { chatPage, preactHtm } from "./page.js";
import type { GenerationRequest, GenerationResult, Scheduler } from "./scheduler.js";
import { asBody, optionalBoolean, optionalNumber, stopStrings, type Body } from "./validate.js";

export interface ServerState {
  model?: Model; // undefined while loading
  scheduler?: Scheduler;
  template?: ChatTemplate;
  readonly modelId: string;
  readonly apiKey?: string;
  readonly contextLength: number;
  readonly maxBodyBytes: number;
}

const created = () => Math.floor(Date.now() / 1000);

export function createApp(state: ServerState): Hono {
  const app = new Hono();

  app.onError((e, c) => {
    const error = e instanceof ApiError ? e : new ApiError(500, `internal error: ${(e as Error).message}`, "server_error");
    if (error.status === 429) c.header("Retry-After", "1");
    return c.json(error.body, error.status);
  });
  app.notFound((c) => c.json(new ApiError(404, `no route ${c.req.method} ${c.req.path}`, "not_found_error", null, "unknown_url").body, 404));

  app.use("*", bodyLimit({ maxSize: state.maxBodyBytes, onError: () => { throw new ApiError(413, `the request body is larger than ${state.maxBodyBytes} bytes`, "invalid_request_error", null, "request_too_large"); } }));
  app.use("/v1/*", async (c, next) => {
    if (state.apiKey !== undefined && c.req.header("authorization") !== `Bearer ${state.apiKey}`) {
      throw new ApiError(401, "invalid or missing API key (send Authorization: Bearer KEY)", "authentication_error", null, "invalid_api_key");
    }
    await next();
  });

  app.get("/", (c) => c.html(chatPage(state.modelId)));
  app.get("/assets/preact-htm.js", (c) => c.body(preactHtm(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=3600" }));
  app.get("/health", (c) => (state.model ? c.json({ status: "ok" }) : c.json({ status: "loading" }, 503)));
  app.get("/v1/models", (c) => c.json({ object: "list", data: [{ id: state.modelId, object: "model", created: 0, owned_by: "glassbox" }] }));

  app.post("/tokenize", async (c) => {
    const body = await jsonBody(c);
    const { model } = ready(state);
    if (typeof body.content !== "string") throw invalid("'content' must be a string", "content", "invalid_type");
    const addSpecial = optionalBoolean(body, "add_special") ?? false;
    return c.json({ tokens: model.tokenizer.encode(body.content, { addSpecial }) });
  });

  app.post("/detokenize", async (c) => {
    const body = await jsonBody(c);
    const { model } = ready(state);
    const tokens = body.tokens;
    const V = model.config.vocabSize;
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0 && t < V)) throw invalid(`'tokens' must be an array of token ids in 0..${V - 1}`, "tokens", "invalid_value");
    return c.json({ content: model.tokenizer.decode(tokens as number[]) });
  });

  app.post("/v1/completions", async (c) => {
    const body = await jsonBody(c);
    const { model } = ready(state);
    checkModel(state, body);
    let prompt = body.prompt;
    if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") prompt = prompt[0];
    if (typeof prompt !== "string") throw invalid("'prompt' must be a string", "prompt", "invalid_type");
    const logprobs = optionalNumber(body, "logprobs", { min: 0, max: 20, integer: true }) ?? null;
    const promptIds = model.encodePrompt(prompt);
    return respond(c, state, body, promptIds, logprobs, "text_completion");
  });

  app.post("/v1/chat/completions", async (c) => {
    const body = await jsonBody(c);
    const { model } = ready(state);
    checkModel(state, body);
    const messages = parseMessages(body.messages);
    const logprobs = (optionalBoolean(body, "logprobs") ?? false) ? optionalNumber(body, "top_logprobs", { min: 0, max: 20, integer: true }) ?? 0 : null;
    let prompt: string;
    try {
      prompt = state.template!.render(messages, true);
    } catch (e) {
      // templates raise their own errors ("roles must alternate user/assistant", ...): the client's to fix
      throw invalid(`the model's chat template refused these messages: ${(e as Error).message}`, "messages", "invalid_messages");
    }
    const promptIds = model.encodePrompt(prompt);
    return respond(c, state, body, promptIds, logprobs, "chat.completion", state.template!.stops);
  });

  return app;
}

async function jsonBody(c: Context): Promise<Body> {
  const text = await c.req.text();
  try {
    return asBody(JSON.parse(text));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw invalid(`the request body is not valid JSON: ${(e as Error).message}`, null, "invalid_json");
  }
}

function ready(state: ServerState): { model: Model; scheduler: Scheduler } {
  if (!state.model || !state.scheduler) throw new ApiError(503, "the model is still loading", "server_error", null, "loading");
  return { model: state.model, scheduler: state.scheduler };
}

function checkModel(state: ServerState, body: Body): void {
  if (body.model !== undefined && body.model !== state.modelId) {
    throw new ApiError(404, `the model '${String(body.model)}' does not exist; this server has '${state.modelId}'`, "not_found_error", "model", "model_not_found");
  }
}

/** Runs a completion or chat completion, streamed (SSE) or whole, in OpenAI's response shapes. */
async function respond(c: Context, state: ServerState, body: Body, promptIds: number[], logprobs: number | null, kind: "text_completion" | "chat.completion", templateStops: readonly string[] = []) {
  const { model, scheduler } = ready(state);
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw invalid("only 'n' = 1 is supported: ask again for more choices", "n", "unsupported_value");
  const context = state.contextLength;
  if (promptIds.length === 0) throw invalid("the prompt is empty and this model has no BOS token to start from", kind === "chat.completion" ? "messages" : "prompt", "empty_prompt");
  if (promptIds.length >= context) {
    throw invalid(`this model's context is ${context} tokens, and the prompt alone has ${promptIds.length} tokens (at least one must be left to generate)`, kind === "chat.completion" ? "messages" : "prompt", "context_length_exceeded");
  }
  const asked = optionalNumber(body, "max_completion_tokens", { min: 1, integer: true }) ?? optionalNumber(body, "max_tokens", { min: 1, integer: true });
  const maxTokens = Math.min(asked ?? Infinity, context - promptIds.length);
  const temperature = optionalNumber(body, "temperature", { min: 0, max: 2 }) ?? 1;
  const request: Omit<GenerationRequest, "signal" | "onText"> = {
    promptIds,
    maxTokens,
    sampling: {
      temperature,
      topP: optionalNumber(body, "top_p", { min: 0, max: 1 }) ?? 1,
      topK: optionalNumber(body, "top_k", { min: 0, integer: true }) ?? 0,
      minP: optionalNumber(body, "min_p", { min: 0, max: 1 }) ?? 0,
      presencePenalty: optionalNumber(body, "presence_penalty", { min: -2, max: 2 }) ?? 0,
      frequencyPenalty: optionalNumber(body, "frequency_penalty", { min: -2, max: 2 }) ?? 0,
    },
    seed: optionalNumber(body, "seed", { integer: true }),
    stop: [...stopStrings(body), ...templateStops],
    logprobs,
    ignoreEos: optionalBoolean(body, "ignore_eos") ?? false,
  };
  const stream = optionalBoolean(body, "stream") ?? false;
  const includeUsage = stream && typeof body.stream_options === "object" && body.stream_options !== null && (body.stream_options as { include_usage?: unknown }).include_usage === true;
  const id = `${kind === "chat.completion" ? "chatcmpl" : "cmpl"}-${randomUUID().replace(/-/g, "").slice(0, 24)}`;
  const base = { id, object: kind, created: created(), model: state.modelId };
  const usage = (r: GenerationResult) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens, prompt_tokens_details: { cached_tokens: r.cachedTokens } });
  const tokenText = (t: number) => model.tokenizer.decode([t], { skipSpecial: false });
  const bytes = (s: string) => [...Buffer.from(s, "utf8")];
  const chatLogprobs = (lps: TokenLogprob[]) => ({
    content: lps.map((lp) => ({ token: tokenText(lp.id), logprob: lp.logprob, bytes: bytes(tokenText(lp.id)), top_logprobs: lp.top.map((t) => ({ token: tokenText(t.id), logprob: t.logprob, bytes: bytes(tokenText(t.id)) })) })),
  });
  const completionLogprobs = (lps: TokenLogprob[], offset: number) => {
    const offsets: number[] = [];
    let at = offset;
    for (const lp of lps) {
      offsets.push(at);
      at += tokenText(lp.id).length;
    }
    return { tokens: lps.map((lp) => tokenText(lp.id)), token_logprobs: lps.map((lp) => lp.logprob), top_logprobs: lps.map((lp) => Object.fromEntries(lp.top.map((t) => [tokenText(t.id), t.logprob]))), text_offset: offsets };
  };

  if (!stream) {
    const controller = new AbortController();
    c.req.raw.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const result = await scheduler.submit({ ...request, signal: controller.signal });
    const choice = kind === "chat.completion"
      ? { index: 0, message: { role: "assistant", content: result.text }, logprobs: logprobs === null ? null : chatLogprobs(result.logprobs), finish_reason: result.finishReason }
      : { index: 0, text: result.text, logprobs: logprobs === null ? null : completionLogprobs(result.logprobs, 0), finish_reason: result.finishReason };
    return c.json({ ...base, choices: [choice], usage: usage(result) });
  }

  // streamed: the scheduler may refuse (429) before any byte is sent, so submit first
  const chunkKind = kind === "chat.completion" ? "chat.completion.chunk" : "text_completion";
  const controller = new AbortController();
  const pieces: { text: string; logprobs: TokenLogprob[] }[] = [];
  let wake: (() => void) | undefined;
  const done = scheduler.submit({ ...request, signal: controller.signal, onText: (text, lps) => { pieces.push({ text, logprobs: lps }); wake?.(); } });
  let finished = false;
  let failure: unknown;
  const result = done.then((r) => r, (e) => { failure = e; return undefined; }).finally(() => { finished = true; wake?.(); });
  return streamSSE(c, async (sse) => {
    sse.onAbort(() => controller.abort());
    const send = (payload: unknown) => sse.writeSSE({ data: JSON.stringify(payload) });
    if (kind === "chat.completion") await send({ ...base, object: chunkKind, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] });
    let offset = 0;
    for (;;) {
      while (pieces.length > 0) {
        const piece = pieces.shift()!;
        const lp = logprobs === null ? null : kind === "chat.completion" ? chatLogprobs(piece.logprobs) : completionLogprobs(piece.logprobs, offset);
        offset += piece.text.length;
        await send(kind === "chat.completion"
          ? { ...base, object: chunkKind, choices: [{ index: 0, delta: { content: piece.text }, logprobs: lp, finish_reason: null }] }
          : { ...base, object: chunkKind, choices: [{ index: 0, text: piece.text, logprobs: lp, finish_reason: null }] });
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    const r = await result;
    if (!r) {
      const error = failure instanceof ApiError ? failure : new ApiError(500, `internal error: ${(failure as Error)?.message}`, "server_error");
      await send(error.body);
    } else {
      await send(kind === "chat.completion"
        ? { ...base, object: chunkKind, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: r.finishReason }] }
        : { ...base, object: chunkKind, choices: [{ index: 0, text: "", logprobs: null, finish_reason: r.finishReason }] });
      if (includeUsage) await send({ ...base, object: chunkKind, choices: [], usage: usage(r) });
    }
    await sse.writeSSE({ data: "[DONE]" });
  });
}
