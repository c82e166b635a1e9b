#!/usr/bin/env node
// Compiles the WebAssembly kernels (src/backends/wasm/assembly/*.ts, AssemblyScript) to dist/wasm/kernels.wasm.
// Runs in `npm install` (prepare), `npm run build` and `npm test`; needs only the assemblyscript npm package.
//   shared, imported memory (JavaScript owns it; worker threads can share it), SIMD on, no GC runtime.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
mkdirSync(`${root}dist/wasm`, { recursive: true });
const asc = `${root}node_modules/assemblyscript/bin/asc.js`;
// Two builds of the same source: plain SIMD (runs everywhere), and relaxed SIMD (fused multiply-add; Node 20
// gates it behind --experimental-wasm-relaxed-simd, which bin/glassbox turns on). The backend picks the
// relaxed one when the runtime compiles it (src/backends/wasm/wasm-backend.ts).
for (const [out, extra] of [["kernels.wasm", []], ["kernels-relaxed.wasm", ["--enable", "relaxed-simd"]]]) {
  execFileSync(process.execPath, [
    asc,
    `${root}src/backends/wasm/assembly/kernels.ts`,
    "-o", `${root}dist/wasm/${out}`,
    "-O3", "--noAssert", "--runtime", "stub",
    "--importMemory", "--sharedMemory", "--initialMemory", "16", "--maximumMemory", "65536",
    "--enable", "simd", "--enable", "threads", ...extra,
  ], { stdio: "inherit" });
}
