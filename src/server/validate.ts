/**
 * Request-body checks: each reads one field, and a wrong type or range becomes a 400 that names the field
 * (`param`), as OpenAI's API reports it.
 */
import { invalid } from "./api-error.js";

export type Body = Record<string, unknown>;

export function asBody(value: unknown): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("the request body must be a JSON object");
  return value as Body;
}

export function optionalNumber(body: Body, field: string, { min = -Infinity, max = Infinity, integer = false } = {}): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw invalid(`'${field}' must be a number, got ${JSON.stringify(v)}`, field, "invalid_type");
  if (integer && !Number.isInteger(v)) throw invalid(`'${field}' must be an integer, got ${v}`, field, "invalid_type");
  if (v < min || v > max) throw invalid(`'${field}' must be between ${min} and ${max}, got ${v}`, field, "invalid_value");
  return v;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(`'${field}' must be a boolean, got ${JSON.stringify(v)}`, field, "invalid_type");
  return v;
}

export function optionalString(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`'${field}' must be a string, got ${JSON.stringify(v)}`, field, "invalid_type");
  return v;
}

/** `stop`: a string or an array of up to 4 strings (OpenAI's limit). */
export function stopStrings(body: Body): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string") || list.length > 4) throw invalid("'stop' must be a string or an array of at most 4 strings", "stop", "invalid_type");
  return list.filter((s) => s.length > 0);
}
