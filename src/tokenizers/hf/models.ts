/**
 * Models: one pre-tokenized word → ids, as Hugging Face tokenizers' `models` module.
 *
 *   BPE        "Ġhello"  → chars, then merges by rank              → [24748]
 *   WordPiece  "unwanted" → greedy longest match, "##" continuation → ["un", "##want", "##ed"]
 *   Unigram    "hello"   → the most probable segmentation (Viterbi) → ["▁he", "llo"]
 *   WordLevel  "hello"   → the word's id, or unk
 */
import { FormatError } from "../../core/errors.js";
import { utf8Encode } from "../../core/utf8.js";
import { bpeMerge, ID_LIMIT, PairMergeTable } from "../bpe.js";
import { WordCache } from "../word-cache.js";
import { JsonReader } from "./json.js";
import { Trie } from "../trie.js";

export interface Model {
  tokenize(word: string): number[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** One more than the largest id the model knows. */
  readonly size: number;
}

/** The model's vocabulary: token → id and back. */
class Vocab {
  readonly byToken = new Map<string, number>();
  readonly byId: string[] = [];
  add(token: string, id: number): void {
    this.byToken.set(token, id);
    this.byId[id] = token;
  }
}

/** What every model shares: its vocabulary, and lookups both ways. */
abstract class VocabModel implements Model {
  constructor(protected readonly vocab: Vocab) {}
  abstract tokenize(word: string): number[];
  get size(): number {
    return this.vocab.byId.length;
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.byToken.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.vocab.byId[id];
  }
}

const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;

export class BpeModel extends VocabModel {
  private readonly merges = new PairMergeTable();
  private readonly cache = new WordCache<number[]>();
  private readonly unkId: number | undefined;
  private readonly byteIds: (number | undefined)[] = [];

  constructor(
    vocab: Vocab,
    merges: [string, string][],
    private readonly options: {
      unkToken?: string;
      continuingSubwordPrefix?: string;
      endOfWordSuffix?: string;
      fuseUnk: boolean;
      byteFallback: boolean;
      ignoreMerges: boolean;
    },
    source: string,
  ) {
    super(vocab);
    const prefixLength = options.continuingSubwordPrefix?.length ?? 0;
    merges.forEach(([a, b], rank) => {
      const left = vocab.byToken.get(a);
      const right = vocab.byToken.get(b);
      // the merged token drops the right side's continuation prefix: "hel" + "##lo" → "hello"
      const merged = vocab.byToken.get(a + b.slice(prefixLength));
      if (left === undefined || right === undefined || merged === undefined) {
        throw new FormatError(`${source}: model.merges[${rank}]`, `merge "${a} ${b}" uses a token that is not in the vocabulary`);
      }
      this.merges.set(left, right, rank, merged);
    });
    this.unkId = options.unkToken === undefined ? undefined : vocab.byToken.get(options.unkToken);
    for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.byToken.get(byteToken(b));
    if (vocab.byId.length >= ID_LIMIT) throw new FormatError(source, `vocabulary of ${vocab.byId.length} tokens is larger than supported (${ID_LIMIT})`);
  }


  tokenize(word: string): number[] {
    if (this.options.ignoreMerges) {
      const whole = this.vocab.byToken.get(word);
      if (whole !== undefined) return [whole];
    }
    const cached = this.cache.get(word);
    if (cached) return cached;
    const ids = bpeMerge(this.initialSymbols(word), this.merges);
    this.cache.set(word, ids);
    return ids;
  }

