/**
 * Differential comparison: run glassbox and a reference on the same inputs, count what was compared, and
 * keep the first mismatches for the failure message.
 */
import assert from "node:assert/strict";

export interface Comparison {
  strings: number;
  tokens: number;
  mismatches: { input: string; expected: unknown; got: unknown }[];
}

export function compareEncodings(inputs: readonly string[], expected: readonly (readonly number[])[], encode: (text: string) => number[]): Comparison {
  const result: Comparison = { strings: inputs.length, tokens: 0, mismatches: [] };
  inputs.forEach((text, i) => {
    const got = encode(text);
    result.tokens += expected[i].length;
    if (got.length !== expected[i].length || got.some((id, j) => id !== expected[i][j])) result.mismatches.push({ input: text, expected: expected[i], got });
  });
  return result;
}

export function compareTexts(inputs: readonly string[], expected: readonly string[], got: (i: number) => string): Comparison {
  const result: Comparison = { strings: inputs.length, tokens: 0, mismatches: [] };
  inputs.forEach((text, i) => {
    const g = got(i);
    if (g !== expected[i]) result.mismatches.push({ input: text, expected: expected[i], got: g });
  });
  return result;
}

/** Prints "# name: N strings, T tokens compared with REF, M mismatches" and fails on any mismatch. */
export function report(name: string, reference: string, c: Comparison): void {
  const what = c.tokens > 0 ? `${c.strings} strings, ${c.tokens} tokens` : `${c.strings} decoded texts`;
  console.log(`# ${name}: ${what} compared with ${reference}, ${c.mismatches.length} mismatches`);
  const shown = c.mismatches.slice(0, 3).map((m) => `${JSON.stringify(m.input).slice(0, 120)}\n  expected ${JSON.stringify(m.expected).slice(0, 200)}\n  got      ${JSON.stringify(m.got).slice(0, 200)}`);
  assert.equal(c.mismatches.length, 0, `${name} vs ${reference}:\n${shown.join("\n")}`);
}

/** decode(encode(s)) === s for every input. */
export function assertRoundTrip(name: string, inputs: readonly string[], roundTrip: (text: string) => string): void {
  const failures = inputs.filter((s) => roundTrip(s) !== s);
  console.log(`# ${name}: round trip decode(encode(s)) === s on ${inputs.length} strings, ${failures.length} failures`);
  assert.deepEqual(failures.slice(0, 3).map((s) => JSON.stringify(s)), []);
}
