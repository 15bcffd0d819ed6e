/** @module Errors that carry a message meant for the person at the terminal, and an exit code. */

/** Exit code for a store that cannot be reached or is misconfigured. */
export const EXIT_UNREACHABLE = 2;
/** Exit code for bad input: a malformed file, an unknown option value. */
export const EXIT_BAD_INPUT = 3;

/** An error whose message is complete on its own: what is wrong and what to do about it. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_BAD_INPUT, options?: ErrorOptions) {
    super(message, options);
    this.name = "UserError";
  }
}

/** A store that cannot be reached: names the URL (without password) and how to fix it. */
export class StoreUnreachableError extends UserError {
  constructor(store: string, url: string, cause: unknown, hint: string) {
    super(`${store} at ${url} is not reachable (${describe(cause)}). ${hint}`, EXIT_UNREACHABLE, { cause });
    this.name = "StoreUnreachableError";
  }
}

/** One short line describing an unknown thrown value. */
export function describe(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length) return describe(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const message = cause.message.split("\n")[0] || cause.name;
    return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(cause);
}

/** Hides the password in a connection URL so it can be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

const UNAVAILABLE_NAMES = new Set(["MongoNetworkError", "MongoNetworkTimeoutError", "MongoServerSelectionError", "MongoPoolClearedError", "MongoTopologyClosedError", "TimeoutError"]);
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "PROTOCOL_CONNECTION_LOST"]);

/**
 * Whether an error means a store could not be reached, rather than that the request was wrong: by its
 * name or code, or that of what it wraps (its cause; the driver's bulk errors keep theirs as `errorResponse`).
 */
export function isStoreUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (UNAVAILABLE_NAMES.has(error.name) || UNAVAILABLE_CODES.has(String((error as { code?: unknown }).code))) return true;
  const wrapped = [error.cause, (error as { errorResponse?: unknown }).errorResponse, ...(error instanceof AggregateError ? error.errors : [])];
  return wrapped.some((inner) => isStoreUnavailable(inner, depth + 1));
}
