/**
 * Starts the server: listens first (so /health answers 503 while loading), then loads the model, its chat
 * template and the scheduler. Returns a handle that closes the server.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createBackend } from "../backends/select.js";
import { Model } from "../generation/model.js";
import { BUNDLED_MODEL_NAME, bundledModelPath } from "../models/bundled.js";
import { createApp, type ServerState } from "./app.js";
import { ChatTemplate } from "./chat-template.js";
import { Scheduler } from "./scheduler.js";
import { basename } from "node:path";

export interface ServeOptions {
  readonly model?: string; // default: the bundled model
  readonly host?: string;
  readonly port?: number; // 0: any free port
  readonly apiKey?: string;
  readonly parallel?: number;
  readonly queue?: number; // requests waiting beyond the running ones (default 4 × parallel)
  readonly ctx?: number; // default: the model's context
  readonly threads?: number;
  readonly backend?: string;
  readonly maxBodyBytes?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly state: ServerState;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const path = options.model ?? bundledModelPath();
  const modelId = options.model ? basename(path.replace(/\/+$/, "")) : BUNDLED_MODEL_NAME;
  const state: ServerState = { modelId, apiKey: options.apiKey, contextLength: options.ctx ?? 0, maxBodyBytes: options.maxBodyBytes ?? 1 << 20 };
  const app = createApp(state);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: options.host ?? "127.0.0.1", port: options.port ?? 8080 }, () => resolve(s));
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  // load after listening: until then /health says 503
  await new Promise((resolve) => setImmediate(resolve));
  const model = Model.load(path, { backend: createBackend(options.backend, options.threads) });
  const context = Math.min(options.ctx ?? model.config.contextLength, model.config.contextLength);
  const parallel = options.parallel ?? 1;
  Object.assign(state, {
    contextLength: context,
    template: new ChatTemplate(model.loaded.defaults.chatTemplate, {
      bos: model.tokenizer.bosId === undefined ? undefined : model.tokenizer.idToToken(model.tokenizer.bosId),
      eos: model.eosIds[0] === undefined ? undefined : model.tokenizer.idToToken(model.eosIds[0]),
    }),
    scheduler: new Scheduler(model, parallel, options.queue ?? 4 * parallel, context),
    model,
  });
  return {
    url: `http://${host}:${address.port}`,
    state,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      (model.backend as { dispose?: () => void }).dispose?.();
    }),
  };
}
