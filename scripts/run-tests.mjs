// Runs every compiled test file (dist/src/**/*.test.js, dist/test/**/*.test.js) with node's built-in test runner.
// Node 20's `node --test` takes no globs, so the files are listed here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = ["dist/src", "dist/test"].flatMap((dir) => find(dir)).filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
const result = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
