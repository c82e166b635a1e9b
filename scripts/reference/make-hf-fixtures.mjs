// Writes small tokenizer.json fixtures that exercise the parts of Hugging Face tokenizers the npm-shipped
// files do not: WordPiece (BERT pipeline), Unigram with a Precompiled (nmt_nfkc) normalizer and Metaspace
// (as HF converts SentencePiece models), and WordLevel with many normalizers, pre-tokenizers and added
// tokens with lstrip/rstrip/single_word. Their vocabularies come from Tiny Shakespeare and from
// test/fixtures/tokenizers/spm-unigram.model. The expected ids never come from here: tests ask
// @anush008/tokenizers (Hugging Face's Rust library) at test time.
//
// usage: node scripts/reference/make-hf-fixtures.mjs ../shared/data/tinyshakespeare.txt test/fixtures/tokenizers
import { readFileSync, writeFileSync } from "node:fs";
import { loadSentencePiece } from "../../dist/src/tokenizers/sentencepiece/sentencepiece.js";

const [textPath, outDir] = process.argv.slice(2);
const text = readFileSync(textPath, "utf8");

function topWords(n, filter) {
  const counts = new Map();
  for (const w of text.toLowerCase().match(/[a-z]+/g)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].filter(([w]) => filter(w)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([w]) => w);
}

// --- WordPiece (BERT) -------------------------------------------------------------------------------
{
  const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const chars = [..."abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()&"];
  const suffixes = ["ing", "ed", "s", "es", "er", "ly", "est", "ness", "th", "eth", "st"].map((s) => "##" + s);
  const vocabList = [...specials, ...chars, ...chars.map((c) => "##" + c), ...suffixes, ...topWords(1500, (w) => w.length > 1)];
  const vocab = Object.fromEntries([...new Set(vocabList)].map((t, i) => [t, i]));
  const json = {
    version: "1.0", truncation: null, padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } }],
      special_tokens: { "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] }, "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] } } },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
  writeFileSync(`${outDir}/hf-wordpiece.json`, JSON.stringify(json));
}

// --- Unigram with a precompiled charsmap, as HF converts a SentencePiece model ------------------------
{
  const sp = loadSentencePiece(`${outDir}/spm-unigram.model`);
  const { pieces, normalizer, unkId } = sp.proto;
  const json = {
    version: "1.0", truncation: null, padding: null,
    added_tokens: pieces.flatMap((p, id) => (p.type === 2 || p.type === 3 ? [{ id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }] : [])),
    normalizer: { type: "Sequence", normalizers: [
      { type: "Precompiled", precompiled_charsmap: Buffer.from(normalizer.charsmap).toString("base64") },
      { type: "Replace", pattern: { Regex: " {2,}" }, content: " " },
    ] },
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
    post_processor: { type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "</s>", type_id: 0 } }],
      pair: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "</s>", type_id: 0 } }, { Sequence: { id: "B", type_id: 0 } }, { SpecialToken: { id: "</s>", type_id: 0 } }],
      special_tokens: { "</s>": { id: "</s>", ids: [2], tokens: ["</s>"] } } },
    decoder: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: unkId, vocab: pieces.map((p) => [p.piece, p.score]), byte_fallback: false },
  };
  writeFileSync(`${outDir}/hf-unigram.json`, JSON.stringify(json));
}

// --- WordLevel behind many normalizers and pre-tokenizers, with flagged added tokens ------------------
{
  const words = topWords(2000, () => true);
  const vocabList = ["[UNK]", ..."0123456789", ...".,;:!?'\"-()&[]{}<>/\\|@#$%^*_+=~`", ...words];
  const vocab = Object.fromEntries([...new Set(vocabList)].map((t, i) => [t, i]));
  let next = Object.keys(vocab).length;
  const added = [
    { content: "<lstrip>", lstrip: true, rstrip: false, single_word: false, normalized: false, special: true },
    { content: "<rstrip>", lstrip: false, rstrip: true, single_word: false, normalized: false, special: true },
    { content: "word", lstrip: false, rstrip: false, single_word: true, normalized: true, special: false },
    { content: "ＮＯＲＭ", lstrip: false, rstrip: false, single_word: false, normalized: true, special: false },
    { content: "<special>", lstrip: false, rstrip: false, single_word: false, normalized: false, special: true },
  ].map((t) => ({ id: next++, ...t }));
  const json = {
    version: "1.0", truncation: null, padding: null,
    added_tokens: added,
    normalizer: { type: "Sequence", normalizers: [
      { type: "NFKD" }, { type: "StripAccents" }, { type: "Lowercase" }, { type: "Strip", strip_left: true, strip_right: true },
      { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
    ] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [
      { type: "WhitespaceSplit" }, { type: "Digits", individual_digits: true }, { type: "Punctuation", behavior: "Isolated" },
    ] },
    post_processor: null,
    decoder: null,
    model: { type: "WordLevel", vocab, unk_token: "[UNK]" },
  };
  writeFileSync(`${outDir}/hf-wordlevel.json`, JSON.stringify(json));
}
