/**
 * The description is the routes: every route the app serves is in /openapi.json (and nothing else
 * is), and every described operation, called for real, answers with a status it documents and a
 * body its schema for that status accepts, both for a valid request and for an invalid one.
 */
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadedWorld } from "../test-support/published-world.ts";
import { client, startTestServer, type Reply } from "../test-support/server.ts";
import type { World } from "../test-support/world.ts";
import { createApp } from "./app.ts";
import type { Running } from "./serve.ts";

/** What the app serves that is not the JSON API: pages, redirects, the report site and the description itself. */
const PAGES = ["GET /", "GET /app", "GET /docs", "GET /openapi.json", "GET /reports", "GET /reports/*"];

type Operation = { summary?: string; requestBody?: unknown; parameters?: Array<{ in: string; name: string }>; responses: Record<string, { content?: Record<string, { schema: object }> }> };
type ApiDocument = { components: object; paths: Record<string, Record<string, Operation>> };

let world: World;
let server: Running;
let http: ReturnType<typeof client>;
let document: ApiDocument;

beforeAll(async () => {
  world = await loadedWorld(81);
  server = await startTestServer(world.config, join(world.dataDir, "site"));
  http = client(server.url);
  document = (await http("GET", "/openapi.json")).body;
});
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

/** `METHOD /path` of each documented operation, with Hono's `:param` for OpenAPI's `{param}`. */
const documented = () =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`));

const ajv = new Ajv2020({ strict: false, allErrors: true });
(formats as unknown as (ajv: Ajv2020) => void)(ajv);

/** Why `reply` is not what the description says `METHOD path` answers, or undefined when it is. */
function mismatch(method: string, path: string, reply: Reply): string | undefined {
  const op = document.paths[path]?.[method.toLowerCase()];
  if (!op) return `${method} ${path} is not described`;
  const response = op.responses[String(reply.status)];
  if (!response) return `${method} ${path} answered ${reply.status}, which it does not document (it documents ${Object.keys(op.responses).join(", ")}): ${JSON.stringify(reply.body).slice(0, 200)}`;
  const schema = response.content?.["application/json"]?.schema;
  if (!schema) return reply.body === null ? undefined : `${method} ${path} answered ${reply.status} with a body its description does not have`;
  if (!/^application\/json\b/.test(reply.headers.get("content-type") ?? "")) return `${method} ${path} answered ${reply.status} as ${reply.headers.get("content-type")}, not JSON`;
  const validate = ajv.compile({ ...schema, components: document.components });
  return validate(reply.body) ? undefined : `${method} ${path} ${reply.status}: the body does not fit its schema: ${ajv.errorsText(validate.errors)}: ${JSON.stringify(reply.body).slice(0, 300)}`;
}

const person = {
  name: "Dana Described",
  email: "dana@example.com",
  password: "a long enough password",
  date_of_birth: "1990-05-06",
  city: "Denver",
  region: "CO",
  phone: "+13035550177",
  shopping_preference: "Both",
  consent: { email: true, sms: false },
};
const login = { email: person.email, password: person.password };
const goals = { goal_type: "improve_endurance", target_workouts_per_week: 4, preferred_activities: ["running"], notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: 7, time_zone: "America/Denver" } };
const workout = () => ({ activity_type: "running", started_at: new Date(Date.now() - 86_400_000).toISOString(), duration_min: 35, distance_km: 6.2 });

type Call = { method: string; path: string; query?: string; token?: boolean; body?: unknown; expect: number };

/** A valid request for every described operation, in an order that works (erasure last). */
const VALID: Call[] = [
  { method: "POST", path: "/v1/users", body: person, expect: 202 },
  { method: "GET", path: "/v1/cities", expect: 200 },
  { method: "POST", path: "/v1/sessions", body: login, expect: 201 },
  { method: "POST", path: "/app/session", body: login, expect: 201 },
  { method: "GET", path: "/v1/me/goals", token: true, expect: 200 },
  { method: "PUT", path: "/v1/me/goals", token: true, body: goals, expect: 200 },
  { method: "POST", path: "/v1/me/activities", token: true, body: workout(), expect: 201 },
  { method: "GET", path: "/v1/me/activities", query: "?type=running&limit=5", token: true, expect: 200 },
  { method: "GET", path: "/v1/me/inspiration", token: true, expect: 200 },
  { method: "POST", path: "/v1/me/inspiration/send", token: true, expect: 202 },
  { method: "GET", path: "/v1/me/export", token: true, expect: 200 },
  { method: "GET", path: "/health", expect: 200 },
  { method: "DELETE", path: "/v1/sessions/current", token: true, expect: 204 },
  { method: "DELETE", path: "/v1/me", token: true, expect: 200 },
];

describe("the OpenAPI description", () => {
  it("describes every route the app serves, and only those", () => {
    const served = new Set(createApp(server.ctx).routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
    const api = [...served].filter((route) => !PAGES.includes(route));
    expect(api.filter((route) => route.includes(" /v1/")).length).toBeGreaterThanOrEqual(12);
    expect(documented().sort()).toEqual(api.sort());
    expect(PAGES.filter((page) => !served.has(page))).toEqual([]);
  });

  it("gives every operation a summary, and every error answer the one error shape", () => {
    const problems: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op.summary) problems.push(`${method} ${path}: no summary`);
        for (const [status, response] of Object.entries(op.responses)) {
          const schema = response.content?.["application/json"]?.schema as { $ref?: string } | undefined;
          if (Number(status) >= 400 && path !== "/health" && schema?.$ref !== "#/components/schemas/Error") problems.push(`${method} ${path} ${status}: not the error shape`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("answers a valid request to each operation as described", async () => {
    expect(VALID.map((c) => `${c.method} ${c.path}`).sort()).toEqual(documented().sort());
    const problems: string[] = [];
    let token: string | undefined;
    for (const call of VALID) {
      // Logging out ends a session of its own, so that the rest still have one.
      const bearer = call.path === "/v1/sessions/current" ? (await http("POST", "/v1/sessions", { body: login })).body.token : token;
      const reply = await http(call.method, `${call.path}${call.query ?? ""}`, { body: call.body, token: call.token ? bearer : undefined });
      if (reply.status !== call.expect) problems.push(`${call.method} ${call.path}: expected ${call.expect}, got ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
      const wrong = mismatch(call.method, call.path, reply);
      if (wrong) problems.push(wrong);
      if (call.path === "/v1/sessions" && reply.status === 201) token = reply.body.token;
    }
    expect(problems).toEqual([]);
  });

  it("answers an invalid body or query string to each operation that takes one with a documented 4xx", async () => {
    const email = "invalid-calls@example.com";
    expect((await http("POST", "/v1/users", { body: { ...person, email } })).status).toBe(202);
    const token = (await http("POST", "/v1/sessions", { body: { email, password: person.password } })).body.token as string;
    const problems: string[] = [];
    let calls = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const invalid: Array<{ query?: string; body?: unknown }> = [];
        if (op.requestBody) invalid.push({ body: [] });
        if (op.parameters?.some((p) => p.in === "query")) invalid.push({ query: "?not_a_parameter=1" });
        for (const { query, body } of invalid) {
          calls++;
          const reply = await http(method.toUpperCase(), `${path}${query ?? ""}`, { body, token });
          if (reply.status < 400 || reply.status >= 500) problems.push(`${method} ${path}: an invalid request got ${reply.status}`);
          const wrong = mismatch(method.toUpperCase(), path, reply);
          if (wrong) problems.push(wrong);
        }
      }
    }
    expect(calls).toBeGreaterThanOrEqual(6);
    expect(problems).toEqual([]);
  });
});
