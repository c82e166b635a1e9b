/**
 * The contracts of `generate`, `forward` and `info` (DESIGN.md): what goes to stdout, what to stderr,
 * one-line JSON, exit codes. Run through ./bin/glassbox as a user would.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { Model } from "../../src/generation/model.js";
import { fixtureDir, referenceLogits, relativeError } from "../support/model-fixtures.js";

const BIN = new URL("../../../bin/glassbox", import.meta.url).pathname;
const L2C = new URL("../../../test/fixtures/llama2c/", import.meta.url).pathname;
const MODEL = ["--model", `${L2C}separate.bin`, "--tokenizer", `${L2C}tokenizer.bin`];

function glassbox(...args: string[]) {
  const r = spawnSync(BIN, args, { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("generate --temperature 0 prints only the continuation, the same text as the library's greedy generation", async () => {
  const expected = await Model.load(`${L2C}separate.bin`, { tokenizer: `${L2C}tokenizer.bin` }).generate("the king said", { temperature: 0, maxTokens: 20 }).text();
  const r = glassbox("generate", ...MODEL, "--prompt", "the king said", "--temperature", "0", "--max-tokens", "20");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, expected);
  assert.ok(!r.stdout.includes("the king said"), "the prompt is not echoed");
  assert.equal(r.stderr, "");
});

test("generate --json prints one line {text, ids}; --stats adds prefill and decode speed; seeds reproduce", () => {
  const r = glassbox("generate", ...MODEL, "--prompt", "the king", "--max-tokens", "12", "--seed", "7", "--json", "--stats", "--threads", "2");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split("\n").length, 2, "exactly one line");
  const out = JSON.parse(r.stdout) as { text: string; ids: number[]; stats: Record<string, unknown> };
  assert.deepEqual(Object.keys(out), ["text", "ids", "stats"]);
  assert.equal(out.ids.length, 12);
  assert.deepEqual(Object.keys(out.stats), ["promptTokens", "generatedTokens", "prefillTokensPerSecond", "decodeTokensPerSecond", "threads", "backend"]);
  assert.equal(out.stats.generatedTokens, 12);
  assert.equal(out.stats.threads, 2);
  assert.equal(out.stats.backend, "wasm");
  assert.ok((out.stats.decodeTokensPerSecond as number) > 0 && (out.stats.prefillTokensPerSecond as number) > 0);
  const again = JSON.parse(glassbox("generate", ...MODEL, "--prompt", "the king", "--max-tokens", "12", "--seed", "7", "--json").stdout) as { ids: number[] };
  assert.deepEqual(again.ids, out.ids);
  const reference = JSON.parse(glassbox("generate", ...MODEL, "--prompt", "the king", "--max-tokens", "12", "--seed", "7", "--json", "--backend", "reference").stdout) as { ids: number[] };
  assert.deepEqual(reference.ids, out.ids, "the reference backend draws the same tokens");
  const plain = glassbox("generate", ...MODEL, "--prompt", "the king", "--max-tokens", "5", "--stats");
  assert.match(plain.stderr, /prefill [\d.]+ tokens\/s; generated 5 tokens, decode [\d.]+ tokens\/s/);
});

test("forward --json prints one line of logits per position, equal to the PyTorch reference", () => {
  const dir = fixtureDir("llama", "f32");
  const { ids, logits } = referenceLogits(dir);
  const r = glassbox("forward", "--model", dir, "--ids", ids.join(","), "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split("\n").length, 2);
  const out = JSON.parse(r.stdout) as { logits: number[][] };
  assert.equal(out.logits.length, ids.length);
  assert.ok(relativeError(out.logits.flat(), logits) <= 1e-4);
});

test("forward --trace records named intermediates: attention rows sum to 1 and are causal, MoE picks k experts", () => {
  const dir = fixtureDir("mixtral", "f32");
  const r = glassbox("forward", "--model", dir, "--ids", "5,6,7,8", "--json", "--trace", "attn_probs,moe_experts,moe_weights,resid,logits");
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { logits: number[][]; trace: { name: string; layer: number | null; shape: number[]; values: number[] }[] };
  const probs = out.trace.filter((e) => e.name === "attn_probs");
  assert.equal(probs.length, 2, "one per layer");
  const [H, T, S] = probs[0]!.shape as [number, number, number];
  assert.deepEqual([H, T, S], [4, 4, 4]);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const row = probs[0]!.values.slice((h * T + t) * S, (h * T + t + 1) * S);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.ok(row.slice(t + 1).every((p) => p === 0), "no attention to the future");
    }
  }
  const experts = out.trace.find((e) => e.name === "moe_experts" && e.layer === 0)!;
  const weights = out.trace.find((e) => e.name === "moe_weights" && e.layer === 0)!;
  assert.deepEqual(experts.shape, [4, 2]);
  for (let t = 0; t < 4; t++) assert.ok(Math.abs(weights.values[2 * t]! + weights.values[2 * t + 1]! - 1) < 1e-6, "renormalized top-2 weights");
  const logits = out.trace.find((e) => e.name === "logits")!;
  assert.deepEqual(logits.values, out.logits.flat(), "the traced logits are the output");
});

test("info --json describes the model without loading it", () => {
  const r = glassbox("info", "--model", fixtureDir("qwen2", "bf16"), "--json");
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, any>;
  assert.equal(info.architecture, "qwen2");
  assert.equal(info.family, "llama");
  assert.equal(info.parameters, 28960); // as counted by scripts/reference/make_model_fixtures.py
  assert.deepEqual(info.dtypes, { bf16: 28960 });
  assert.equal(info.tiedEmbeddings, true);
  assert.equal(info.memory.kvCacheBytesPerToken, 2 * 2 * 2 * 8 * 4); // K and V × layers × kv heads × head size × f32
  const human = glassbox("info", "--model", `${L2C}shared.bin`);
  assert.match(human.stdout, /architecture\s+llama2\.c/);
  assert.match(human.stdout, /2 layers, dim 32, 4 heads \(2 kv\)/);
});

test("model commands: user errors are one line on stderr with exit code 2", () => {
  const cases: [string[], RegExp][] = [
    [["generate", "--model", "/nonexistent/model.gguf", "--prompt", "x"], /\/nonexistent\/model\.gguf: no such file or directory/],
    [["generate", ...MODEL, "--prompt", "the king ".repeat(80), "--max-tokens", "5"], /prompt: \d+ tokens do not fit the model's context of 128 tokens/],
    [["generate", ...MODEL, "--prompt", "x", "--temperature", "hot"], /--temperature: "hot" is not a number/],
    [["forward", "--model", fixtureDir("gpt2", "f32"), "--ids", "1,2,9999"], /--ids: token id 9999 is out of range/],
    [["forward", "--model", fixtureDir("gpt2", "f32"), "--ids", "1", "--trace", "nope"], /--trace: unknown name "nope"/],
  ];
  for (const [args, message] of cases) {
    const r = glassbox(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
  }
});
