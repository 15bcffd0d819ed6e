import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { parseScale } from "../../lib/scale.ts";
import { generate, RAW_TABLES } from "./index.ts";
import { CHANNELS } from "../../domain/vocabulary.ts";
import { APP_USER_SHARE } from "./model.ts";
import { FIXED_UNTIL } from "../../test-support/world.ts";

let root: string;
let duck: DuckDB;
const file = (dir: string, table: string) => join(root, dir, `${table}.parquet`);
const one = async <T>(sql: string) => (await duck.all<Record<string, T>>(sql))[0];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nike-generate-"));
  duck = await openDuckDB();
  await generate({ scale: parseScale("tiny"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "a") });
  await generate({ scale: parseScale("tiny"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "b") });
  await generate({ scale: parseScale("tiny"), seed: 8, until: FIXED_UNTIL, outDir: join(root, "c") });
  await generate({ scale: parseScale("tiny"), seed: 7, until: "2025-03-15", outDir: join(root, "d") });
  await generate({ scale: parseScale("small"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "small") });
});
afterAll(async () => {
  duck.close();
  await rm(root, { recursive: true, force: true });
});

describe("generate", () => {
  it("writes every table at the preset's scale", async () => {
    for (const table of RAW_TABLES) expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", table)}'`)).n).toBeGreaterThan(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "users")}'`)).n).toBe(1000n);
    // A share of the customers use the app, and only they log workouts: at most 3× the 10 per customer of old.
    const logs = await one<bigint>(`SELECT count(*) AS n, count(DISTINCT user_id) AS users FROM '${file("a", "activity_logs")}'`);
    expect(Number(logs.n)).toBeLessThanOrEqual(30 * 1000);
    expect(Number(logs.users) / 1000).toBeCloseTo(APP_USER_SHARE, 1);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "user_goals")}'`)).n).toBe(logs.users);
    expect((await one<bigint>(`SELECT count(DISTINCT text) AS n FROM '${file("a", "quotes")}'`)).n).toBeGreaterThanOrEqual(300n);
  });

  it("gives every user a notification channel that something delivers", async () => {
    const rows = await duck.all<{ channel: string }>(`SELECT DISTINCT channel FROM '${file("a", "user_goals")}' ORDER BY channel`);
    expect(rows.map((r) => r.channel)).toEqual([...CHANNELS].sort());
  });

  it("gives the same rows in the same order for the same seed and --until, and others for another", async () => {
    const digest = async (dir: string, table: string) => {
      const rows = await duck.all(`SELECT * FROM '${file(dir, table)}'`);
      return createHash("sha256").update(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).digest("hex");
    };
    for (const table of ["users", "activity_logs", "orders", "sessions"]) {
      expect(await digest("b", table)).toBe(await digest("a", table));
      expect(await digest("c", table)).not.toBe(await digest("a", table));
    }
    const span = (dir: string) => one<Date>(`SELECT min(started_at) AS first, max(started_at) AS last FROM '${file(dir, "activity_logs")}'`);
    expect(await span("a")).toMatchObject({ first: expect.any(Date), last: expect.any(Date) });
    // The history runs up to --until (nothing on or after it, even in UTC) from the first of the month 24 months earlier.
    const d = await span("d");
    expect(d.first.toISOString() >= "2023-03-01").toBe(true);
    expect(d.last.toISOString() < "2025-03-15").toBe(true);
    expect(d.last.toISOString() > "2025-03-10").toBe(true);
  });

  it("keeps referential integrity between tables", async () => {
    const orphans = async (child: string, column: string, parent: string, key = column) =>
      (await one<bigint>(`SELECT count(*) AS n FROM '${file("a", child)}' c WHERE c.${column} IS NOT NULL AND c.${column} NOT IN (SELECT ${key} FROM '${file("a", parent)}')`)).n;
    expect(await orphans("users", "city_id", "cities")).toBe(0n);
    expect(await orphans("cities", "state_code", "states")).toBe(0n);
    expect(await orphans("devices", "user_id", "users")).toBe(0n);
    expect(await orphans("activity_logs", "user_id", "users")).toBe(0n);
    expect(await orphans("user_goals", "user_id", "users")).toBe(0n);
    expect(await orphans("sessions", "user_id", "users")).toBe(0n);
    expect(await orphans("sessions", "device_id", "devices")).toBe(0n);
    expect(await orphans("orders", "user_id", "users")).toBe(0n);
    expect(await orphans("order_items", "order_id", "orders")).toBe(0n);
    expect(await orphans("order_items", "product_id", "products")).toBe(0n);
    expect(await orphans("sales", "employee_id", "employees")).toBe(0n);
    expect(await orphans("employees", "store_id", "stores")).toBe(0n);
    expect(await orphans("stores", "manager_employee_id", "employees", "employee_id")).toBe(0n);
    // A store's manager works at that store.
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "stores")}' s JOIN '${file("a", "employees")}' e ON e.employee_id = s.manager_employee_id WHERE e.store_id <> s.store_id`)).n).toBe(0n);
    // Payments equal the order's item total.
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "payments")}' p JOIN (SELECT order_id, round(sum(quantity * unit_price), 2) AS t FROM '${file("a", "order_items")}' GROUP BY 1) i USING (order_id) WHERE abs(p.amount - i.t) > 0.005`)).n).toBe(0n);
  });

  it("keeps the latent segment out of the operational data", async () => {
    const columns = await duck.all<{ column_name: string }>(`DESCRIBE SELECT * FROM '${file("a", "users")}'`);
    expect(columns.map((c) => c.column_name)).not.toContain("segment");
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${join(root, "a", "planted", "user_segments.parquet")}'`)).n).toBe(1000n);
  });

  it("plants seasons, hours, regions and segments that the data shows (small scale)", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const logs = file("small", "activity_logs");
    const local = "timezone(time_zone, timezone('UTC', started_at))";
    const peaks = await duck.all<{ activity_type: string; month: number }>(`
      SELECT activity_type, arg_max(month, n)::INT AS month FROM (
        SELECT activity_type, month(${local}) AS month, count(*) AS n FROM '${logs}' GROUP BY ALL) GROUP BY ALL`);
    for (const { activity, peak_month } of truth.activities) {
      const found = peaks.find((p) => p.activity_type === activity)!.month;
      const distance = Math.min(Math.abs(found - peak_month), 12 - Math.abs(found - peak_month));
      expect(distance, `${activity}: peak month ${found}, planted ${peak_month}`).toBeLessThanOrEqual(1);
    }
    // Planted hours and months are local: the instants are UTC, each with the zone it happened in.
    const [{ hour }] = await duck.all<{ hour: number }>(`SELECT arg_max(h, n)::INT AS hour FROM (SELECT hour(${local}) AS h, count(*) AS n FROM '${logs}' GROUP BY 1)`);
    expect(truth.peak_hours).toContain(hour);
    const perUser = await duck.all<{ state: string; rate: number }>(`
      SELECT c.state_code AS state, count(l.user_id) / count(DISTINCT u.user_id) AS rate
      FROM '${file("small", "users")}' u JOIN '${file("small", "cities")}' c USING (city_id)
      LEFT JOIN '${logs}' l ON l.user_id = u.user_id GROUP BY 1 HAVING count(DISTINCT u.user_id) > 100 ORDER BY rate DESC`);
    expect(truth.top_states).toContain(perUser[0].state);
    const bySegment = await duck.all<{ segment: string; rate: number }>(`
      SELECT s.segment, count(l.user_id) / count(DISTINCT s.user_id) AS rate
      FROM '${join(root, "small", "planted", "user_segments.parquet")}' s LEFT JOIN '${logs}' l USING (user_id) GROUP BY 1`);
    const rate = (name: string) => bySegment.find((s) => s.segment === name)!.rate;
    expect(rate("runner")).toBeGreaterThan(3 * rate("casual"));
  });

  it("gives each segment's app users their planted weekly rate (within 20%), over a history with every month twice", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const weeks = ((Date.parse(truth.history.end) - Date.parse(truth.history.start)) / 86_400_000 + 1) / 7;
    const logs = file("small", "activity_logs");
    const bySegment = await duck.all<{ segment: string; workouts: bigint; users: bigint }>(`
      SELECT s.segment, count(*) AS workouts, count(DISTINCT l.user_id) AS users
      FROM '${logs}' l JOIN '${join(root, "small", "planted", "user_segments.parquet")}' s USING (user_id) GROUP BY 1`);
    expect(bySegment).toHaveLength(truth.segments.length);
    for (const planted of truth.segments) {
      const found = bySegment.find((s) => s.segment === planted.name)!;
      const perWeek = Number(found.workouts) / Number(found.users) / weeks;
      expect(Math.abs(perWeek / planted.workouts_per_week - 1), `${planted.name}: ${perWeek.toFixed(2)} a week, planted ${planted.workouts_per_week}`).toBeLessThan(0.2);
    }
    const appUsers = bySegment.reduce((n, s) => n + Number(s.users), 0);
    expect(appUsers / 10_000).toBeCloseTo(truth.app_user_share, 1);
    const months = await duck.all<{ month: number; years: bigint }>(`
      SELECT month(timezone(time_zone, timezone('UTC', started_at))) AS month, count(DISTINCT year(timezone(time_zone, timezone('UTC', started_at)))) AS years
      FROM '${logs}' GROUP BY 1`);
    expect(months).toHaveLength(12);
    for (const m of months) expect(Number(m.years), `month ${m.month}`).toBeGreaterThanOrEqual(2);
  });
});
