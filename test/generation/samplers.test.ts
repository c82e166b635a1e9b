/**
 * The sampler chain: each step against its definition on textbook cases, then properties on random
 * logits (fast-check), then the draw itself against the distribution it samples.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../src/core/rng.js";
import {
  applyChain,
  argmax,
  candidatesFrom,
  frequencyPresencePenalty,
  greedy,
  minP,
  pick,
  repetitionPenalty,
  samplerChain,
  sampleToken,
  softmaxOf,
  temperature,
  topK,
  topP,
} from "../../src/generation/samplers.js";
import { StopStringFilter } from "../../src/generation/stop-strings.js";

const logitsOf = (probs: number[]) => Float32Array.from(probs, Math.log);
const ids = (c: { id: number }[]) => c.map((x) => x.id).sort((a, b) => a - b);

test("top-p keeps the smallest most-likely set whose probability reaches p (textbook case)", () => {
  const c = candidatesFrom(logitsOf([0.05, 0.5, 0.15, 0.3]));
  assert.deepEqual(ids(topP(0.7)(c, [])), [1, 3]); // 0.5 + 0.3 = 0.8 ≥ 0.7
  assert.deepEqual(ids(topP(0.81)(c, [])), [1, 2, 3]); // needs 0.15 too
  assert.deepEqual(ids(topP(0.1)(c, [])), [1]); // always at least one
  assert.deepEqual(ids(topP(1)(c, [])), [0, 1, 2, 3]);
});

test("min-p keeps tokens at least p times as likely as the best (textbook case)", () => {
  const c = candidatesFrom(logitsOf([0.05, 0.5, 0.15, 0.3]));
  assert.deepEqual(ids(minP(0.35)(c, [])), [1, 3]); // threshold 0.175
  assert.deepEqual(ids(minP(0.2)(c, [])), [1, 2, 3]);
});

test("repetition penalty divides positive and multiplies negative logits of seen tokens only", () => {
  const c = candidatesFrom(Float32Array.from([2, -2, 2, -2]));
  const out = repetitionPenalty(2)(c, [0, 1, 0]);
  assert.deepEqual(out.map((x) => x.logit), [1, -4, 2, -2]);
  const window = repetitionPenalty(2, 1)(c, [0, 1]); // only the last id counts
  assert.deepEqual(window.map((x) => x.logit), [2, -4, 2, -2]);
});

test("frequency and presence penalties subtract count·f + p (OpenAI's definition)", () => {
  const c = candidatesFrom(Float32Array.from([1, 1, 1]));
  const out = frequencyPresencePenalty(0.5, 0.25)(c, [0, 0, 0, 2]);
  assert.deepEqual(out.map((x) => x.logit), [1 - 1.5 - 0.25, 1, 1 - 0.5 - 0.25]);
});

test("properties on random logits: top-k size and order, top-p mass, min-p threshold, temperature keeps argmax", () => {
  const logitsArb = fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 60 }).map((a) => Float32Array.from(a));
  fc.assert(
    fc.property(logitsArb, fc.integer({ min: 1, max: 70 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (logits, k, p) => {
      const c = candidatesFrom(logits);
      const probs = softmaxOf(c);
      const kept = topK(k)(c, []);
      assert.equal(kept.length, Math.min(k, c.length));
      const worstKept = Math.min(...kept.map((x) => x.logit));
      const keptIds = new Set(kept.map((x) => x.id));
      assert.ok(c.every((x) => keptIds.has(x.id) || x.logit <= worstKept), "top-k kept the highest logits");

      const nucleus = topP(p)(c, []);
      const mass = nucleus.reduce((s, x) => s + probs[x.id]!, 0);
      assert.ok(mass >= p - 1e-9, "top-p mass reaches p");
      if (nucleus.length > 1) {
        const withoutLast = mass - Math.min(...nucleus.map((x) => probs[x.id]!));
        assert.ok(withoutLast < p + 1e-9, "top-p set is minimal");
      }

      const maxProb = Math.max(...probs);
      const mp = minP(p)(c, []);
      assert.ok(mp.length >= 1);
      assert.ok(mp.every((x) => probs[x.id]! >= p * maxProb * (1 - 1e-6)), "min-p threshold");

      assert.equal(greedy(temperature(0.3)(c, [])), greedy(c), "temperature keeps the argmax");
    }),
    { numRuns: 300, seed: 42 },
  );
});

test("pick draws by inverting the CDF; many draws follow the distribution", () => {
  const c = candidatesFrom(logitsOf([0.1, 0.2, 0.3, 0.4]));
  assert.equal(pick(c, 0), 0);
  assert.equal(pick(c, 0.15), 1);
  assert.equal(pick(c, 0.31), 2);
  assert.equal(pick(c, 0.99), 3);
  const rng = new Rng(1);
  const counts = [0, 0, 0, 0];
  const n = 40000;
  for (let i = 0; i < n; i++) counts[pick(c, rng.next())]!++;
  counts.forEach((count, i) => assert.ok(Math.abs(count / n - (i + 1) / 10) < 0.01, `token ${i}: ${count / n}`));
});

test("the chain: temperature 0 is greedy after penalties; a seed reproduces draws", () => {
  const logits = Float32Array.from([3, 2.9, 1, 0]);
  const g = samplerChain({ temperature: 0, repetitionPenalty: 2 });
  assert.equal(g.greedy, true);
  assert.equal(greedy(applyChain(g.steps, logits, [0])), 1, "the penalty moves the argmax off the repeated token");
  const s = samplerChain({ temperature: 0.7, topK: 3, topP: 0.9, minP: 0.01 });
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 20 }, () => pick(applyChain(s.steps, logits, []), rng.next()));
  };
  assert.deepEqual(draw(5), draw(5));
  assert.ok(draw(5).every((id) => id !== 3), "top-k 3 never draws the least likely token");
});

test("sampleToken on typed arrays draws the chain's token for any options, logits, history and draw (ties and ±Infinity included; NaN and fractional top-k left to the chain)", () => {
  // values from a small set make ties; doubles make the rest; ±Infinity as a model can produce them
  const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, min: -30, max: 30 }), fc.constantFrom(Infinity, -Infinity));
  const options = fc.record({
    temperature: fc.constantFrom(0, 0.3, 0.8, 1, 1.7),
    topK: fc.constantFrom(0, 1, 2, 5, 40, 1000, 2.5),
    topP: fc.constantFrom(1, 0.95, 0.5, 0.1, 0),
    minP: fc.constantFrom(0, 0.05, 0.5, 1),
    repetitionPenalty: fc.constantFrom(1, 1.1, 0.8),
    repetitionLastN: fc.constantFrom(64, 3),
    frequencyPenalty: fc.constantFrom(0, 0.5),
    presencePenalty: fc.constantFrom(0, -0.3, 1),
  });
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 120 }), options, fc.array(fc.integer({ min: -2, max: 130 }), { maxLength: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (values, o, history, r) => {
      const logits = Float32Array.from(values);
      const chain = samplerChain(o);
      const expected = chain.greedy ? greedy(applyChain(chain.steps, logits, history)) : pick(applyChain(chain.steps, logits, history), r);
      let draws = 0;
      assert.equal(sampleToken(chain, logits, history, () => (draws++, r)), expected);
      assert.ok(draws <= 1, "one draw at most");
    }),
    { numRuns: 3000 },
  );
});

test("stop strings: text is held back while it may start a stop string, and cut before it", () => {
  const f = new StopStringFilter(["\n\nUser:", "</s>"]);
  assert.equal(f.push("Hello"), "Hello");
  assert.equal(f.push(" world\n"), " world");
  assert.equal(f.push("\nUs"), "");
  assert.equal(f.push("er: hi"), "");
  assert.equal(f.stopped, true);
  const g = new StopStringFilter(["</s>"]);
  assert.equal(g.push("a</"), "a");
  assert.equal(g.push("b"), "</b");
  assert.equal(g.push("<"), "");
  assert.equal(g.flush(), "<");
});

test("stop strings: for any text split into any chunks, output = text up to the first stop", () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("a", "b", "<", "/", ">", "\n") , maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), fc.constantFrom(["</b>"], ["\n\n", "ab"], ["a"]), (text, sizes, stops) => {
      const f = new StopStringFilter(stops);
      let out = "";
      let i = 0;
      for (const size of sizes) {
        if (i >= text.length) break;
        out += f.push(text.slice(i, (i += size)));
      }
      if (i < text.length) out += f.push(text.slice(i));
      out += f.flush();
      const cut = Math.min(...stops.map((s) => (text.indexOf(s) < 0 ? Infinity : text.indexOf(s))));
      assert.equal(out, Number.isFinite(cut) ? text.slice(0, cut) : text);
    }),
    { numRuns: 500, seed: 3 },
  );
});

test("greedy decoding's fast path: argmax over the logits equals greedy over the candidates (ties to the lowest id, NaN and ±Infinity included)", () => {
  const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.NaN, Infinity, -Infinity), fc.double({ noNaN: true, min: -50, max: 50 }));
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (values) => {
      const logits = Float32Array.from(values);
      assert.equal(argmax(logits), greedy(candidatesFrom(logits)));
      assert.equal(sampleToken(samplerChain({ temperature: 0 }), logits, [], () => 0.5), greedy(candidatesFrom(logits)));
    }),
    { numRuns: 2000 },
  );
});
