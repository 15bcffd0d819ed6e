/**
 * @module The OpenAPI 3.1 description, generated from the routes themselves (each one is defined with
 * `createRoute` and registered with `app.openapi`, so what is described is what is served); the
 * shapes the routes share (the error body, the sign-in schemes); and the docs page rendered from it.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { escapeHtml } from "../lib/html.ts";
import { SESSION_COOKIE } from "./auth/web-session.ts";

/** The one error shape every 4xx/5xx uses. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.union([z.array(z.object({ path: z.string(), message: z.string() })), z.record(z.string(), z.unknown())]).nullable(),
    }),
  })
  .openapi("Error");

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** The error answers a route gives, each described in the route's own words, all with the error body. */
export const errorResponses = <D extends Partial<Record<ErrorStatus, string>>>(described: D) =>
  Object.fromEntries(Object.entries(described).map(([status, description]) => [status, { description, content: { "application/json": { schema: ErrorBody } } }])) as {
    [S in keyof D]: { description: string; content: { "application/json": { schema: typeof ErrorBody } } };
  };

/** A JSON answer. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A JSON request body, required. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

/** The errors most routes share; a route lists those it can answer with. */
export const FAILS = {
  invalid: "`invalid_request`: the body, query string or path is not valid (`details` lists each problem)",
  unauthenticated: "`unauthorized` (no token), `invalid_token` (unknown, expired or erased) or `session_idle` (30 minutes unused): log in again",
  csrf: "`csrf_failed`: a change made with the web app's session cookie without its `X-CSRF-Token`",
  tooLarge: "`payload_too_large`: request bodies are limited to 64 KiB",
  notJson: "`unsupported_media_type`: send the body as JSON with `Content-Type: application/json`",
  internal: "`internal_error`: something went wrong on our side (quote the request id)",
  unavailable: "`store_unavailable`: a data store is not reachable; retry after `Retry-After` seconds",
} as const;

/** The error answers of every route that reads a store. */
export const ALWAYS = { 500: FAILS.internal, 503: FAILS.unavailable } as const;

/** Either way of being signed in: the bearer token, or the web app's session cookie (with its CSRF header for changes). */
export const SIGNED_IN_SECURITY: Array<Record<string, string[]>> = [{ bearer: [] }, { webSession: [] }];

/** The description of every route `app` has registered so far, naming `serverUrl` (configured, never the request's Host). */
export function describeApi(app: OpenAPIHono<any, any, any>, serverUrl: string) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "The token from POST /v1/sessions." });
  app.openAPIRegistry.registerComponent("securitySchemes", "webSession", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The web app's session (POST /app/session); changes must echo the inspire_csrf cookie in X-CSRF-Token.",
  });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Inspire API", version: "1.0.0", description: 'Personalised workouts and motivational quotes. Every error is {"error": {"code", "message", "details"}}.' },
    servers: [{ url: serverUrl }],
  });
}

export type ApiDocument = ReturnType<typeof describeApi>;

export function docsPage(document: ApiDocument): string {
  const rows = Object.entries(document.paths ?? {})
    .flatMap(([path, item]) =>
      Object.entries(item as Record<string, { summary?: string; security?: unknown[] }>).map(
        ([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? "")}</td><td>${op.security?.length ? "Bearer token" : "—"}</td></tr>`,
      ),
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Inspire API</title><link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#111827}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e7eb;padding:.4rem;text-align:left;vertical-align:top}code{background:#f3f4f6;padding:0 .2rem}</style></head>
<body><h1>Inspire API</h1><p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are always <code>{"error": {"code", "message", "details"}}</code>. The web app is at <a href="/app">/app</a>, the reports at <a href="/reports/">/reports/</a>.</p>
<table><thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">What it does</th><th scope="col">Auth</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
}
