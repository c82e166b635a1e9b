/**
 * A text for perplexity tests, made deterministically (no data files needed): seeded random sentences
 * of common English words. The recorded llama-perplexity values were computed on exactly this text.
 */
import { Rng } from "../../src/core/rng.js";

const WORDS = "the king said to his lord that all men of the court shall hear me speak and we will go where the night is long but love is true I pray you good sir what news from the city tomorrow".split(" ");

export function perplexityText(seed = 5, sentences = 400): string {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const words = Array.from({ length: 5 + rng.int(10) }, () => rng.pick(WORDS));
    out.push(words[0]!.charAt(0).toUpperCase() + words.join(" ").slice(1) + (rng.next() < 0.2 ? "?" : "."));
  }
  return out.join(" ") + "\n";
}
