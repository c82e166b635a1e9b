/** Shared benchmark helpers: medians, a printed table, and JSON results in bench/results/. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(cells[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
}

/**
 * The processor beside its name: x86 family and model numbers and the SIMD extensions a native peer can use
 * (Linux /proc/cpuinfo; elsewhere the name alone). Same-run ratios still depend on the machine: llama.cpp's
 * quantized kernels use 512-bit VNNI where the CPU has it (Zen 4), 256-bit AVX2 where it does not (Zen 3),
 * while WebAssembly has 128-bit vectors on both.
 */
export function cpuDetails(): { name: string; family?: number; model?: number; simd?: string[] } {
  const name = cpus()[0]?.model ?? "unknown";
  if (!existsSync("/proc/cpuinfo")) return { name };
  const first = readFileSync("/proc/cpuinfo", "utf8").split("\n\n")[0]!;
  const field = (key: string) => first.match(new RegExp(`^${key}\\s*:\\s*(.*)$`, "m"))?.[1];
  const flags = new Set((field("flags") ?? "").split(" "));
  const simd = ["avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16"].filter((f) => flags.has(f));
  const family = Number(field("cpu family")), model = Number(field("model"));
  return { name, ...(Number.isFinite(family) ? { family } : {}), ...(Number.isFinite(model) ? { model } : {}), simd };
}

/** One line for a benchmark's header: "AMD EPYC (family 25, model 1; avx2 fma f16c)". */
export function describeCpu(): string {
  const c = cpuDetails();
  return c.family === undefined ? c.name : `${c.name} (family ${c.family}, model ${c.model}; ${c.simd!.join(" ") || "no AVX2"})`;
}

export function writeResults(name: string, results: unknown): string {
  const dir = new URL("../../bench/results/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(path, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpuDetails(), results }, null, 2) + "\n");
  return path;
}
