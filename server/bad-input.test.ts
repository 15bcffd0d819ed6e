/** Malformed and hostile requests: each gets the right 4xx in the one error shape, never a 500, and writes nothing. */
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../test-support/world.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import type { Running } from "./serve.ts";
import { client, startTestServer } from "../test-support/server.ts";

let world: World;
let server: Running;
let http: ReturnType<typeof client>;
let token: string;
let otherToken: string;
let otherActivity: number;

const valid = {
  name: "Robin Hostile",
  email: "robin@example.com",
  password: "a sound password",
  date_of_birth: "1988-08-08",
  city: "Denver",
  region: "CO",
  shopping_preference: "Both",
  consent: { email: true, sms: false },
};
const goals = { goal_type: "stay_active", target_workouts_per_week: 3, preferred_activities: ["yoga"], notifications: { channel: "email", time_zone: "UTC" } };
const workout = { activity_type: "yoga", started_at: new Date(Date.now() - 86_400_000).toISOString(), duration_min: 30 };

beforeAll(async () => {
  world = await loadedWorld(31);
  server = await startTestServer(world.config, join(world.dataDir, "site"));
  http = client(server.url);
  for (const [email, set] of [["robin@example.com", (t: string) => (token = t)], ["other@example.com", (t: string) => (otherToken = t)]] as const) {
    expect((await http("POST", "/v1/users", { body: { ...valid, email } })).status).toBe(202);
    set((await http("POST", "/v1/sessions", { body: { email, password: valid.password } })).body.token);
  }
  otherActivity = (await http("POST", "/v1/me/activities", { token: otherToken, body: workout })).body.id;
});
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

/** Everything a bad request could have written, counted. */
async function footprint() {
  const [[users], [outbox]] = await Promise.all([
    server.ctx.mysql.query("SELECT COUNT(*) AS n, MAX(updated_at) AS u FROM users"),
    server.ctx.mysql.query("SELECT COUNT(*) AS n FROM notification_outbox"),
  ]);
  return {
    users,
    outbox,
    goals: await server.ctx.documents.collection("user_goals").countDocuments(),
    goalDoc: await server.ctx.documents.collection("user_goals").findOne({ user_id: { $gt: 1000 } }),
    activities: await server.ctx.documents.collection("activity_logs").countDocuments(),
  };
}

type Case = [name: string, method: string, path: string, options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }, status: number, code?: string];

