/**
 * A character-level vocabulary (nanoGPT's shakespeare_char): one token per distinct character of the
 * training text, ids in code-point order (Python's sorted(set(text))). It is written as a Hugging Face
 * tokenizer.json — a BPE model without merges, no normalizer or pre-tokenizer, and the Fuse decoder — so
 * Hugging Face tokenizers and glassbox load it and encode any text made of those characters identically,
 * one id per character.
 */
import { bpeTokenizerJson } from "./export.js";

export function characterVocabulary(text: string): string[] {
  const chars = new Set<string>();
  for (const ch of text) chars.add(ch); // iterates code points, so astral characters stay whole
  return [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

export function charTokenizerJson(chars: readonly string[]): object {
  return bpeTokenizerJson({ addedTokens: [], preTokenizer: null, decoder: { type: "Fuse" }, vocab: Object.fromEntries(chars.map((ch, id) => [ch, id])), merges: [] });
}
