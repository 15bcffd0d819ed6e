/** App sessions are measured: use over (simulated) time gives each session its duration and hours, through to `fact_app_session`. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudonym } from "../lib/pseudonym.ts";
import type { World } from "../test-support/world.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { IDLE_MS, TOUCH_MS } from "./auth/session-activity.ts";
import { startServer, type Running } from "./serve.ts";
import { client, eventually } from "../test-support/server.ts";

let world: World;
let server: Running;
let http: ReturnType<typeof client>;
// The server's clock, moved by the test: five past the next full hour.
const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 5 * 60_000);
let clock = start;
const at = (minutes: number) => (clock = new Date(start.getTime() + minutes * 60_000));

beforeAll(async () => {
  world = await loadedWorld(61);
  server = await startServer(world.config, { port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "silent", dispatcher: false, now: () => clock });
  http = client(server.url);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

describe("app sessions", () => {
  it("get their duration from use (recorded at most every few minutes), end on logout or when idle, and reach fact_app_session with platform and hours", async () => {
    expect(TOUCH_MS).toBe(5 * 60_000);
    expect(IDLE_MS).toBe(30 * 60_000);
    const person = { name: "Sam Session", email: `sam.${Date.now()}@example.com`, password: "sam's long password", date_of_birth: "1990-02-02", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: false, sms: false } };
    expect((await http("POST", "/v1/users", { body: person })).status).toBe(202);

    // An API session: used at +3, +7, +20 and +26 minutes, logged out at +28.
    at(0);
    const login = await http("POST", "/v1/sessions", { body: { email: person.email, password: person.password } });
    expect(login.status).toBe(201);
    const { token, user_id: userId } = login.body;
    const api = async () => (await server.ctx.sessions.byUser(userId)).find((s) => s.platform === "api")!;
    for (const [minute, recorded] of [[3, 0], [7, 420], [20, 1200], [26, 1560]]) {
      at(minute);
      expect((await http("GET", "/v1/me/goals", { token })).status).toBe(200);
      await eventually(async () => (await api()).duration_s === recorded, 30_000, `duration ${recorded} s at +${minute} min`);
    }
    at(28);
    expect((await http("DELETE", "/v1/sessions/current", { token })).status).toBe(204);
    expect(await api()).toMatchObject({ duration_s: 1680, ended_at: at(28).toISOString(), last_seen_at: at(28).toISOString() });
    expect((await http("GET", "/v1/me/goals", { token })).status).toBe(401);

    // A web session from +60: used at +70, then left idle; the next use, 31 minutes later, finds it ended at +70.
    at(60);
    const web = await http("POST", "/app/session", { body: { email: person.email, password: person.password } });
    expect(web.status).toBe(201);
    const cookie = (web.headers.get("set-cookie") ?? "").split(/,(?=\s*inspire_)/).map((c) => c.split(";")[0].trim()).join("; ");
    at(70);
    expect((await http("GET", "/v1/me/goals", { headers: { cookie } })).status).toBe(200);
    await eventually(async () => (await server.ctx.sessions.byUser(userId)).find((s) => s.platform === "web")?.duration_s === 600, 30_000, "the web session's use at +70");
    at(101);
    const idle = await http("GET", "/v1/me/goals", { headers: { cookie } });
    expect(idle.status).toBe(401);
    expect(idle.body.error.code).toBe("session_idle");
    await eventually(async () => (await server.ctx.sessions.byUser(userId)).find((s) => s.platform === "web")?.ended_at === at(70).toISOString(), 30_000, "the idle web session ended at its last use");

    const stores = await openEtlStores(world.config);
    try {
      await runEtl(world.config, stores, { full: true });
    } finally {
      await stores.close();
    }
    const [facts] = await server.ctx.mysql.query(
      `SELECT f.platform, f.duration_s, f.time_key, f.date_key FROM fact_app_session f JOIN dim_user u USING (user_key)
       WHERE u.user_pseudonym = ? ORDER BY f.started_at`,
      [pseudonym(world.config.pseudonymKey, userId)],
    );
    // Sam set no goals: the sessions happened in Denver's zone, and are filed under Denver's hours.
    expect((await server.ctx.sessions.byUser(userId)).map((s) => s.time_zone)).toEqual(["America/Denver", "America/Denver"]);
    const denver = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Denver", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit" });
    const local = (d: Date) => {
      const p = Object.fromEntries(denver.formatToParts(d).map((x) => [x.type, x.value]));
      return { time_key: Number(p.hour), date_key: Number(`${p.year}${p.month}${p.day}`) };
    };
    expect(facts).toEqual([
      { platform: "api", duration_s: 1680, ...local(start) },
      { platform: "web", duration_s: 600, ...local(at(60)) },
    ]);
  }, 120_000);
});
