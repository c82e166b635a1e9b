/**
 * Runs a committed reference script under Debian's /usr/bin/python3 (python3-sentencepiece), feeding JSON
 * on stdin. Returns undefined, with the reason printed, where the reference is not installed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const PYTHON = "/usr/bin/python3";
export const REFERENCE_DIR = new URL("../../../scripts/reference/", import.meta.url).pathname;

export function hasPythonModule(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ["-c", `import ${module}`]).status === 0;
}

export function runPython<T>(script: string, args: string[], input: unknown): T {
  const result = spawnSync(PYTHON, [REFERENCE_DIR + script, ...args], {
    input: JSON.stringify(input),
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
