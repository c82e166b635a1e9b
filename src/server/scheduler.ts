/**
 * Runs generation requests on `parallel` slots, each with its own KV cache, behind a bounded queue.
 *
 * A request takes the free slot whose cache already holds the longest prefix of its prompt, so the next
 * turn of a chat prefills only what is new. Slots decode concurrently: each generation yields to the event
 * loop after every token, so active sequences take turns step by step, and a sequence joins or leaves
 * between steps (not yet one batched forward pass for all of them: each step is its own forward). A
 * request whose client has gone (its AbortSignal fires) stops at the next token and frees its slot. When
 * every slot is busy and the queue is full, `submit` throws a 429 with a retry hint.
 */
import type { GenerationStats } from "../generation/generate.js";
import { emptyStats, generateIds } from "../generation/generate.js";
import type { Model } from "../generation/model.js";
import type { SamplingOptions } from "../generation/samplers.js";
import { StopStringFilter } from "../generation/stop-strings.js";
import type { KvCache } from "../nn/kv-cache.js";
import { StreamingDecoder } from "../tokenizers/streaming-decoder.js";
import { ApiError } from "./api-error.js";
import { tokenLogprob, type TokenLogprob } from "./logprobs.js";

export interface GenerationRequest {
  readonly promptIds: readonly number[];
  readonly maxTokens: number;
  readonly sampling: SamplingOptions;
  readonly seed?: number;
  readonly stop: readonly string[];
  readonly logprobs: number | null; // how many alternatives per token; null: none
  readonly signal: AbortSignal;
  /** Each piece of text as it becomes final, with the log-probabilities of the tokens behind it. */
  readonly onText?: (text: string, logprobs: TokenLogprob[]) => void;
}

export interface GenerationResult {
  readonly text: string;
  readonly ids: number[];
  readonly finishReason: "stop" | "length";
  readonly promptTokens: number;
  readonly cachedTokens: number; // prompt tokens the slot's cache already held
  readonly completionTokens: number;
  readonly logprobs: TokenLogprob[];
  readonly stats: GenerationStats;
}

interface Slot {
  readonly cache: KvCache;
  tokens: number[]; // what the cache holds, position by position
  busy: boolean;
}

const commonPrefix = (a: readonly number[], b: readonly number[]) => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};

export class Scheduler {
  private readonly slots: Slot[];
  private readonly waiting: { request: GenerationRequest; resolve: (r: GenerationResult) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly model: Model, readonly parallel: number, readonly queueLimit: number, readonly contextLength: number) {
    this.slots = Array.from({ length: parallel }, () => ({ cache: model.network.newCache(contextLength), tokens: [], busy: false }));
  }

  /** Requests running and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.slots.filter((s) => s.busy).length, waiting: this.waiting.length };
  }

  submit(request: GenerationRequest): Promise<GenerationResult> {
    const slot = this.pickSlot(request.promptIds);
    if (slot) return this.run(slot, request);
    if (this.waiting.length >= this.queueLimit) {
      throw new ApiError(429, `the server is busy: ${this.parallel} sequences running and ${this.waiting.length} waiting; retry shortly`, "rate_limit_error", null, "queue_full");
    }
    return new Promise((resolve, reject) => {
      const entry = { request, resolve, reject };
      this.waiting.push(entry);
      request.signal.addEventListener("abort", () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error("client went away"));
      }, { once: true });
    });
  }

  /** The free slot whose cache shares the longest prefix with the prompt. */
  private pickSlot(promptIds: readonly number[]): Slot | undefined {
    let best: Slot | undefined;
    let bestLength = -1;
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const n = commonPrefix(slot.tokens, promptIds);
      if (n > bestLength) [best, bestLength] = [slot, n];
    }
    return best;
  }

  private async run(slot: Slot, request: GenerationRequest): Promise<GenerationResult> {
    slot.busy = true;
    try {
      return await this.generate(slot, request);
    } finally {
      slot.busy = false;
      const next = this.waiting.shift();
      if (next) this.run(this.pickSlot(next.request.promptIds) ?? slot, next.request).then(next.resolve, next.reject);
    }
  }

  private async generate(slot: Slot, request: GenerationRequest): Promise<GenerationResult> {
    const { model } = this;
    // keep the part of the cache that matches the prompt (at least one prompt token is always recomputed)
    const cachedTokens = Math.min(commonPrefix(slot.tokens, request.promptIds), request.promptIds.length - 1);
    slot.cache.truncate(cachedTokens);
    slot.tokens = slot.tokens.slice(0, cachedTokens);
    const decoder = new StreamingDecoder(model.tokenizer);
    decoder.prime(request.promptIds);
    const stops = new StopStringFilter(request.stop);
    const stats = emptyStats();
    const ids: number[] = [];
    const logprobs: TokenLogprob[] = [];
    let pending: TokenLogprob[] = []; // log-probabilities of tokens whose text is not out yet
    let text = "";
    let finishReason: "stop" | "length" = "length";
    const emit = (piece: string) => {
      if (!piece) return;
      text += piece;
      request.onText?.(piece, pending);
      pending = [];
    };
    const onLogits = request.logprobs === null ? undefined : (id: number, logits: Float32Array) => {
      const lp = tokenLogprob(logits, id, request.logprobs!);
      logprobs.push(lp);
      pending.push(lp);
    };
    try {
      for await (const id of generateIds(model.network, request.promptIds, { ...request.sampling, seed: request.seed, maxTokens: request.maxTokens, eosIds: model.eosIds, cache: slot.cache, onLogits }, stats)) {
        ids.push(id);
        emit(stops.push(decoder.push(id)));
        if (stops.stopped) {
          finishReason = "stop";
          break;
        }
        if (request.signal.aborted) break;
      }
      if (stats.stopReason === "eos") finishReason = "stop";
      if (!stops.stopped) emit(stops.push(decoder.flush()) + stops.flush());
    } finally {
      // what the cache holds now: the prompt, then the generated tokens that were fed back
      slot.tokens = [...request.promptIds, ...ids].slice(0, slot.cache.length);
    }
    return { text, ids, finishReason, promptTokens: request.promptIds.length, cachedTokens, completionTokens: ids.length, logprobs, stats };
  }
}
