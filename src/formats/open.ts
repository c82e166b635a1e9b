/** Opens a file for reading; a missing or unreadable file is a one-line FormatError naming it. */
import { openSync } from "node:fs";
import { FormatError } from "../core/errors.js";

export function openForReading(path: string): number {
  try {
    return openSync(path, "r");
  } catch (e) {
    throw new FormatError(path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
