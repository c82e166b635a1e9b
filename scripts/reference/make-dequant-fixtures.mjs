#!/usr/bin/env node
/**
 * Dequantization fixtures from llama.cpp's own C code: random GGML blocks of every type glassbox reads
 * (scales drawn as finite f16 values, all other bytes random), dequantized by ggml's type_traits
 * to_float through our driver (scripts/reference/llamacpp-logits.cpp, built by build-llamacpp.sh).
 *
 *   node scripts/reference/make-dequant-fixtures.mjs      # writes test/fixtures/quants/{type}.blocks, {type}.f32
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const driver = `${root}bench/peers/llama.cpp/build/bin/glassbox-llamacpp-logits`;
const out = `${root}test/fixtures/quants/`;
mkdirSync(out, { recursive: true });

// type: [ggml type id, weights per block, bytes per block, byte offsets of f16 scale fields]
const TYPES = {
  f16: [1, 1, 2, [0]],
  bf16: [30, 1, 2, []],
  q4_0: [2, 32, 18, [0]],
  q4_1: [3, 32, 20, [0, 2]],
  q5_0: [6, 32, 22, [0]],
  q5_1: [7, 32, 24, [0, 2]],
  q8_0: [8, 32, 34, [0]],
  q4_k: [12, 256, 144, [0, 2]],
  q5_k: [13, 256, 176, [0, 2]],
  q6_k: [14, 256, 210, [208]],
};

let state = 12345;
const byte = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;

/** A random finite f16 bit pattern with magnitude about 2^-12 .. 2^2 (the range real scales live in). */
function f16Scale() {
  const exponent = 3 + (byte() % 14); // biased exponent 3..16
  return ((byte() & 0x80) << 8) | (exponent << 10) | ((byte() << 2) & 0x3ff);
}

for (const [name, [type, perBlock, bytesPerBlock, scaleOffsets]] of Object.entries(TYPES)) {
  const blocks = perBlock === 1 ? 512 : 8;
  const data = Buffer.alloc(blocks * bytesPerBlock);
  for (let i = 0; i < data.length; i++) data[i] = byte();
  for (let b = 0; b < blocks; b++) for (const o of scaleOffsets) data.writeUInt16LE(f16Scale(), b * bytesPerBlock + o);
  if (name === "f16") for (let i = 0; i < blocks; i++) data.writeUInt16LE(f16Scale(), 2 * i);
  writeFileSync(`${out}${name}.blocks`, data);
  execFileSync(driver, ["dequant", String(type), `${out}${name}.blocks`, `${out}${name}.f32`, String(blocks * perBlock)]);
  console.log(`${name}: ${blocks} blocks, ${blocks * perBlock} weights`);
}
