/**
 * Time means the same everywhere: a workout posted through the API is filed in the warehouse under
 * the local date and hour where it happened, and inspiration goes out at each user's local hour.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../test-support/world.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { scheduleDay } from "./notify/schedule.ts";
import type { Running } from "./serve.ts";
import { client, startTestServer } from "../test-support/server.ts";

let world: World;
let server: Running;
let http: ReturnType<typeof client>;
// The server's clock: late November 2026, so that both of 2026's daylight-saving changes are in the past.
let clock = new Date("2026-11-28T11:00:00Z");

beforeAll(async () => {
  world = await loadedWorld(71);
  server = await startTestServer(world.config, join(world.dataDir, "site"), { dispatcher: false, now: () => clock });
  http = client(server.url);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

let people = 0;
async function signUp(city: string, region: string, consent = false): Promise<{ token: string; userId: number }> {
  const person = {
    name: `Local Person${++people}`, email: `local.${people}.${Date.now()}@example.com`, password: "a long enough password", date_of_birth: "1991-04-04",
    city, region, shopping_preference: "Online", consent: { email: consent, sms: false },
  };
  expect((await http("POST", "/v1/users", { body: person })).status).toBe(202);
  const login = await http("POST", "/v1/sessions", { body: { email: person.email, password: person.password } });
  expect(login.status).toBe(201);
  return { token: login.body.token, userId: login.body.user_id };
}

const goals = (timeZone: string) => ({
  goal_type: "improve_endurance", target_workouts_per_week: 4, preferred_activities: ["running"],
  notifications: { channel: "email", quiet_hours: { start: 22, end: 6 }, preferred_hour: 7, time_zone: timeZone },
});

describe("local time, end to end", () => {
  it("files a workout under the local date and hour where it happened: mornings, just after midnight, late evenings, and across daylight saving", async () => {
    const denver = await signUp("Denver", "CO");
    const islander = await signUp("Denver", "CO");
    expect((await http("PUT", "/v1/me/goals", { token: islander.token, body: goals("Pacific/Honolulu") })).status).toBe(200);
    const cases: Array<{ token: string; started_at: string; time_zone?: string; date_key: number; time_key: number; why: string }> = [
      { token: denver.token, started_at: "2026-11-20T07:00:00-07:00", date_key: 20261120, time_key: 7, why: "a 07:00 workout in Denver (14:00 UTC)" },
      { token: denver.token, started_at: "2026-11-21T00:10:00-07:00", date_key: 20261121, time_key: 0, why: "just after local midnight" },
      { token: denver.token, started_at: "2026-11-21T06:30:00Z", date_key: 20261120, time_key: 23, why: "late evening: already the next day in UTC" },
      { token: denver.token, started_at: "2026-03-07T14:00:00Z", date_key: 20260307, time_key: 7, why: "07:00 the day before clocks go forward (UTC-7)" },
      { token: denver.token, started_at: "2026-03-08T13:00:00Z", date_key: 20260308, time_key: 7, why: "07:00 on the day clocks go forward (UTC-6)" },
      { token: denver.token, started_at: "2026-11-01T14:00:00Z", date_key: 20261101, time_key: 7, why: "07:00 on the day clocks go back (UTC-7 again)" },
      { token: denver.token, started_at: "2026-11-22T07:00:00-05:00", time_zone: "America/New_York", date_key: 20261122, time_key: 7, why: "on a trip: the device says New York" },
      { token: islander.token, started_at: "2026-11-20T17:00:00Z", date_key: 20261120, time_key: 7, why: "the zone in the user's goals: 07:00 in Honolulu" },
    ];
    const ids = new Map<number, (typeof cases)[number]>();
    for (const c of cases) {
      const body = { activity_type: "running", started_at: c.started_at, duration_min: 40, ...(c.time_zone ? { time_zone: c.time_zone } : {}) };
      const posted = await http("POST", "/v1/me/activities", { token: c.token, body });
      expect(posted.status, c.why).toBe(201);
      expect(posted.body.time_zone, c.why).toBe(c.time_zone ?? (c.token === islander.token ? "Pacific/Honolulu" : "America/Denver"));
      ids.set(Number(posted.body.id), c);
    }
    const stores = await openEtlStores(world.config);
    try {
      await runEtl(world.config, stores);
    } finally {
      await stores.close();
    }
    const [rows] = await server.ctx.mysql.query("SELECT activity_id AS id, date_key, time_key FROM fact_activity WHERE activity_id IN (?)", [[...ids.keys()]]);
    const filed = new Map((rows as Array<{ id: number; date_key: number; time_key: number }>).map((r) => [Number(r.id), r]));
    for (const [id, c] of ids) expect({ date_key: filed.get(id)?.date_key, time_key: filed.get(id)?.time_key }, c.why).toEqual({ date_key: c.date_key, time_key: c.time_key });
  });

  it("schedules 07:00 in Honolulu and 07:00 in New York at their own UTC instants, and a customer without goals by their city's clock", async () => {
    const honolulu = await signUp("Denver", "CO", true);
    const newYork = await signUp("Denver", "CO", true);
    const chicago = await signUp("Chicago", "IL", true);
    expect((await http("PUT", "/v1/me/goals", { token: honolulu.token, body: goals("Pacific/Honolulu") })).status).toBe(200);
    expect((await http("PUT", "/v1/me/goals", { token: newYork.token, body: goals("America/New_York") })).status).toBe(200);
    // 11:00 UTC: 06:00 in New York, 01:00 in Honolulu, 05:00 in Chicago, all on the 28th.
    clock = new Date("2026-11-28T11:00:00Z");
    await scheduleDay(server.ctx, clock);
    const [rows] = await server.ctx.mysql.query("SELECT user_id, next_attempt_at FROM notification_outbox WHERE kind = 'inspiration' AND user_id IN (?)", [[honolulu.userId, newYork.userId, chicago.userId]]);
    const at = new Map((rows as Array<{ user_id: number; next_attempt_at: string }>).map((r) => [r.user_id, r.next_attempt_at]));
    expect(at.get(newYork.userId)).toBe("2026-11-28 12:00:00.000");
    expect(at.get(honolulu.userId)).toBe("2026-11-28 17:00:00.000");
    // No goals: the default 09:00, in Chicago's zone (UTC-6) rather than a default zone's.
    expect(at.get(chicago.userId)).toBe("2026-11-28 15:00:00.000");
  });

  it("gives a customer without goals the inspiration of their own city's day", async () => {
    const angeleno = await signUp("Los Angeles", "CA");
    clock = new Date("2026-11-28T06:00:00Z"); // 22:00 on the 27th in Los Angeles, already the 28th in New York
    const today = await http("GET", "/v1/me/inspiration", { token: angeleno.token });
    expect(today.status).toBe(200);
    expect(today.body).toMatchObject({ date: "2026-11-27", time_zone: "America/Los_Angeles" });
  });
});
