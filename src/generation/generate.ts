/**
 * The autoregressive loop: prefill the prompt once, then one position per step with the KV cache.
 *
 *   logits = forward(prompt)                      prefill: all prompt positions in one pass
 *   loop:  id = sample(chain(logits[last]))       stop at EOS, max tokens or the end of the context
 *          logits = forward([id])                 decode: one position, attending to the cache
 */
import { Rng } from "../core/rng.js";
import { UserError } from "../core/errors.js";
import type { LanguageModel } from "../models/language-model.js";
import type { KvCache } from "../nn/kv-cache.js";
import { sampleToken, samplerChain, type SamplingOptions } from "./samplers.js";

export type StopReason = "eos" | "stop" | "length" | "context";

export interface TokenLoopOptions extends SamplingOptions {
  readonly maxTokens?: number; // default: until EOS or the end of the context
  readonly seed?: number; // default: random
  readonly eosIds?: readonly number[];
  readonly cache?: KvCache; // continue a cache (its positions must hold a prefix of the prompt)
}

export interface GenerationStats {
  promptTokens: number;
  generatedTokens: number;
  prefillMs: number;
  decodeMs: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  stopReason: StopReason;
}

/**
 * Yields generated ids one by one (the stop token is not yielded). `stats` is filled as it runs.
 * Yields to the event loop between tokens so a server stays responsive.
 */
export async function* generateIds(lm: LanguageModel, promptIds: readonly number[], o: TokenLoopOptions, stats: GenerationStats): AsyncGenerator<number> {
  const context = lm.config.contextLength;
  if (promptIds.length === 0) throw new UserError("prompt", "is empty and the model has no BOS token to start from");
  if (promptIds.length >= context) throw new UserError("prompt", `${promptIds.length} tokens do not fit the model's context of ${context} tokens (at least one must be left to generate)`);
  const rng = new Rng(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  const chain = samplerChain(o);
  const eos = new Set(o.eosIds ?? []);
  const maxTokens = o.maxTokens ?? Infinity;
  // a cache of our own holds what this generation can reach, not the whole context (a long-context model's
  // full cache can be gigabytes), and goes back to the backend when the generation ends
  const ownCache = o.cache === undefined;
  const cache = o.cache ?? lm.newCache(Math.min(context, promptIds.length + maxTokens));
  try {
    stats.promptTokens = promptIds.length;

    // Prefill: reuse whatever prefix of the prompt the cache already holds, run the rest in one pass.
    cache.truncate(Math.min(cache.length, promptIds.length - 1));
    let start = performance.now();
    let logits = lm.forward(promptIds.slice(cache.length), cache, undefined, "last"); // (1, V)
    stats.prefillMs = performance.now() - start;
    stats.prefillTokensPerSecond = (promptIds.length / stats.prefillMs) * 1000;

    const history = [...promptIds];
    stats.stopReason = "length";
    stats.decodeMs = 0;
    for (let n = 0; n < maxTokens; n++) {
      start = performance.now(); // decode time counts sampling and the forward pass, not the consumer
      const id = sampleToken(chain, logits, history, () => rng.next());
      stats.decodeMs += performance.now() - start;
      if (eos.has(id)) {
        stats.stopReason = "eos";
        break;
      }
      stats.generatedTokens = n + 1;
      history.push(id);
      yield id;
      start = performance.now();
      if (cache.length >= context) {
        stats.stopReason = "context";
        break;
      }
      if (n + 1 >= maxTokens) break;
      logits = lm.forward([id], cache);
      stats.decodeMs += performance.now() - start;
      stats.decodeTokensPerSecond = (stats.generatedTokens / stats.decodeMs) * 1000;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (ownCache) cache.release();
  }
}

export function emptyStats(): GenerationStats {
  return { promptTokens: 0, generatedTokens: 0, prefillMs: 0, decodeMs: 0, prefillTokensPerSecond: 0, decodeTokensPerSecond: 0, stopReason: "length" };
}
