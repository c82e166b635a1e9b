/**
 * Broken model files fail with one line naming the file, tensor or field and the problem — never a crash,
 * a hang or a huge allocation.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ReferenceBackend } from "../../src/backends/reference/reference-backend.js";
import { WasmBackend } from "../../src/backends/wasm/wasm-backend.js";
import { UserError } from "../../src/core/errors.js";
import { GgufType } from "../../src/formats/gguf.js";
import { serializeGguf } from "../../src/formats/gguf-writer.js";
import { readSafetensorsHeader, writeSafetensors } from "../../src/formats/safetensors.js";
import { TensorReader } from "../../src/formats/stored-tensor.js";
import { writeHfAsGguf } from "../../src/models/export-gguf.js";
import { loadLanguageModel } from "../../src/models/load.js";
import { fixtureDir } from "../support/model-fixtures.js";

const backend = new ReferenceBackend();
const tmp = () => mkdtempSync(join(tmpdir(), "glassbox-bad-"));

/** A copy of a fixture directory whose config.json has been edited. */
function withConfig(family: string, edit: (c: Record<string, unknown>) => void): string {
  const dir = tmp();
  const src = fixtureDir(family, "f32");
  copyFileSync(join(src, "model.safetensors"), join(dir, "model.safetensors"));
  const config = JSON.parse(readFileSync(join(src, "config.json"), "utf8")) as Record<string, unknown>;
  edit(config);
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

function assertUserError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

test("truncated GGUF: the header or a tensor reaching past the end is named", () => {
  const dir = tmp();
  const gguf = join(dir, "model.gguf");
  writeHfAsGguf(fixtureDir("llama", "f32"), gguf);
  const bytes = readFileSync(gguf);
  for (const cut of [10, 200, bytes.length - 100]) {
    writeFileSync(join(dir, "cut.gguf"), bytes.subarray(0, cut));
    assertUserError(() => loadLanguageModel(join(dir, "cut.gguf"), backend), /cut\.gguf: (truncated|.* corrupt or truncated file)/);
  }
});

test("wrong magic, unsupported version, absurd counts: refused before any allocation", () => {
  const dir = tmp();
  writeFileSync(join(dir, "x.gguf"), Buffer.from("GGML but not GGUF at all"));
  assertUserError(() => loadLanguageModel(join(dir, "x.gguf"), backend), /x\.gguf: not a GGUF file/);
  const header = Buffer.alloc(24);
  header.write("GGUF", 0, "latin1");
  header.writeUInt32LE(3, 4);
  header.writeBigUInt64LE(2n ** 60n, 8); // 2^60 tensors
  writeFileSync(join(dir, "huge.gguf"), header);
  assertUserError(() => loadLanguageModel(join(dir, "huge.gguf"), backend), /huge\.gguf: tensor count \d+ .* larger than the file can hold/);
  header.writeUInt32LE(9, 4);
  writeFileSync(join(dir, "v9.gguf"), header);
  assertUserError(() => loadLanguageModel(join(dir, "v9.gguf"), backend), /unsupported GGUF version 9/);
});

test("a tensor whose shape disagrees with config.json names the tensor and both shapes", () => {
  const dir = withConfig("llama", (c) => (c.intermediate_size = 96));
  assertUserError(() => loadLanguageModel(dir, backend), /tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \(64, 32\), the config implies \(96, 32\)/);
});

test("a missing tensor is named", () => {
  const dir = tmp();
  const src = join(fixtureDir("gpt2", "f32"), "model.safetensors");
  const reader = new TensorReader();
  const kept = readSafetensorsHeader(src).filter((t) => t.name !== "transformer.h.1.mlp.c_fc.bias");
  writeSafetensors(join(dir, "model.safetensors"), kept.map((t) => ({ name: t.name, dtype: t.dtype as "f32", shape: t.shape, bytes: reader.read(t).bytes })));
  reader.close();
  copyFileSync(join(fixtureDir("gpt2", "f32"), "config.json"), join(dir, "config.json"));
  assertUserError(() => loadLanguageModel(dir, backend), /missing tensor "blk\.1\.ffn_up\.bias"/);
});

test("an unsupported quantization type is named with the tensor and the supported list", () => {
  const dir = tmp();
  const meta = new Map([["general.architecture", { type: GgufType.String as const, value: "llama" }]]);
  const q2k = { name: "token_embd.weight", dims: [256, 4], type: 10, data: new Uint8Array(4 * 84) }; // q2_K: 84 bytes per 256
  writeFileSync(join(dir, "q2k.gguf"), serializeGguf(meta, [q2k]));
  assertUserError(() => loadLanguageModel(join(dir, "q2k.gguf"), backend), /tensor "token_embd\.weight" has unsupported quantization type q2_K \(supported: f32, f16, q4_0/);
});

test("unsupported architecture lists the supported ones; a bad config field is named", () => {
  assertUserError(() => loadLanguageModel(withConfig("llama", (c) => (c.model_type = "bert")), backend), /config\.json: model_type "bert" is not supported \(supported: gpt2, llama, mistral, qwen2, mixtral\)/);
  assertUserError(() => loadLanguageModel(withConfig("llama", (c) => (c.hidden_size = "wide")), backend), /config\.json: field "hidden_size" is "wide", expected a number/);
  assertUserError(() => loadLanguageModel(withConfig("llama", (c) => delete c.num_hidden_layers), backend), /config\.json: missing field "num_hidden_layers"/);
});

test("safetensors: a header that is not JSON, or offsets past the end, are refused", () => {
  const dir = tmp();
  const bad = Buffer.alloc(16);
  bad.writeBigUInt64LE(8n);
  bad.write("{not json", 8);
  writeFileSync(join(dir, "model.safetensors"), bad);
  assertUserError(() => readSafetensorsHeader(join(dir, "model.safetensors")), /header is not valid JSON/);
  const header = Buffer.from(JSON.stringify({ w: { dtype: "F32", shape: [1000], data_offsets: [0, 4000] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, "short.safetensors"), Buffer.concat([len, header, Buffer.alloc(100)]));
  assertUserError(() => readSafetensorsHeader(join(dir, "short.safetensors")), /truncated: tensor "w" needs bytes/);
});

test("llama2.c: a header that disagrees with the file size is refused", () => {
  const dir = tmp();
  const bytes = readFileSync(new URL("../../../test/fixtures/llama2c/shared.bin", import.meta.url));
  writeFileSync(join(dir, "short.bin"), bytes.subarray(0, bytes.length - 64));
  assertUserError(() => loadLanguageModel(join(dir, "short.bin"), backend), /short\.bin: truncated: the header's sizes need \d+ bytes, the file has \d+/);
  const garbage = Buffer.from(bytes.subarray(0, 64));
  garbage.writeInt32LE(-5, 0);
  writeFileSync(join(dir, "garbage.bin"), garbage);
  assertUserError(() => loadLanguageModel(join(dir, "garbage.bin"), backend), /garbage\.bin: header field dim = -5 is not a plausible size/);
});

test("a model larger than the backend can hold (WebAssembly's 4 GiB) is refused up front, suggesting a smaller quantization", () => {
  class Tiny extends ReferenceBackend {
    override readonly name = "tiny";
    readonly capacity = 10_000;
  }
  assertUserError(() => loadLanguageModel(fixtureDir("llama", "f32"), new Tiny()), /llama-f32: its weights take 0\.00 GiB, more than the tiny backend can hold .* WebAssembly memory ends at 4 GiB\); use a smaller quantization \(e\.g\. glassbox quantize llama-f32 smaller\.gguf --type q4_k_m\)/);
  const wasm = new WasmBackend();
  assert.ok(wasm.capacity < 4 * 2 ** 30 && wasm.capacity > 3.9 * 2 ** 30);
  assertUserError(() => wasm.allocate(5 * 2 ** 30), /model: needs more than WebAssembly's 4 GiB of memory .* use a smaller quantization/);
});
