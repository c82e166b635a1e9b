/**
 * Typed errors. A `UserError` is the user's to fix (a missing file, a corrupt or unsupported format, a bad
 * flag): the CLI prints its one-line message and exits with code 2, never a stack trace. Anything else is a
 * bug in glassbox and keeps its stack.
 */
export class UserError extends Error {
  /** @param source the file, field or flag the problem is in, e.g. "tokenizer.json: model.merges[3]" */
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = "UserError";
  }
}

/** Raised while parsing a binary or JSON file: names the file and where in it the problem is. */
export class FormatError extends UserError {
  override name = "FormatError";
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
