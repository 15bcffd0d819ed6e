/** @module The one error shape every 4xx/5xx uses: `{"error": {"code", "message", "details"}}`. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string, details?: unknown) => ({ error: { code, message, details: details ?? null } });

/** The error as JSON; one that says when to retry (`details.retry_after_s`) also says so in `Retry-After`. */
export function sendError(c: Context, error: ApiError) {
  const retryAfter = (error.details as { retry_after_s?: unknown } | undefined)?.retry_after_s;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  return c.json(errorBody(error.code, error.message, error.details), error.status);
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} was not found.`);
