/**
 * Text to compare tokenizers on: a hand-assembled corpus of the cases tokenizers get wrong, the lines of
 * Tiny Shakespeare (when ../shared/data is present), and a seeded generator of random strings for
 * differential fuzzing.
 */
import { existsSync, readFileSync } from "node:fs";
import { Rng } from "../../src/core/rng.js";

export const SHARED_DATA = new URL("../../../../shared/data/", import.meta.url).pathname;
export const SHAKESPEARE = SHARED_DATA + "tinyshakespeare.txt";

/** Tiny Shakespeare, or undefined (with the reason printed once) where ../shared/data is absent. */
export function shakespeare(): string | undefined {
  if (!existsSync(SHAKESPEARE)) {
    console.log(`# skip: ${SHAKESPEARE} not found (../shared/data is absent on this machine)`);
    return undefined;
  }
  return readFileSync(SHAKESPEARE, "utf8");
}

export const CORPUS: readonly string[] = [
  "",
  " ",
  "  ",
  "\n",
  "\n\n\n",
  "\t",
  " \t \n \r\n \u00a0 \u2003 \u3000 \u0085 \ufeff \u200b ",
  "Hello world",
  " Hello world",
  "Hello  world   spaces    here",
  "   leading and trailing   ",
  "line one\nline two\r\nline three\rend",
  "I'm, you're, he's, we've, they'll, I'd, it's, ain't, Y'ALL'D, WE'VE",
  "don't DON'T Don'T 's 'S",
  "The quick brown fox jumps over the lazy dog. 1234567890",
  "3.14159 + 2.71828 = 5.85987; 1,000,000 and 10000000000 and 0.0001",
  "٠١٢٣٤٥٦٧٨٩ ०१२३४५६७८९ ０１２３ ⅠⅡⅢ ½ ¾ ²³",
  "日本語のテキストです。漢字、ひらがな、カタカナ。",
  "中文文本，包括标点符号。",
  "한국어 텍스트입니다.",
  "Русский текст с пунктуацией — и «кавычками».",
  "Ελληνικά γράμματα: αβγδε ΑΒΓΔΕ",
  "العربية: مرحبا بالعالم",
  "עברית: שלום עולם",
  "हिन्दी: नमस्ते दुनिया",
  "ไทย: สวัสดีชาวโลก",
  "Tiếng Việt: Xin chào thế giới",
  "Türkçe: İstanbul ığdır ŞĞÜÖÇ",
  "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 ❤️ 🧑🏿‍🚀",
  "combining: e\u0301 a\u0308 n\u0303 \u0061\u0300\u0301\u0302 Z\u0351\u0352\u0353",
  "précomposé: é ä ñ Å ﬁ ﬀ Ⅸ ㈱ ①",
  "zero\u200bwidth\u200cjoin\u200dchars\u2060",
  "function f(x) {\n  return x * 2; // double\n}\n",
  "def main():\n    print('hello')\n\tif x == 1:\n\t\treturn None\n",
  "    indented four\n        eight\n\n\n    back",
  "<|endoftext|>",
  "Hello<|endoftext|>world",
  "<|endoftext|><|endoftext|>",
  "<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>c<|endofprompt|>",
  "<s>text</s>",
  "<s> text </s> <unk> <pad>",
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
  "<start_of_turn>user\nhi<end_of_turn>",
  "<0x41><0x0A> <0xFF>",
  "▁ ▁▁ a▁b",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "a".repeat(3000),
  " ".repeat(2000),
  "\n".repeat(500),
  "ab".repeat(1500),
  "😀".repeat(300),
  "1".repeat(1000),
  "!!!???...,,,;;;::: ---___***",
  "https://example.com/path?query=1&b=2#frag user@example.org",
  "MixedCASEWordsAndCamelCase snake_case_words kebab-case-words",
  "\u0000\u0001\u001f\u007f control chars",
  "\ud83d\ude00 surrogate pair, and BMP edge \uffff \ufffd \ue000",
  "𝕳𝖊𝖑𝖑𝖔 𝐀𝐁𝐂 𝟏𝟐𝟑 𠀀𠀁 𐍈",
];

/** Lines (and paragraph blocks) of Tiny Shakespeare: many short, varied inputs from real text. */
export function shakespeareLines(): string[] {
  const text = shakespeare();
  if (!text) return [];
  return text.split("\n\n");
}

const CODE_POINT_RANGES: readonly [number, number][] = [
  [0x20, 0x7e], // ASCII printable
  [0x00, 0x1f], // controls
  [0x80, 0x24f], // Latin-1, Latin Extended
  [0x300, 0x36f], // combining marks
  [0x370, 0x3ff], // Greek
  [0x400, 0x4ff], // Cyrillic
  [0x590, 0x6ff], // Hebrew, Arabic
  [0x900, 0x97f], // Devanagari
  [0xe00, 0xe7f], // Thai
  [0x1100, 0x11ff], // Hangul Jamo
  [0x2000, 0x206f], // general punctuation, special spaces
  [0x3000, 0x30ff], // CJK punctuation, kana
  [0x4e00, 0x9fff], // CJK ideographs
  [0xac00, 0xd7a3], // Hangul syllables
  [0xe000, 0xf8ff], // private use
  [0xfb00, 0xfffd], // presentation forms, specials
  [0x1f300, 0x1faff], // emoji
  [0x10000, 0x10ffff], // anything in the supplementary planes
];
const WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2003", "\u3000", "\u0085", "\ufeff", "\u200b", "\u000b", "\u000c", "\u1680", "\u2028"];
const LOOKALIKES = ["<|endoftext|>", "<|endoftext", "<s>", "</s>", "<unk>", "<pad>", "<0x41>", "<|begin_of_text|>", "<bos>", "<eos>", "<start_of_turn>", "<mask>", "[CLS]", "[SEP]", "▁", "'s", "'LL", "'Ve", "<|", "|>"];
const PIECES = ["the", " the", "The", "ing", "tion", "'s", "'t", "hello", "World", "123", "4567", "0", ".", ",", "!", "?", "...", "(", ")", "{", "}", "//", "==", "=>", "\\", "\"", "'", "é", "ß", "ñ", "日本", "😀", "👍🏽", "👨‍👩‍👧", "\u0301", "\u200d", "\ufe0f"];

function randomCodePoint(rng: Rng): string {
  const [lo, hi] = rng.pick(CODE_POINT_RANGES);
  let cp = lo + rng.int(hi - lo + 1);
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogates are not valid strings in any format
  return String.fromCodePoint(cp);
}

/** One random string: a mix of random code points, whitespace and digit runs, words and look-alikes. */
export function randomString(rng: Rng, maxParts = 24): string {
  const parts: string[] = [];
  const count = rng.int(maxParts + 1);
  for (let i = 0; i < count; i++) {
    const kind = rng.int(10);
    if (kind <= 2) parts.push(randomCodePoint(rng));
    else if (kind === 3) parts.push(rng.pick(WHITESPACE).repeat(1 + rng.int(rng.int(2) ? 3 : 40)));
    else if (kind === 4) parts.push(String(rng.int(1e9)).repeat(1 + rng.int(3)));
    else if (kind === 5) parts.push(rng.pick(LOOKALIKES));
    else if (kind === 6) parts.push(randomCodePoint(rng).repeat(1 + rng.int(12)));
    else parts.push(rng.pick(PIECES));
  }
  return parts.join("");
}

export function randomStrings(seed: number, count: number, maxParts?: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => randomString(rng, maxParts));
}
