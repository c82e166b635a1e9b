/**
 * A Hugging Face `tokenizer.json`: the whole pipeline in one file, run as the `tokenizers` library runs it.
 *
 *   text ─▶ added tokens split out ─▶ normalizer ─▶ pre-tokenizer ─▶ model ─▶ (post-processor) ─▶ ids
 *   ids  ─▶ tokens (specials skipped) ─▶ decoder ─▶ text
 */
import { readFileSync } from "node:fs";
import { FormatError, UserError } from "../../core/errors.js";
import type { DecodeOptions, EncodeOptions, Tokenizer } from "../types.js";
import { AddedVocabulary, type AddedToken } from "./added-vocabulary.js";
import { buildDecoder, type Decoder } from "./decoders.js";
import { JsonReader, type Json } from "./json.js";
import { buildModel, type Model } from "./models.js";
import { buildNormalizer, type Normalizer } from "./normalizers.js";
import { buildPostProcessor, type PostProcessor } from "./post-processors.js";
import { buildPreTokenizer, type PreTokenizer } from "./pre-tokenizers.js";

export class HfTokenizer implements Tokenizer {
  readonly format = "tokenizer.json" as const;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  bosId: number | undefined;
  eosId: number | undefined;

  constructor(
    readonly model: Model,
    readonly added: AddedVocabulary,
    private readonly normalizer: Normalizer | undefined,
    private readonly preTokenizer: PreTokenizer | undefined,
    private readonly postProcessor: PostProcessor | undefined,
    private readonly decoder: Decoder | undefined,
  ) {
    this.specialTokens = new Map(added.tokens.filter((t) => t.special).map((t) => [t.content, t.id]));
    this.vocabSize = Math.max(model.size, ...added.tokens.map((t) => t.id + 1));
  }

  /** As `tokenizers`' `encode(text, add_special_tokens=False)`: added tokens match, special or not. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const section of this.added.extract(text, this.normalizer, options.allowedSpecial ?? "all")) {
      if (section.id !== undefined) {
        ids.push(section.id);
        continue;
      }
      if (section.text.length === 0) continue;
      if (this.preTokenizer) this.preTokenizer(section.text, section.atStart, this.encodeWord(ids));
      else for (const id of this.model.tokenize(section.text)) ids.push(id);
    }
    return options.addSpecial && this.postProcessor ? this.postProcessor(ids) : ids;
  }

  /** An emit callback that runs the model on each pre-tokenized word, appending to `ids`. */
  private encodeWord(ids: number[]): (word: string) => void {
    return (word) => {
      if (word.length === 0) return;
      for (const id of this.model.tokenize(word)) ids.push(id);
    };
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const tokens: string[] = [];
    for (const id of ids) {
      const added = this.added.byId.get(id);
      if (added) {
        if (!(skip && added.special)) tokens.push(added.content);
        continue;
      }
      const token = this.model.idToToken(id);
      if (token === undefined) throw new UserError("ids", `token id ${id} is out of range (vocabulary size ${this.vocabSize})`);
      tokens.push(token);
    }
    return this.decoder ? this.decoder(tokens).join("") : tokens.join(" ");
  }

  idToToken(id: number): string | undefined {
    return this.added.byId.get(id)?.content ?? this.model.idToToken(id);
  }
  tokenToId(token: string): number | undefined {
    return this.added.byContent.get(token)?.id ?? this.model.tokenToId(token);
  }
  isSpecial(id: number): boolean {
    return this.added.byId.get(id)?.special ?? false;
  }
}

/**
 * Added tokens, with the ids Hugging Face gives them: it ignores the file's "id" and re-adds each token in
 * order — a token already in the model's vocabulary keeps that id; a new one gets the next free id after
 * the model's vocabulary. (For files written by the library the two agree.)
 */
function readAddedTokens(json: JsonReader, model: Model): AddedToken[] {
  if (json.isNull()) return [];
  const out: AddedToken[] = [];
  const byContent = new Map<string, number>();
  let maxId = -1;
  for (const token of json.items().map(readAddedToken)) {
    if (token.content.length === 0 || byContent.has(token.content)) continue;
    let id = model.tokenToId(token.content);
    if (id === undefined) id = maxId < 0 ? model.size : maxId >= model.size || model.size === 0 ? maxId + 1 : model.size;
    byContent.set(token.content, id);
    maxId = Math.max(maxId, id);
    out.push({ ...token, id });
  }
  return out;
}

function readAddedToken(t: JsonReader): AddedToken {
  return {
    id: t.get("id").number(),
    content: t.get("content").string(),
    special: t.get("special").boolean(false),
    normalized: t.get("normalized").boolean(!t.get("special").boolean(false)),
    lstrip: t.get("lstrip").boolean(false),
    rstrip: t.get("rstrip").boolean(false),
    singleWord: t.get("single_word").boolean(false),
  };
}

/** Builds a tokenizer from parsed tokenizer.json content; `file` names it in errors. */
export function tokenizerFromJson(value: Json, file = "tokenizer.json"): HfTokenizer {
  const root = new JsonReader(file, "", value);
  root.object();
  if (!root.has("model")) throw new FormatError(file, 'no "model" field: not a Hugging Face tokenizer.json');
  const model = buildModel(root.get("model"));
  const normalizer = buildNormalizer(root.get("normalizer"));
  const added = new AddedVocabulary(readAddedTokens(root.get("added_tokens"), model), normalizer);
  const tokenToId = (t: string) => added.byContent.get(t)?.id ?? model.tokenToId(t);
  const tokenizer = new HfTokenizer(
    model,
    added,
    normalizer,
    buildPreTokenizer(root.get("pre_tokenizer")),
    buildPostProcessor(root.get("post_processor"), tokenToId),
    buildDecoder(root.get("decoder")),
  );
  inferBosEos(tokenizer, root, tokenToId);
  return tokenizer;
}

/** BOS/EOS are not fields of tokenizer.json; take them from the post-processor template or common names. */
function inferBosEos(tokenizer: HfTokenizer, root: JsonReader, tokenToId: (t: string) => number | undefined): void {
  const pp = root.get("post_processor");
  if (!pp.isNull() && pp.type() === "TemplateProcessing") {
    const first = pp.get("single").items()[0];
    if (first?.has("SpecialToken")) tokenizer.bosId = tokenToId(first.get("SpecialToken").get("id").string());
  }
  const names = ["<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>", "<|im_end|>", "[SEP]"];
  for (const name of names) {
    const id = tokenToId(name);
    if (id !== undefined) {
      tokenizer.eosId = id;
      break;
    }
  }
  if (tokenizer.bosId === undefined) {
    for (const name of ["<|begin_of_text|>", "<s>", "<bos>", "[CLS]"]) {
      const id = tokenToId(name);
      if (id !== undefined) {
        tokenizer.bosId = id;
        break;
      }
    }
  }
}

export function loadTokenizerJson(path: string): HfTokenizer {
  let value: Json;
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (e) {
    throw new FormatError(path, `malformed JSON: ${(e as Error).message}`);
  }
  return tokenizerFromJson(value, path);
}
