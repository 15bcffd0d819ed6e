/**
 * @module The server's logger: pino JSON lines, with errors serialised by rule so that no personal
 * data reaches a log. A database error carries the statement with every value filled in (mysql2's
 * `sql`), and its message may quote a value ("Duplicate entry 'a@b.c'"); a document store error
 * carries the offending document or key. Store errors are logged by kind and code only; other errors
 * keep their message, and every stack loses its first line (the message).
 */
import pino, { type DestinationStream, type Logger } from "pino";
import { isStoreUnavailable } from "../lib/errors.ts";

type LoggedError = { type: string; message: string; code?: unknown; errno?: unknown; sqlState?: unknown; codeName?: unknown; stack?: string; cause?: LoggedError };

/** Whether an error may quote stored data: a store's answer does, a lost connection ("connect ECONNREFUSED …") does not. */
function fromStore(error: Error): boolean {
  const e = error as unknown as Record<string, unknown>;
  if (isStoreUnavailable(error) && !("errorResponse" in e)) return false;
  return "sqlState" in e || "sql" in e || "errorResponse" in e || "keyValue" in e || "codeName" in e || error.name.startsWith("Mongo");
}

export function loggedError(error: unknown, depth = 0): LoggedError | unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? "(a thrown string)" : error;
  const e = error as Error & { code?: unknown; errno?: unknown; sqlState?: unknown; codeName?: unknown };
  const store = fromStore(error);
  const out: LoggedError = {
    type: error.name,
    message: store ? `${error.name}${e.code !== undefined ? ` ${String(e.code)}` : ""} (details withheld: they can hold personal data)` : error.message,
    stack: error.stack?.split("\n").slice(1).join("\n"),
  };
  for (const field of ["code", "errno", "sqlState", "codeName"] as const) if (e[field] !== undefined) out[field] = e[field];
  if (error.cause !== undefined && depth < 3) out.cause = loggedError(error.cause, depth + 1) as LoggedError;
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: loggedError, error: loggedError } }, destination);
}
