/**
 * glassbox info --model PATH [--json]
 * What a model is without reading its weights: architecture, shape, parameters, storage dtypes, context,
 * and the memory it needs (weights + KV cache per token and at full context).
 */
import type { Command } from "commander";
import { byteSize } from "../core/dtype.js";
import { kvBytesPerToken } from "../models/config.js";
import { openModelFile } from "../models/load.js";

export function modelInfo(path: string): Record<string, unknown> {
  const file = openModelFile(path);
  const c = file.config;
  const counted = file.tensors.filter((t) => file.toCanonical(t.name) !== null);
  const parameters = counted.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const dtypes: Record<string, number> = {};
  for (const t of counted) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + t.shape.reduce((a, b) => a * b, 1);
  const weightBytes = counted.reduce((n, t) => n + byteSize(t.dtype, t.shape.reduce((a, b) => a * b, 1)), 0);
  const kvPerToken = kvBytesPerToken(c);
  return {
    name: file.name,
    format: file.format,
    architecture: c.architecture,
    family: c.family,
    parameters,
    dtypes, // parameters per storage dtype
    vocabSize: c.vocabSize,
    contextLength: c.contextLength,
    dim: c.dim,
    layers: c.nLayers,
    heads: c.nHead,
    kvHeads: c.nKvHead,
    headDim: c.headDim,
    ffnDim: c.ffnDim,
    experts: c.nExperts ? { count: c.nExperts, used: c.nExpertsUsed } : undefined,
    positions: c.rope ? { type: "rope", theta: c.rope.theta, style: c.rope.style, scaling: c.rope.scaling?.type ?? "none" } : { type: "learned" },
    slidingWindow: Number.isFinite(c.slidingWindow) ? c.slidingWindow : undefined,
    tiedEmbeddings: c.tiedEmbeddings || !counted.some((t) => file.toCanonical(t.name) === "output.weight"),
    memory: { weightBytes, kvCacheBytesPerToken: kvPerToken, kvCacheBytesFullContext: kvPerToken * c.contextLength, totalBytesFullContext: weightBytes + kvPerToken * c.contextLength },
    chatTemplate: file.defaults.chatTemplate !== undefined,
  };
}

function human(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) (bytes /= 1024), i++;
  return `${bytes.toFixed(i ? 2 : 0)} ${units[i]}`;
}

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("describe a model: architecture, parameters, dtypes, context, memory")
    .requiredOption("--model <path>", "a .gguf, a Hugging Face directory or a llama2.c .bin")
    .option("--json", "print one JSON object")
    .action((flags: { model: string; json?: boolean }) => {
      const info = modelInfo(flags.model);
      if (flags.json) {
        process.stdout.write(JSON.stringify(info) + "\n");
        return;
      }
      const m = info.memory as Record<string, number>;
      const lines = [
        `model          ${info.name} (${info.format})`,
        `architecture   ${info.architecture} (family ${info.family})`,
        `parameters     ${(info.parameters as number).toLocaleString("en-US")}  ${Object.entries(info.dtypes as Record<string, number>).map(([d, n]) => `${d}: ${n.toLocaleString("en-US")}`).join(", ")}`,
        `shape          ${info.layers} layers, dim ${info.dim}, ${info.heads} heads (${info.kvHeads} kv), head ${info.headDim}, ffn ${info.ffnDim}, vocab ${info.vocabSize}`,
        `context        ${info.contextLength} tokens, positions ${JSON.stringify(info.positions)}`,
        ...(info.experts ? [`experts        ${JSON.stringify(info.experts)}`] : []),
        `memory         weights ${human(m.weightBytes!)}; KV cache ${human(m.kvCacheBytesPerToken!)}/token, ${human(m.kvCacheBytesFullContext!)} at full context; total ${human(m.totalBytesFullContext!)}`,
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
}
