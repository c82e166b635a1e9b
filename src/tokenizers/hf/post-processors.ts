/**
 * Post-processors: add the special tokens a model expects around an encoded sequence, as Hugging Face's
 * `processors` module. Only the single-sequence case is needed to encode a prompt.
 *
 *   TemplateProcessing single = "<s> $A"  →  [1, ...ids]
 */
import { FormatError } from "../../core/errors.js";
import { JsonReader } from "./json.js";

export type PostProcessor = (ids: number[]) => number[];

export function buildPostProcessor(json: JsonReader, tokenToId: (t: string) => number | undefined): PostProcessor | undefined {
  if (json.isNull()) return undefined;
  const type = json.type();
  const idOf = (field: JsonReader): number => {
    const [token, id] = field.items();
    return id ? id.number() : (tokenToId(token.string()) ?? -1);
  };
  switch (type) {
    case "TemplateProcessing": {
      const specials = new Map<string, number[]>();
      for (const [name, entry] of Object.entries(json.get("special_tokens").object())) {
        const ids = new JsonReader(json.file, `${json.path}.special_tokens.${name}`, entry).get("ids").items().map((i) => i.number());
        specials.set(name, ids);
      }
      const template = json.get("single").items().map((item) => {
        if (item.has("Sequence")) return "sequence" as const;
        const name = item.get("SpecialToken").get("id").string();
        const ids = specials.get(name);
        if (!ids) throw new FormatError(`${item.file}: ${item.path}`, `special token "${name}" is not in special_tokens`);
        return ids;
      });
      return (ids) => template.flatMap((part) => (part === "sequence" ? ids : part));
    }
    case "BertProcessing":
    case "RobertaProcessing": {
      const cls = idOf(json.get("cls"));
      const sep = idOf(json.get("sep"));
      return (ids) => [cls, ...ids, sep];
    }
    case "ByteLevel":
      return undefined;
    case "Sequence": {
      const steps = json.get("processors").items().map((p) => buildPostProcessor(p, tokenToId)).filter((p): p is PostProcessor => !!p);
      return (ids) => steps.reduce((acc, step) => step(acc), ids);
    }
    default:
      return json.unsupported(`post-processor type "${type}"`);
  }
}
