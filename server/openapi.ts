/** @module The OpenAPI 3.1 description, built from the same zod schemas that validate requests; and a docs page rendered from it. */
import { z, type ZodType } from "zod";
import { escapeHtml } from "../lib/html.ts";
import { LoginBody, RegisterBody } from "./routes/accounts.ts";
import { ActivityBody, ActivityQuery } from "./routes/activities.ts";
import { GoalsBody } from "./goals.ts";

type Route = { method: string; path: string; summary: string; auth: boolean; body?: ZodType; query?: ZodType; responses: Record<string, string> };

export const ROUTES: Route[] = [
  { method: "post", path: "/v1/users", summary: "Register an account (MySQL users), then log in. A taken e-mail gets the same answer (its owner is told by e-mail), so sign-up does not reveal who has an account.", auth: false, body: RegisterBody, responses: { 202: "Accepted: log in with POST /v1/sessions", 400: "Invalid body", 422: "Unknown city", 429: "Too many sign-ups from this address" } },
  { method: "get", path: "/v1/cities", summary: "The cities an account can live in.", auth: false, responses: { 200: "Cities" } },
  { method: "post", path: "/v1/sessions", summary: "Log in: returns a bearer token (stored hashed in DynamoDB sessions).", auth: false, body: LoginBody, responses: { 201: "Token", 401: "Wrong e-mail or password", 429: "Too many attempts for this account from this address, or from this address" } },
  { method: "post", path: "/app/session", summary: "The web app's login: the session goes into an HttpOnly, SameSite=Strict cookie, with a readable CSRF cookie whose value writes must echo in X-CSRF-Token.", auth: false, body: LoginBody, responses: { 201: "Cookies set", 401: "Wrong e-mail or password", 429: "Too many attempts" } },
  { method: "delete", path: "/v1/sessions/current", summary: "Log out: ends the session of the token sent.", auth: true, responses: { 204: "Logged out", 401: "No valid token" } },
  { method: "get", path: "/v1/me/goals", summary: "Fitness goal and notification preferences (MongoDB user_goals).", auth: true, responses: { 200: "Goals" } },
  { method: "put", path: "/v1/me/goals", summary: "Set goal, target, preferred activities, channel, quiet hours, preferred hour and time zone.", auth: true, body: GoalsBody, responses: { 200: "Goals", 400: "Invalid body" } },
  { method: "post", path: "/v1/me/activities", summary: "Log a workout (MongoDB activity_logs): started_at is an instant with its offset; time_zone (IANA) says where it happened, else the zone in the user's goals, else their city's. The warehouse files it under that local date and hour.", auth: true, body: ActivityBody, responses: { 201: "Logged", 400: "Invalid body", 422: "In the future" } },
  { method: "get", path: "/v1/me/activities", summary: "Workouts, newest first; filter by from/to/type; follow next_cursor for more.", auth: true, query: ActivityQuery, responses: { 200: "A page of workouts" } },
  { method: "get", path: "/v1/me/inspiration", summary: "Today's workout and quote, with why they were chosen.", auth: true, responses: { 200: "Inspiration" } },
  { method: "post", path: "/v1/me/inspiration/send", summary: "Send today's inspiration now by the user's channel (needs consent).", auth: true, responses: { 202: "Queued", 200: "Already queued today", 409: "No consent or no channel" } },
  { method: "get", path: "/v1/me/export", summary: "Everything held about the user, from every store, as JSON.", auth: true, responses: { 200: "Export" } },
  { method: "delete", path: "/v1/me", summary: "Erase the user from every store, the outbox, the warehouse and the lake.", auth: true, responses: { 200: "Erased" } },
  { method: "get", path: "/health", summary: "Each store's status.", auth: false, responses: { 200: "All stores answer", 503: "A store does not answer" } },
  { method: "get", path: "/reports/", summary: "The insights report site (built by `nike report`).", auth: false, responses: { 200: "HTML", 404: "Not built yet" } },
];

const ERROR = { type: "object", properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, details: {} }, required: ["code", "message", "details"] } }, required: ["error"] };
const schema = (s: ZodType) => {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

export function openApi(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const query = r.query ? (schema(r.query) as { properties: Record<string, unknown>; required?: string[] }) : undefined;
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      ...(query ? { parameters: Object.entries(query.properties).map(([name, s]) => ({ name, in: "query", required: query.required?.includes(name) ?? false, schema: s })) } : {}),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(r.body) } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, description]) => [status, Number(status) >= 400 ? { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } } : { description }]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Inspire API", version: "1.0.0", description: "Personalised workouts and motivational quotes. Every error is {\"error\": {\"code\", \"message\", \"details\"}}." },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } }, schemas: { Error: ERROR } },
    paths,
  };
}

export function docsPage(): string {
  const rows = ROUTES.map((r) => `<tr><td><code>${r.method.toUpperCase()}</code></td><td><code>${escapeHtml(r.path)}</code></td><td>${escapeHtml(r.summary)}</td><td>${r.auth ? "Bearer token" : "—"}</td></tr>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Inspire API</title><link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#111827}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e7eb;padding:.4rem;text-align:left;vertical-align:top}code{background:#f3f4f6;padding:0 .2rem}</style></head>
<body><h1>Inspire API</h1><p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are always <code>{"error": {"code", "message", "details"}}</code>. The web app is at <a href="/app">/app</a>, the reports at <a href="/reports/">/reports/</a>.</p>
<table><thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">What it does</th><th scope="col">Auth</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
}