  /** One symbol per character, or its <0xNN> bytes, or unk (fused when asked). */
  private initialSymbols(word: string): number[] {
    const { continuingSubwordPrefix: prefix, endOfWordSuffix: suffix, byteFallback, fuseUnk } = this.options;
    const symbols: number[] = [];
    const chars = Array.from(word);
    let lastWasUnk = false;
    for (let i = 0; i < chars.length; i++) {
      let s = chars[i];
      if (prefix && i > 0) s = prefix + s;
      if (suffix && i === chars.length - 1) s = s + suffix;
      const id = this.vocab.byToken.get(s);
      if (id !== undefined) {
        symbols.push(id);
        lastWasUnk = false;
        continue;
      }
      if (byteFallback) {
        const bytes = utf8Encode(s);
        const ids = Array.from(bytes, (b) => this.byteIds[b]);
        if (ids.every((x) => x !== undefined)) {
          symbols.push(...(ids as number[]));
          lastWasUnk = false;
          continue;
        }
      }
      if (this.unkId === undefined) continue; // Hugging Face drops the character when there is no unk token
      if (!(fuseUnk && lastWasUnk)) symbols.push(this.unkId);
      lastWasUnk = true;
    }
    return symbols;
  }
}

export class WordPieceModel extends VocabModel {
  private readonly unkId: number;
  constructor(
    vocab: Vocab,
    unkToken: string,
    private readonly prefix: string,
    private readonly maxChars: number,
    source: string,
  ) {
    super(vocab);
    const unk = vocab.byToken.get(unkToken);
    if (unk === undefined) throw new FormatError(`${source}: model.unk_token`, `"${unkToken}" is not in the vocabulary`);
    this.unkId = unk;
  }
  tokenize(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxChars) return [this.unkId];
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        let piece = chars.slice(start, end).join("");
        if (start > 0) piece = this.prefix + piece;
        found = this.vocab.byToken.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      out.push(found);
      start = end;
    }
    return out;
  }
}

export class WordLevelModel extends VocabModel {
  constructor(
    vocab: Vocab,
    private readonly unkId: number | undefined,
  ) {
    super(vocab);
  }
  tokenize(word: string): number[] {
    const id = this.vocab.byToken.get(word) ?? this.unkId;
    return id === undefined ? [] : [id];
  }
}

/** Unigram as Hugging Face implements it (every vocabulary entry can match text, unk penalty 10). */
export class UnigramModel extends VocabModel {
  private readonly trie = new Trie();
  private readonly unkScore: number;
  private readonly byteIds: (number | undefined)[] = [];
  private readonly cache = new WordCache<number[]>();

  constructor(
    vocab: Vocab,
    private readonly scores: Float64Array,
    private readonly unkId: number | undefined,
    private readonly byteFallback: boolean,
  ) {
    super(vocab);
    let minScore = Infinity;
    vocab.byId.forEach((token, id) => {
      this.trie.insert(utf8Encode(token), id);
      minScore = Math.min(minScore, scores[id]);
    });
    this.unkScore = minScore - 10;
    for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.byToken.get(byteToken(b));
  }

  tokenize(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const ids = this.encode(word);
    this.cache.set(word, ids);
    return ids;
  }

  private encode(word: string): number[] {
    const bytes = utf8Encode(word);
    const n = bytes.length;
    // best[i]: the best path ending at byte i: its score, where its last token starts, and the token
    const bestScore = new Float64Array(n + 1);
    const bestStart = new Int32Array(n + 1).fill(-1);
    const bestId = new Int32Array(n + 1);
    bestStart[0] = 0;
    for (let start = 0; start < n; ) {
      const charLength = utf8Length(bytes[start]);
      const here = bestScore[start];
      let hasSingle = false;
      this.trie.prefixes(bytes, start, (end, id) => {
        const score = this.scores[id] + here;
        if (bestStart[end] < 0 || score > bestScore[end]) {
          bestScore[end] = score;
          bestStart[end] = start;
          bestId[end] = id;
        }
        if (end - start === charLength) hasSingle = true;
      });
      if (!hasSingle) {
        const end = Math.min(start + charLength, n);
        const score = this.unkScore + here;
        if (bestStart[end] < 0 || score > bestScore[end]) {
          bestScore[end] = score;
          bestStart[end] = start;
          bestId[end] = this.unkId ?? -1;
        }
      }
      start += charLength;
    }
    // Walk back from the end; fuse consecutive unknowns into one piece, as Hugging Face does.
    const pieces: [number, number, boolean][] = [];
    for (let end = n; end > 0; ) {
      const start = bestStart[end];
      const isUnk = this.unkId !== undefined && bestId[end] === this.unkId;
      const last = pieces[pieces.length - 1];
      if (isUnk && last && last[2]) last[0] = start;
      else pieces.push([start, end, isUnk]);
      end = start;
    }
    pieces.reverse();
    const ids: number[] = [];
    for (const [start, end] of pieces) {
      const piece = Buffer.from(bytes.subarray(start, end)).toString("utf8");
      const id = this.vocab.byToken.get(piece);
      if (id !== undefined) ids.push(id);
      else if (this.byteFallback && bytes.subarray(start, end).every((b) => this.byteIds[b] !== undefined)) {
        for (const b of bytes.subarray(start, end)) ids.push(this.byteIds[b]!);
      } else if (this.unkId !== undefined) ids.push(this.unkId);
    }
    return ids;
  }
}

