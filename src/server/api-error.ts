/**
 * Errors in OpenAI's JSON shape — {"error": {"message", "type", "param", "code"}} — with their HTTP status.
 * Everything a client can get wrong maps to one of these; a 500 means a bug in glassbox.
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 413 | 429 | 500 | 503,
    message: string,
    readonly type: "invalid_request_error" | "authentication_error" | "not_found_error" | "rate_limit_error" | "server_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  get body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalid = (message: string, param: string | null = null, code: string | null = null) => new ApiError(400, message, "invalid_request_error", param, code);
