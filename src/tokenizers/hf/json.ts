/**
 * Small typed accessors for tokenizer.json: every read names the field it came from, so a malformed file
 * fails with "tokenizer.json: normalizer.normalizers[1].pattern: expected a string" instead of a crash.
 */
import { FormatError } from "../../core/errors.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class JsonReader {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: Json,
  ) {}

  private fail(problem: string): never {
    throw new FormatError(`${this.file}: ${this.path || "(root)"}`, problem);
  }
  object(): JsonObject {
    if (this.value === null || typeof this.value !== "object" || Array.isArray(this.value)) this.fail("expected an object");
    return this.value as JsonObject;
  }
  has(key: string): boolean {
    const v = this.object()[key];
    return v !== undefined && v !== null;
  }
  get(key: string): JsonReader {
    return new JsonReader(this.file, this.path ? `${this.path}.${key}` : key, this.object()[key] ?? null);
  }
  isNull(): boolean {
    return this.value === null;
  }
  string(): string {
    if (typeof this.value !== "string") this.fail("expected a string");
    return this.value;
  }
  number(): number {
    if (typeof this.value !== "number") this.fail("expected a number");
    return this.value;
  }
  boolean(fallback?: boolean): boolean {
    if (this.value === null && fallback !== undefined) return fallback;
    if (typeof this.value !== "boolean") this.fail("expected true or false");
    return this.value;
  }
  optionalString(): string | undefined {
    return this.value === null ? undefined : this.string();
  }
  items(): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail("expected an array");
    return (this.value as Json[]).map((v, i) => new JsonReader(this.file, `${this.path}[${i}]`, v));
  }
  type(): string {
    return this.get("type").string();
  }
  unsupported(what: string): never {
    this.fail(`unsupported ${what}`);
  }
}
