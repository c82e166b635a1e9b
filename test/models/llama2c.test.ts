/**
 * llama2.c checkpoints (grouped-query attention, a vocabulary of 800, shared and separate classifier)
 * generate greedily exactly what an independent PyTorch forward of llama2.c's model.py gives.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Model } from "../../src/generation/model.js";

const DIR = new URL("../../../test/fixtures/llama2c/", import.meta.url).pathname;
const reference = JSON.parse(readFileSync(`${DIR}reference.json`, "utf8")) as {
  prompt: string;
  prompt_ids: number[];
  steps: number;
  checkpoints: Record<string, { ids: number[] }>;
};

for (const [name, expected] of Object.entries(reference.checkpoints)) {
  test(`llama2.c ${name}: greedy generation equals the PyTorch reference token for token`, async (t) => {
    const model = Model.load(`${DIR}${name}`, { tokenizer: `${DIR}tokenizer.bin` });
    assert.equal(model.config.nKvHead, 2);
    assert.equal(model.config.nHead, 4);
    assert.equal(model.config.vocabSize, 800);
    assert.equal(model.config.tiedEmbeddings, name === "shared.bin");
    assert.deepEqual(model.encodePrompt(reference.prompt), reference.prompt_ids, "prompt ids (BOS + run.c encode)");
    const generation = model.generate(reference.prompt, { temperature: 0, maxTokens: reference.steps });
    const text = await generation.text();
    t.diagnostic(`${name}: ${generation.ids.length} greedy tokens, ${generation.ids.filter((id, i) => id === expected.ids[i]).length} equal to PyTorch; text ${JSON.stringify(text.slice(0, 60))}`);
    assert.deepEqual(generation.ids, expected.ids);
    assert.equal(text, model.tokenizer.decode([...reference.prompt_ids, ...expected.ids]).slice(model.tokenizer.decode(reference.prompt_ids).length));
  });
}

test("llama2.c: a checkpoint with no --tokenizer and no tokenizer.bin beside it is refused with a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "glassbox-"));
  copyFileSync(`${DIR}shared.bin`, join(dir, "model.bin"));
  assert.throws(() => Model.load(join(dir, "model.bin")), /model\.bin: a llama2\.c checkpoint carries no vocabulary: pass --tokenizer/);
  rmSync(dir, { recursive: true });
});
