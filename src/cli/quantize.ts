/**
 * glassbox quantize IN OUT --type T [--pure]     llama.cpp's mixtures, byte-identical to llama-quantize
 * glassbox convert IN OUT                          HF directory → GGUF; any model → llama2.c .bin or HF directory
 * A progress bar on stderr; the output is written atomically.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { UserError } from "../core/errors.js";
import type { TypedValue } from "../formats/gguf-writer.js";
import { writeHfAsGguf } from "../models/export-gguf.js";
import { openModelFile } from "../models/load.js";
import { parseFileType } from "../quantize/plan.js";
import { quantizeGguf } from "../quantize/quantize-model.js";
import { exportHf, exportLlama2c } from "../quantize/convert.js";
import { ggufVocabularyFor } from "../tokenizers/gguf-vocab-for.js";

function tokenizerMetadata(dir: string): Map<string, TypedValue> {
  for (const name of ["tokenizer.model", "tokenizer.json"]) if (existsSync(join(dir, name))) return ggufVocabularyFor(join(dir, name));
  return new Map();
}

/** IN → OUT by OUT's kind: *.gguf, *.bin (llama2.c), or anything else a Hugging Face directory. */
function convert(input: string, output: string): void {
  if (output.endsWith(".bin")) return exportLlama2c(input, output);
  if (!output.endsWith(".gguf")) return exportHf(input, output);
  convertToGguf(input, output);
}

/** Writes a model directory as GGUF (its weights as stored, q/k in GGUF order, the vocabulary if any). */
function convertToGguf(input: string, output: string): void {
  const file = openModelFile(input);
  if (file.format === "gguf") throw new UserError(input, "is already a GGUF file (use quantize to change its types)");
  if (file.format !== "safetensors") throw new UserError(input, "convert reads Hugging Face directories so far (llama2.c .bin to GGUF is not written yet)");
  writeHfAsGguf(input, output, tokenizerMetadata(input));
}

function quantize(input: string, output: string, flags: { type: string; pure?: boolean }): void {
  const fileType = parseFileType(flags.type);
  if (!existsSync(input)) throw new UserError(input, "no such file or directory");
  let source = input;
  let tmp: string | undefined;
  if (statSync(input).isDirectory()) {
    tmp = mkdtempSync(join(tmpdir(), "glassbox-quantize-"));
    source = join(tmp, "model.gguf");
    process.stderr.write(`converting ${input} to GGUF first\n`);
    convertToGguf(input, source);
  }
  const bar = new cliProgress.SingleBar({ format: "quantizing |{bar}| {value}/{total} tensors | {tensor}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  try {
    let started = false;
    const summary = quantizeGguf(source, output, fileType, {
      pure: flags.pure,
      onTensor: (i, n, name, from, to) => {
        if (!started) bar.start(n, 0, { tensor: "" }), (started = true);
        bar.update(i, { tensor: `${name} ${from} → ${to}` });
      },
    });
    bar.update(summary.tensors, { tensor: "done" });
    bar.stop();
    const mib = (n: number) => (n / 2 ** 20).toFixed(2);
    process.stderr.write(`wrote ${output}: ${summary.tensors} tensors ${JSON.stringify(summary.types)}, ${mib(summary.bytesIn)} MiB → ${mib(summary.bytesOut)} MiB\n`);
  } finally {
    bar.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

export function registerQuantize(program: Command): void {
  program
    .command("quantize")
    .description("write a model with llama.cpp's quantization mixture (byte-identical to llama-quantize)")
    .argument("<in>", "a .gguf file or a Hugging Face directory")
    .argument("<out>", "the .gguf file to write")
    .requiredOption("--type <type>", "f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_s, q4_k_m, q5_k_s, q5_k_m, q6_k")
    .option("--pure", "every quantizable tensor gets the base type (no per-tensor mixture)")
    .action((input: string, output: string, flags: { type: string; pure?: boolean }) => quantize(input, output, flags));
  program
    .command("convert")
    .description("convert between model formats: a Hugging Face directory → .gguf; any model → llama2.c .bin or a Hugging Face directory")
    .argument("<in>", "a Hugging Face directory, a .gguf or a llama2.c .bin")
    .argument("<out>", "OUT.gguf, OUT.bin (llama2.c) or a directory (Hugging Face: config.json + model.safetensors)")
    .action((input: string, output: string) => {
      convert(input, output);
      process.stderr.write(`wrote ${output}\n`);
    });
}
