/**
 * Writes `.tiktoken` rank files from the ranks js-tiktoken ships (the reference's own data), so tests and
 * benchmarks load real encodings without network access. Files go to test/.cache (git-ignored).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

export const CACHE_DIR = new URL("../../../test/.cache/", import.meta.url).pathname;

interface JsTiktokenRanks {
  bpe_ranks: string;
}

export async function tiktokenFile(name: "r50k_base" | "p50k_base" | "cl100k_base" | "o200k_base"): Promise<string> {
  const path = `${CACHE_DIR}${name}.tiktoken`;
  if (existsSync(path)) return path;
  const ranks = ((await import(`js-tiktoken/ranks/${name}`)) as { default: JsTiktokenRanks }).default;
  const lines: string[] = [];
  for (const row of ranks.bpe_ranks.split("\n")) {
    if (!row) continue;
    const [, offset, ...tokens] = row.split(" ");
    tokens.forEach((token, i) => lines.push(`${token} ${Number(offset) + i}`));
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
