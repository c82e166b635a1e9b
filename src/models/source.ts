/**
 * Reading typed fields out of a model's metadata (HF config.json or GGUF key/values), with errors that
 * name the file and the field.
 */
import { UserError } from "../core/errors.js";

export class Fields {
  constructor(
    readonly source: string, // e.g. "model/config.json"
    private readonly get: (key: string) => unknown,
  ) {}

  static fromObject(source: string, obj: Record<string, unknown>): Fields {
    return new Fields(source, (key) => obj[key]);
  }

  static fromMap(source: string, map: ReadonlyMap<string, unknown>): Fields {
    return new Fields(source, (key) => map.get(key));
  }

  raw(key: string): unknown {
    return this.get(key);
  }

  optionalNumber(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new UserError(this.source, `field "${key}" is ${JSON.stringify(v)}, expected a number`);
    return v;
  }

  number(key: string, fallback?: number): number {
    const v = this.optionalNumber(key) ?? fallback;
    if (v === undefined) throw new UserError(this.source, `missing field "${key}"`);
    return v;
  }

  /** A positive integer (a size). */
  size(key: string, fallback?: number): number {
    const v = this.number(key, fallback);
    if (!Number.isInteger(v) || v <= 0) throw new UserError(this.source, `field "${key}" is ${v}, expected a positive integer`);
    return v;
  }

  optionalString(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new UserError(this.source, `field "${key}" is ${JSON.stringify(v)}, expected a string`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") throw new UserError(this.source, `field "${key}" is ${JSON.stringify(v)}, expected true or false`);
    return v;
  }
}
