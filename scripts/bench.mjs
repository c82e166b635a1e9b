// npm run bench -- NAME: runs dist/bench/NAME.js (compiled from bench/NAME.ts).
import { existsSync, readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--experimental-wasm-relaxed-simd"); // as bin/glassbox does: the wasm backend's relaxed-SIMD build

const name = process.argv[2];
const available = readdirSync(new URL("../dist/bench/", import.meta.url)).filter((f) => f.endsWith(".js") && !f.startsWith("_")).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(2);
}
const url = new URL(`../dist/bench/${name}.js`, import.meta.url);
if (!existsSync(url)) process.exit(2);
await import(url.href);
