/**
 * Parsing of flag values, each failure a one-line UserError naming the flag.
 */
import { UserError } from "../core/errors.js";

/** "1,2,3" (or spaces) → ids, each an integer in [0, vocabSize). */
export function parseIds(text: string, vocabSize: number, flag = "--ids"): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UserError(flag, "no token ids given");
  return parts.map((p) => {
    const id = Number(p);
    if (!Number.isInteger(id) || id < 0) throw new UserError(flag, `"${p}" is not a token id`);
    if (id >= vocabSize) throw new UserError(flag, `token id ${id} is out of range (vocabulary size ${vocabSize})`);
    return id;
  });
}

/** A number flag within [min, max]; integers only when `integer`. */
export function parseNumber(flag: string, text: string | undefined, { min = -Infinity, max = Infinity, integer = false } = {}): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) throw new UserError(flag, `"${text}" is not a number`);
  if (integer && !Number.isInteger(v)) throw new UserError(flag, `"${text}" is not a whole number`);
  if (v < min || v > max) throw new UserError(flag, `${v} is outside ${min}..${max}`);
  return v;
}
