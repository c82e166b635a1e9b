/**
 * Runs generation requests on `parallel` slots, each with its own KV cache, behind a bounded queue.
 *
 * A request takes the free slot whose cache already holds the longest prefix of its prompt, so the next
 * turn of a chat prefills only what is new. Continuous batching: a new sequence is prefilled when it gets
 * its slot, then joins the decode loop, where every step feeds the last token of each active sequence
 * through ONE forward pass (LanguageModel.forwardBatch: the weights are read once for all of them) and
 * samples each sequence's next token with its own sampler and random stream; sequences join and leave
 * between steps. A request whose client has gone (its AbortSignal fires) leaves at the next step and frees
 * its slot. When every slot is busy and the queue is full, `submit` throws a 429 with a retry hint.
 */
import { Rng } from "../core/rng.js";
import { emptyStats, type GenerationStats } from "../generation/generate.js";
import type { Model } from "../generation/model.js";
import { sampleToken, samplerChain, type SamplerChain, type SamplingOptions } from "../generation/samplers.js";
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
  readonly ignoreEos?: boolean; // generate through end-of-text (llama.cpp server's ignore_eos; benchmarks)
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

  /** Prefills the request on its slot, then hands it to the decode loop; resolves when it finishes. */
  private run(slot: Slot, request: GenerationRequest): Promise<GenerationResult> {
    slot.busy = true;
    return new Promise<GenerationResult>((resolve, reject) => {
      try {
        const sequence = this.prefill(slot, request, resolve);
        if (sequence) {
          this.active.push(sequence);
          this.startLoop();
        }
      } catch (e) {
        this.release(slot);
        reject(e);
      }
    });
  }

  private readonly active: Sequence[] = [];
  private looping = false;

  /** The decode loop: while sequences are active, one batched forward pass per step. */
  private startLoop(): void {
    if (this.looping) return;
    this.looping = true;
    const step = () => {
      const running = this.active.filter((s) => !this.finishIfAborted(s));
      this.active.splice(0, this.active.length, ...running);
      if (running.length === 0) {
        this.looping = false;
        return;
      }
      const started = performance.now();
      const logits = this.model.network.forwardBatch(running.map((s) => ({ ids: [s.next], cache: s.slot.cache })));
      const V = this.model.config.vocabSize;
      const ms = (performance.now() - started) / running.length;
      running.forEach((s, i) => {
        s.stats.decodeMs += ms;
        this.advance(s, logits.subarray(i * V, (i + 1) * V));
      });
      this.active.splice(0, this.active.length, ...this.active.filter((s) => !s.finished));
      setImmediate(step); // let the event loop deliver streamed text and new requests between steps
    };
    setImmediate(step);
  }

  /** Starts a sequence: reuse the cached prefix, run the rest of the prompt, sample the first token. */
  private prefill(slot: Slot, request: GenerationRequest, resolve: (r: GenerationResult) => void): Sequence | undefined {
    const { model } = this;
    const cachedTokens = Math.min(commonPrefix(slot.tokens, request.promptIds), request.promptIds.length - 1);
    slot.cache.truncate(cachedTokens);
    slot.tokens = slot.tokens.slice(0, cachedTokens);
    const decoder = new StreamingDecoder(model.tokenizer);
    decoder.prime(request.promptIds);
    const sequence: Sequence = {
      slot, request, resolve, cachedTokens, decoder, chain: samplerChain(request.sampling),
      rng: new Rng(request.seed ?? Math.floor(Math.random() * 2 ** 32)),
      stops: new StopStringFilter(request.stop),
      eos: new Set(request.ignoreEos ? [] : model.eosIds),
      history: [...request.promptIds], ids: [], logprobs: [], pending: [], text: "", next: -1, finished: false,
      stats: emptyStats(),
    };
    sequence.stats.promptTokens = request.promptIds.length;
    const started = performance.now();
    const logits = model.network.forward(request.promptIds.slice(cachedTokens), slot.cache, undefined, "last"); // (1, V)
    sequence.stats.prefillMs = performance.now() - started;
    this.advance(sequence, logits);
    return sequence.finished ? undefined : sequence;
  }

  /** Samples a sequence's next token from its logits and emits text; finishes it at EOS, a stop, or a limit. */
  private advance(s: Sequence, logits: Float32Array): void {
    const { request } = s;
    const id = sampleToken(s.chain, logits, s.history, () => s.rng.next());
    if (s.eos.has(id)) return this.finish(s, "stop", "eos");
    s.ids.push(id);
    s.history.push(id);
    if (request.logprobs !== null) {
      const lp = tokenLogprob(logits, id, request.logprobs);
      s.logprobs.push(lp);
      s.pending.push(lp);
    }
    this.emit(s, s.stops.push(s.decoder.push(id)));
    if (s.stops.stopped) return this.finish(s, "stop", "stop");
    if (s.ids.length >= request.maxTokens) return this.finish(s, "length", "length");
    if (s.slot.cache.length >= s.slot.cache.capacity) return this.finish(s, "length", "context");
    s.next = id;
  }

  private emit(s: Sequence, piece: string): void {
    if (!piece) return;
    s.text += piece;
    s.request.onText?.(piece, s.pending);
    s.pending = [];
  }

  private finishIfAborted(s: Sequence): boolean {
    if (s.request.signal.aborted && !s.finished) this.finish(s, "stop", "stop");
    return s.finished;
  }

  private finish(s: Sequence, reason: "stop" | "length", stopReason: GenerationStats["stopReason"]): void {
    if (!s.stops.stopped) this.emit(s, s.stops.push(s.decoder.flush()) + s.stops.flush());
    s.finished = true;
    s.stats.stopReason = stopReason;
    s.stats.generatedTokens = s.ids.length;
    // what the cache holds now: the prompt, then the generated tokens that were fed back
    s.slot.tokens = [...s.request.promptIds, ...s.ids].slice(0, s.slot.cache.length);
    s.resolve({ text: s.text, ids: s.ids, finishReason: reason, promptTokens: s.request.promptIds.length, cachedTokens: s.cachedTokens, completionTokens: s.ids.length, logprobs: s.logprobs, stats: s.stats });
    this.release(s.slot);
  }

  /** Frees a slot and gives it to the next waiting request. */
  private release(slot: Slot): void {
    slot.busy = false;
    const next = this.waiting.shift();
    if (next) this.run(this.pickSlot(next.request.promptIds) ?? slot, next.request).then(next.resolve, next.reject);
  }
}

/** One running request in the decode loop. */
interface Sequence {
  readonly slot: Slot;
  readonly request: GenerationRequest;
  readonly resolve: (r: GenerationResult) => void;
  readonly cachedTokens: number;
  readonly decoder: StreamingDecoder;
  readonly chain: SamplerChain;
  readonly rng: Rng;
  readonly stops: StopStringFilter;
  readonly eos: ReadonlySet<number>;
  readonly history: number[];
  readonly ids: number[];
  readonly logprobs: TokenLogprob[];
  pending: TokenLogprob[];
  text: string;
  next: number; // the token to feed at the next step
  finished: boolean;
  readonly stats: GenerationStats;
}