function utf8Length(lead: number): number {
  return lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

function readVocab(json: JsonReader): Vocab {
  const vocab = new Vocab();
  const v = json.value;
  if (Array.isArray(v)) {
    // Unigram: [[token, score], ...]; the id is the index
    json.items().forEach((entry, id) => vocab.add(entry.items()[0].string(), id));
  } else {
    for (const [token, id] of Object.entries(json.object())) {
      if (typeof id !== "number") throw new FormatError(`${json.file}: ${json.path}["${token}"]`, "expected a token id");
      vocab.add(token, id);
    }
  }
  return vocab;
}

function readMerges(json: JsonReader): [string, string][] {
  return json.items().map((m) => {
    if (Array.isArray(m.value)) {
      const [a, b] = m.items();
      return [a.string(), b.string()];
    }
    const text = m.string();
    const space = text.indexOf(" ", 1); // subtle: a token may itself be " " in old files; split after char 0
    if (space < 0) throw new FormatError(`${m.file}: ${m.path}`, `merge "${text}" is not "left right"`);
    return [text.slice(0, space), text.slice(space + 1)];
  });
}

export function buildModel(json: JsonReader): Model {
  const type = json.has("type") ? json.type() : json.has("merges") ? "BPE" : json.has("unk_id") ? "Unigram" : "WordPiece";
  const source = json.file;
  switch (type) {
    case "BPE":
      return new BpeModel(
        readVocab(json.get("vocab")),
        readMerges(json.get("merges")),
        {
          unkToken: json.get("unk_token").optionalString(),
          continuingSubwordPrefix: json.get("continuing_subword_prefix").optionalString(),
          endOfWordSuffix: json.get("end_of_word_suffix").optionalString(),
          fuseUnk: json.get("fuse_unk").boolean(false),
          byteFallback: json.get("byte_fallback").boolean(false),
          ignoreMerges: json.get("ignore_merges").boolean(false),
        },
        source,
      );
    case "WordPiece":
      return new WordPieceModel(
        readVocab(json.get("vocab")),
        json.get("unk_token").optionalString() ?? "[UNK]",
        json.get("continuing_subword_prefix").optionalString() ?? "##",
        json.has("max_input_chars_per_word") ? json.get("max_input_chars_per_word").number() : 100,
        source,
      );
    case "WordLevel": {
      const vocab = readVocab(json.get("vocab"));
      const unk = json.get("unk_token").optionalString();
      return new WordLevelModel(vocab, unk === undefined ? undefined : vocab.byToken.get(unk));
    }
    case "Unigram": {
      const entries = json.get("vocab").items();
      const vocab = readVocab(json.get("vocab"));
      const scores = Float64Array.from(entries, (e) => e.items()[1].number());
      const unkId = json.has("unk_id") ? json.get("unk_id").number() : undefined;
      return new UnigramModel(vocab, scores, unkId, json.get("byte_fallback").boolean(false));
    }
    default:
      return json.unsupported(`model type "${type}"`);
  }
}
