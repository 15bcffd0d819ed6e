/** Inspire end to end over real HTTP: the real MariaDB, the embedded document store and embedded DynamoDB, real SMTP and a stand-in SMS API. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../test-support/world.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { hashToken, newToken } from "./auth/tokens.ts";
import { scheduleDay } from "./notify/schedule.ts";
import type { Running } from "./serve.ts";
import { client, eventually, smsProvider, smtpSink, startTestServer, type Reply } from "../test-support/server.ts";

const OPS_TOKEN = "operator-token-for-tests-0123456789";
let world: World;
let server: Running;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
let sms: Awaited<ReturnType<typeof smsProvider>>;
let http: ReturnType<typeof client>;

beforeAll(async () => {
  world = await loadedWorld(21);
  smtp = await smtpSink();
  sms = await smsProvider();
  server = await startTestServer({ ...world.config, smtpUrl: smtp.url, smsUrl: sms.url, opsToken: OPS_TOKEN }, join(world.dataDir, "no-site"));
  http = client(server.url);
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await sms?.close();
  await world?.dispose();
});

const query = async <T>(sql: string, params: unknown[] = []) => (await server.ctx.mysql.query(sql, params))[0] as T[];
let n = 0;
const newUser = (over: Record<string, unknown> = {}) => ({
  name: "Casey Runner",
  email: `casey${++n}@example.com`,
  password: "long enough password",
  date_of_birth: "1992-03-14",
  city: "Denver",
  region: "CO",
  shopping_preference: "Online",
  consent: { email: true, sms: false },
  ...over,
});
async function signUp(over: Record<string, unknown> = {}) {
  const body = newUser(over);
  const created = await http("POST", "/v1/users", { body });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const login = await http("POST", "/v1/sessions", { body: { email: body.email, password: body.password } });
  expect(login.status).toBe(201);
  return { userId: login.body.user_id as number, token: login.body.token as string, email: body.email, password: body.password };
}
const goals = (over: Record<string, unknown> = {}) => ({
  goal_type: "improve_endurance",
  target_workouts_per_week: 4,
  preferred_activities: ["running", "cycling"],
  notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: 7, time_zone: "America/Denver" },
  ...over,
});

describe("Inspire: a user's whole life over HTTP", () => {
  it("register → login → goals → workouts → inspiration → send → export → erase", async () => {
    const { userId, token, email, password } = await signUp();

    const put = await http("PUT", "/v1/me/goals", { token, body: goals() });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ goal_type: "improve_endurance", configured: true, notifications: { time_zone: "America/Denver", preferred_hour: 7 } });
    expect((await http("GET", "/v1/me/goals", { token })).body.preferred_activities).toEqual(["running", "cycling"]);

    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      const logged = await http("POST", "/v1/me/activities", { token, body: { activity_type: i % 2 ? "cycling" : "running", started_at: new Date(now - (i + 1) * 86_400_000).toISOString(), duration_min: 30 + i } });
      expect(logged.status).toBe(201);
      expect(logged.body).toMatchObject({ city: "Denver", state: "CO" });
    }
    const page1 = await http("GET", "/v1/me/activities?limit=2", { token });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await http("GET", `/v1/me/activities?limit=2&cursor=${page1.body.next_cursor}`, { token });
    const page3 = await http("GET", `/v1/me/activities?limit=2&cursor=${page2.body.next_cursor}`, { token });
    expect(page3.body.next_cursor).toBeNull();
    const all = [...page1.body.items, ...page2.body.items, ...page3.body.items];
    expect(all.map((a) => a.duration_min)).toEqual([30, 31, 32, 33, 34]);
    const cycling = await http("GET", `/v1/me/activities?type=cycling&from=${new Date(now - 3 * 86_400_000).toISOString()}`, { token });
    expect(cycling.body.items.map((a: { duration_min: number }) => a.duration_min)).toEqual([31]);

    const inspiration = await http("GET", "/v1/me/inspiration", { token });
    expect(inspiration.status).toBe(200);
    expect(["running", "cycling", "yoga", "walking", "pilates", "swimming"]).toContain(inspiration.body.workout.activity);
    expect(inspiration.body.quote).not.toBeNull();
    expect(inspiration.body.why.join(" ")).toContain("improve endurance, 4 workouts a week");
    expect((await http("GET", "/v1/me/inspiration", { token })).body).toEqual(inspiration.body);

    const sent = await http("POST", "/v1/me/inspiration/send", { token });
    expect(sent.status).toBe(202);
    const mail = await eventually(async () => smtp.mails.find((m) => m.to && "text" in m.to && m.to.text === email), 10_000, "the e-mail");
    expect(mail.text).toContain(`${inspiration.body.workout.duration_min} minutes of ${inspiration.body.workout.activity}`);
    expect(String(mail.html)).toContain(inspiration.body.quote.text.split(" ")[0]);
    const again = await http("POST", "/v1/me/inspiration/send", { token });
    expect(again.status).toBe(200);
    expect(again.body.queued).toBe(false);
    // The SMTP server has the message before the dispatcher hears back and records it.
    await eventually(async () => (await query<{ status: string }>("SELECT status FROM notification_outbox WHERE message_id = ?", [sent.body.message_id]))[0].status === "sent", 10_000, "the message marked sent");
    const [history] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM quote_history WHERE user_id = ? AND quote_id = ?", [userId, inspiration.body.quote.id]);
    expect(history.n).toBe(1);

    const exported = await http("GET", "/v1/me/export", { token });
    expect(exported.status).toBe(200);
    expect(exported.body.mysql.users[0].email).toBe(email);
    expect(exported.body.mysql.users[0].password_hash).toBeUndefined();
    expect(exported.body.mongodb.activity_logs).toHaveLength(5);
    expect(exported.body.mongodb.user_goals[0].goal_type).toBe("improve_endurance");
    expect(exported.body.dynamodb.sessions.length).toBeGreaterThanOrEqual(1);
    expect(exported.body.mysql.notification_outbox).toHaveLength(1);
    expect(exported.body.warehouse.user_pseudonym).toMatch(/^[0-9a-f]{16}$/);
    // Every operational table that holds rows of a user is in the export (a new one cannot be forgotten).
    const perUser = await query<{ t: string }>("SELECT DISTINCT TABLE_NAME AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'user_id' AND TABLE_NAME NOT IN (SELECT TABLE_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'user_pseudonym')");
    expect(Object.keys(exported.body.mysql)).toEqual(expect.arrayContaining(perUser.map((r) => r.t)));

    // A second version of the goals, so that erasure has a superseded line to remove too.
    expect((await http("PUT", "/v1/me/goals", { token, body: goals({ target_workouts_per_week: 5 }) })).status).toBe(200);
    const linesOfUser = async () => {
      const folder = join(world.dataDir, "documents", world.config.mongodbDb);
      const texts = await Promise.all((await readdir(folder)).filter((f) => f.endsWith(".jsonl")).map((f) => readFile(join(folder, f), "utf8")));
      return texts.join("").split("\n").filter((line) => new RegExp(`"user_id":${userId}[,}]`).test(line)).length;
    };
    expect(await linesOfUser()).toBeGreaterThanOrEqual(7);
    const erased = await http("DELETE", "/v1/me", { token });
    expect(erased.status).toBe(200);
    expect((await http("POST", "/v1/sessions", { body: { email, password } })).status).toBe(401);
    expect((await http("GET", "/v1/me/goals", { token })).status).toBe(401);
    expect(await query("SELECT user_id FROM users WHERE user_id = ? OR email = ?", [userId, email])).toEqual([]);
    expect(await query("SELECT message_id FROM notification_outbox WHERE user_id = ?", [userId])).toEqual([]);
    expect(await query("SELECT quote_id FROM quote_history WHERE user_id = ?", [userId])).toEqual([]);
    expect(await server.ctx.documents.collection("activity_logs").countDocuments({ user_id: userId })).toBe(0);
    expect(await server.ctx.documents.collection("user_goals").countDocuments({ user_id: userId })).toBe(0);
    expect(await server.ctx.sessions.byUser(userId)).toEqual([]);
    // Erased means gone from the files: no version of the goals or workouts is left in the logs.
    expect(await linesOfUser()).toBe(0);
  });

  it("SMS: the provider is down, the dispatcher retries, and the message is delivered once when it is back", async () => {
    const { userId, token } = await signUp({ phone: "+13035550101", consent: { email: false, sms: true } });
    expect((await http("PUT", "/v1/me/goals", { token, body: goals({ notifications: { channel: "sms", time_zone: "America/Denver" } }) })).status).toBe(200);
    sms.up = false;
    const sent = await http("POST", "/v1/me/inspiration/send", { token });
    expect(sent.status).toBe(202);
    const failing = await eventually(async () => {
      const [row] = await query<{ attempts: number; status: string; last_error: string }>("SELECT attempts, status, last_error FROM notification_outbox WHERE message_id = ?", [sent.body.message_id]);
      return row.attempts >= 2 && row.status === "pending" ? row : undefined;
    }, 10_000, "two failed attempts");
    expect(failing.status).toBe("pending");
    expect(failing.last_error).toContain("503");
    sms.up = true;
    await eventually(async () => (await query<{ status: string }>("SELECT status FROM notification_outbox WHERE message_id = ?", [sent.body.message_id]))[0].status === "sent", 10_000, "delivery");
    await new Promise((r) => setTimeout(r, 500)); // a few more dispatcher passes: nothing may be sent again
    const mine = sms.received.filter((m) => m.to === "+13035550101");
    expect(mine).toHaveLength(1);
    expect(mine[0].token).toBe(`${userId}:${sent.body.date}:inspiration-now`);
    expect(mine[0].auth).toBe(`Basic ${Buffer.from("ACtest:secret").toString("base64")}`);
    expect(mine[0].body).toMatch(/^Inspire: \d+ min of /);
  });

  it("moves a message to dead-letter after the last failed attempt", async () => {
    const { token } = await signUp({ phone: "+13035550102", consent: { email: false, sms: true } });
    await http("PUT", "/v1/me/goals", { token, body: goals({ notifications: { channel: "sms", time_zone: "UTC" } }) });
    sms.up = false;
    try {
      const sent = await http("POST", "/v1/me/inspiration/send", { token });
      const dead = await eventually(async () => {
        const [row] = await query<{ status: string; attempts: number }>("SELECT status, attempts FROM notification_outbox WHERE message_id = ?", [sent.body.message_id]);
        return row.status === "dead" ? row : undefined;
      }, 10_000, "dead-letter");
      expect(dead.attempts).toBe(4);
    } finally {
      sms.up = true;
    }
  });

  it("refuses to send without consent", async () => {
    const { token } = await signUp({ consent: { email: false, sms: false } });
    const refused = await http("POST", "/v1/me/inspiration/send", { token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("consent_required");
  });

  it("schedules today's inspiration at the user's preferred hour, outside quiet hours, once", async () => {
    const { userId, token } = await signUp();
    await http("PUT", "/v1/me/goals", { token, body: goals({ notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: 6, time_zone: "UTC" } }) });
    const at = new Date(Date.UTC(2030, 0, 15, 1, 0)); // 01:00 UTC: 06:00 is in quiet hours, so 07:00
    const first = await scheduleDay(server.ctx, at);
    expect(first.queued).toBeGreaterThan(0);
    const [row] = await query<{ next_attempt_at: string; kind: string; status: string }>("SELECT next_attempt_at, kind, status FROM notification_outbox WHERE user_id = ? AND kind = 'inspiration'", [userId]);
    expect(row).toMatchObject({ kind: "inspiration", status: "pending", next_attempt_at: "2030-01-15 07:00:00.000" });
    const second = await scheduleDay(server.ctx, at);
    expect(second.queued).toBe(0);
    const [consenting] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE email_consent OR sms_consent");
    expect(first.queued + first.skipped).toBe(consenting.n);
  });

  it("queues each day's message once per user when two schedules run at once", async () => {
    const at = new Date(Date.UTC(2030, 1, 20, 12, 0));
    const [a, b] = await Promise.all([scheduleDay(server.ctx, at), scheduleDay(server.ctx, at)]);
    const [row] = await query<{ n: number; users: number }>("SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM notification_outbox WHERE idempotency_key LIKE '%:2030-02-20:inspiration'");
    expect(Number(row.n)).toBeGreaterThan(100);
    expect(a.queued + b.queued).toBe(Number(row.n));
    expect(Number(row.users)).toBe(Number(row.n));
    const [consenting] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE email_consent OR sms_consent");
    expect([a.queued + a.skipped, b.queued + b.skipped]).toEqual([Number(consenting.n), Number(consenting.n)]);
  });

  it("rate-limits failed logins per account", async () => {
    const { email, password } = await signUp();
    const tries: Reply[] = [];
    for (let i = 0; i < 6; i++) tries.push(await http("POST", "/v1/sessions", { body: { email, password: "wrong password!" } }));
    expect(tries.slice(0, 5).map((t) => t.status)).toEqual([401, 401, 401, 401, 401]);
    expect(tries[5].status).toBe(429);
    expect(Number(tries[5].headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await http("POST", "/v1/sessions", { body: { email, password } })).status).toBe(429);
  });

  it("treats an expired session as absent, and logout ends a session", async () => {
    const { userId, token } = await signUp();
    const stale = newToken();
    const past = new Date(Date.now() - 2 * 86_400_000);
    await server.ctx.sessions.put({ token_hash: hashToken(stale), user_id: userId, started_at: past.toISOString(), last_seen_at: past.toISOString(), expires_at: Math.floor(past.getTime() / 1000) + 60 });
    const expired = await http("GET", "/v1/me/goals", { token: stale });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe("invalid_token");
    expect((await http("DELETE", "/v1/sessions/current", { token })).status).toBe(204);
    expect((await http("GET", "/v1/me/goals", { token })).status).toBe(401);
  });

  it("serves health, the OpenAPI description, the docs, the web app, and explains a missing report site", async () => {
    // The public answer is up or down; the stores' detail (sizes) is for operators only.
    const health = await http("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    expect((await http("GET", "/health", { token: "not-the-ops-token-at-all" })).body.stores).toBeUndefined();
    const detail = await http("GET", "/health", { token: OPS_TOKEN });
    expect(Object.values(detail.body.stores).every((s) => (s as { ok: boolean }).ok)).toBe(true);
    const spec = await http("GET", "/openapi.json");
    expect(spec.body.openapi).toBe("3.1.0");
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(["/v1/users", "/v1/sessions", "/v1/me/goals", "/v1/me/activities", "/v1/me/inspiration", "/v1/me/inspiration/send", "/v1/me/export", "/v1/me"]));
    expect(spec.body.paths["/v1/users"].post.requestBody.content["application/json"].schema.required).toContain("email");
    expect((await http("GET", "/docs")).body).toContain("/v1/me/inspiration");
    expect((await http("GET", "/app")).body).toContain('<form id="signup-form">');
    const reports = await http("GET", "/reports/");
    expect(reports.status).toBe(404);
    expect(reports.body.error.code).toBe("reports_not_built");
    expect(health.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