const cases = (): Case[] => [
  ["register: empty body", "POST", "/v1/users", { raw: "", headers: { "content-type": "application/json" } }, 400],
  ["register: malformed JSON", "POST", "/v1/users", { raw: '{"name": "x",', headers: { "content-type": "application/json" } }, 400],
  ["register: JSON array instead of object", "POST", "/v1/users", { body: [valid] }, 400, "invalid_request"],
  ["register: missing email", "POST", "/v1/users", { body: { ...valid, email: undefined } }, 400, "invalid_request"],
  ["register: email is a number", "POST", "/v1/users", { body: { ...valid, email: 42 } }, 400, "invalid_request"],
  ["register: NoSQL operator as email", "POST", "/v1/users", { body: { ...valid, email: { $gt: "" } } }, 400, "invalid_request"],
  ["register: SQL injection in email", "POST", "/v1/users", { body: { ...valid, email: "x@example.com' OR '1'='1" } }, 400, "invalid_request"],
  ["register: SQL injection in city", "POST", "/v1/users", { body: { ...valid, email: "sqli@example.com", city: "Denver'; DROP TABLE users; --" } }, 422, "unknown_city"],
  ["register: short password", "POST", "/v1/users", { body: { ...valid, email: "short@example.com", password: "123" } }, 400, "invalid_request"],
  ["register: date of birth not a date", "POST", "/v1/users", { body: { ...valid, email: "dob@example.com", date_of_birth: "yesterday" } }, 400, "invalid_request"],
  ["register: born in the future", "POST", "/v1/users", { body: { ...valid, email: "future@example.com", date_of_birth: "2099-01-01" } }, 400, "invalid_request"],
  ["register: SMS consent without a phone", "POST", "/v1/users", { body: { ...valid, email: "nophone@example.com", consent: { email: false, sms: true } } }, 400, "invalid_request"],
  ["register: unknown extra field (mass assignment)", "POST", "/v1/users", { body: { ...valid, email: "admin@example.com", is_admin: true } }, 400, "invalid_request"],
  ["register: consent as a string", "POST", "/v1/users", { body: { ...valid, email: "c@example.com", consent: "yes" } }, 400, "invalid_request"],
  ["register: a name longer than its column", "POST", "/v1/users", { body: { ...valid, email: "long@example.com", name: "x".repeat(100) } }, 400, "invalid_request"],
  ["register: one letter with 120 combining accents", "POST", "/v1/users", { body: { ...valid, email: "accents@example.com", name: `e${"\u0301".repeat(120)} Doe` } }, 400, "invalid_request"],
  ["register: huge body", "POST", "/v1/users", { body: { ...valid, email: "big@example.com", name: "x".repeat(200_000) } }, 413, "payload_too_large"],
  ["register: form-encoded body", "POST", "/v1/users", { raw: "name=x&email=y", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "unsupported_media_type"],
  ["login: NoSQL operator as password", "POST", "/v1/sessions", { body: { email: "robin@example.com", password: { $ne: null } } }, 400, "invalid_request"],
  ["login: SQL injection in e-mail", "POST", "/v1/sessions", { body: { email: "' OR 1=1 --@x.com", password: "x" } }, 400, "invalid_request"],
  ["goals: no token", "GET", "/v1/me/goals", { token: null }, 401, "unauthorized"],
  ["goals: malformed token", "GET", "/v1/me/goals", { token: "not-a-token" }, 401, "invalid_token"],
  ["goals: well-formed unknown token", "GET", "/v1/me/goals", { token: "A".repeat(43) }, 401, "invalid_token"],
  ["goals: Basic auth instead of Bearer", "GET", "/v1/me/goals", { token: null, headers: { authorization: "Basic cm9iaW46cGFzcw==" } }, 401, "unauthorized"],
  ["goals: unknown goal type", "PUT", "/v1/me/goals", { body: { ...goals, goal_type: "become_famous" } }, 400, "invalid_request"],
  ["goals: NoSQL operator as goal type", "PUT", "/v1/me/goals", { body: { ...goals, goal_type: { $set: { user_id: 1 } } } }, 400, "invalid_request"],
  ["goals: target as a string", "PUT", "/v1/me/goals", { body: { ...goals, target_workouts_per_week: "3" } }, 400, "invalid_request"],
  ["goals: push, a channel nothing delivers", "PUT", "/v1/me/goals", { body: { ...goals, notifications: { channel: "push", time_zone: "UTC" } } }, 400, "invalid_request"],
  ["goals: quiet hour 25", "PUT", "/v1/me/goals", { body: { ...goals, notifications: { ...goals.notifications, quiet_hours: { start: 25, end: 7 } } } }, 400, "invalid_request"],
  ["goals: made-up time zone", "PUT", "/v1/me/goals", { body: { ...goals, notifications: { ...goals.notifications, time_zone: "Mars/Olympus" } } }, 400, "invalid_request"],
  ["goals: $where operator field", "PUT", "/v1/me/goals", { body: { ...goals, $where: "sleep(1000)" } }, 400, "invalid_request"],
  ["activities: unknown activity type", "POST", "/v1/me/activities", { body: { ...workout, activity_type: "sofa" } }, 400, "invalid_request"],
  ["activities: negative duration", "POST", "/v1/me/activities", { body: { ...workout, duration_min: -5 } }, 400, "invalid_request"],
  ["activities: started in the future", "POST", "/v1/me/activities", { body: { ...workout, started_at: "2099-01-01T00:00:00Z" } }, 422, "in_the_future"],
  ["activities: started years ago", "POST", "/v1/me/activities", { body: { ...workout, started_at: "2001-01-01T07:00:00Z" } }, 422, "too_old"],
  ["activities: someone else's user_id in the body", "POST", "/v1/me/activities", { body: { ...workout, user_id: 1 } }, 400, "invalid_request"],
  ["activities: NoSQL operator in the type filter", "GET", "/v1/me/activities?type[$ne]=yoga", {}, 400, "invalid_request"],
  ["activities: limit of a million", "GET", "/v1/me/activities?limit=1000000", {}, 400, "invalid_request"],
  ["activities: forged cursor", "GET", `/v1/me/activities?cursor=${Buffer.from("1.2.3.x").toString("base64url")}`, {}, 400, "invalid_cursor"],
  ["activities: cursor with injection characters", "GET", "/v1/me/activities?cursor=%27%3B%20DROP", {}, 400, "invalid_request"],
  ["activities: from is not a date", "GET", "/v1/me/activities?from=last-week", {}, 400, "invalid_request"],
  ["unknown route", "GET", "/v1/admin/users", {}, 404, "not_found"],
  ["erase: no token", "DELETE", "/v1/me", { token: null }, 401, "unauthorized"],
  ["inspiration: no token", "GET", "/v1/me/inspiration", { token: null }, 401, "unauthorized"],
  ["send: unknown token", "POST", "/v1/me/inspiration/send", { token: "C".repeat(43) }, 401, "invalid_token"],
  ["export: expired-looking token", "GET", "/v1/me/export", { token: "B".repeat(43) }, 401, "invalid_token"],
  ["reports: path traversal", "GET", "/reports/..%2f..%2fpackage.json", {}, 404],
  ["reports: a lone percent sign", "GET", "/reports/%", {}, 400, "bad_path"],
  ["reports: a truncated UTF-8 escape", "GET", "/reports/%E0%A4%A", {}, 400, "bad_path"],
  ["reports: overlong UTF-8 dots", "GET", "/reports/%c0%ae%c0%ae/package.json", {}, 400, "bad_path"],
];

describe("bad input", () => {
  it(`answers ${cases().length} malformed or hostile requests with the right 4xx, the error shape, no 500, and no writes`, async () => {
    expect(cases().length).toBeGreaterThanOrEqual(30);
    const before = await footprint();
    const problems: string[] = [];
    for (const [name, method, path, options, status, code] of cases()) {
      const reply = await http(method, path, { ...options, token: options.token === null ? undefined : (options.token ?? token) });
      if (reply.status !== status) problems.push(`${name}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
      else if (typeof reply.body !== "object" || typeof reply.body?.error?.message !== "string" || !("details" in reply.body.error)) problems.push(`${name}: not the error shape: ${JSON.stringify(reply.body).slice(0, 200)}`);
      else if (code && reply.body.error.code !== code) problems.push(`${name}: expected code ${code}, got ${reply.body.error.code}`);
    }
    expect(problems).toEqual([]);
    expect(await footprint()).toEqual(before);
  });

  it("describes the API at the configured address, whatever Host the request names", async () => {
    // fetch() keeps its own Host header, so the request is made with node:http.
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(`${server.url}/openapi.json`, { headers: { host: "evil.example" } }, (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk) => (text += chunk)).on("end", () => resolve(text));
      });
      request.on("error", reject).end();
    });
    const servers = JSON.parse(body).servers;
    expect(servers).toHaveLength(1);
    expect(JSON.stringify(servers)).not.toContain("evil.example");
  });

  it("closes a connection whose body it refused unread, so a kept-alive client opens a new one for its next request", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
      new Promise<{ response: IncomingMessage; socket: Socket }>((resolve, reject) => {
        const request = httpRequest(`${server.url}${path}`, { method, agent, headers: { "content-type": "application/json", ...headers } }, (response) => {
          response.resume().on("end", () => resolve({ response, socket: request.socket! }));
        });
        request.on("error", reject).end(body);
      });
    try {
      const refused: Array<[string, string, string, Record<string, string>?]> = [
        ["POST", "/v1/users", JSON.stringify({ ...valid, name: "x".repeat(200_000) })],
        ["POST", "/v1/users", "name=x", { "content-type": "application/x-www-form-urlencoded" }],
        ["POST", "/v1/me/activities", JSON.stringify(workout)],
      ];
      for (const [method, path, body, headers] of refused) {
        const first = await send(method, path, body, headers);
        expect(first.response.statusCode).toBeGreaterThanOrEqual(400);
        expect(first.response.headers.connection, `${first.response.statusCode} on ${path}`).toBe("close");
        const next = await send("GET", "/health");
        expect(next.response.statusCode).toBe(200);
        expect(next.socket).not.toBe(first.socket);
      }
      // A body that was read keeps the connection for the next request.
      const read = await send("POST", "/v1/sessions", JSON.stringify({ email: "robin@example.com", password: valid.password }));
      expect(read.response.statusCode).toBe(201);
      expect(read.response.headers.connection).toBe("keep-alive");
      expect((await send("GET", "/health")).socket).toBe(read.socket);
    } finally {
      agent.destroy();
    }
  });

  it("keeps each user to their own data: another user's workout is not theirs to see", async () => {
    const mine = await http("GET", "/v1/me/activities", { token });
    expect(mine.body.items.map((a: { id: number }) => a.id)).not.toContain(otherActivity);
    const theirs = await http("GET", "/v1/me/activities", { token: otherToken });
    expect(theirs.body.items.map((a: { id: number }) => a.id)).toEqual([otherActivity]);
    const exported = await http("GET", "/v1/me/export", { token });
    expect(JSON.stringify(exported.body)).not.toContain("other@example.com");
  });
});
