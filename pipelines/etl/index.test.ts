import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stagingDir } from "../../lib/config.ts";
import type { DocumentStore } from "../../stores/documents.ts";
import { mongoUriOf } from "../../stores/local/locate.ts";
import { runLocalService } from "../../stores/local/service.ts";
import type { World } from "../../test-support/world.ts";
import { CheckFailed } from "./checks.ts";
import { follow } from "./follow.ts";
import { openEtlStores, runEtl, type RunReport } from "./index.ts";
import { loadedWorld, monthlyActivity, mysqlFingerprint, queryWorld } from "../../test-support/published-world.ts";

const workout = (id: number, user: number, startedAt: Date) => ({
  _id: id, user_id: user, activity_type: "running", started_at: startedAt, time_zone: "America/Denver", duration_min: 42, distance_km: 7.5, calories: 480,
  avg_heart_rate: 150, city: "Denver", state: "CO", created_at: new Date(), updated_at: new Date(),
});

let world: World;
beforeAll(async () => {
  world = await loadedWorld();
});
afterAll(async () => world?.dispose());

const query = <T>(sql: string, params: unknown[] = []) => queryWorld<T>(world, sql, params);

/** The follow loop's batch reports as they come (failed batches report nothing), and a wait for the n-th. */
function batchLog() {
  const reports: RunReport[] = [];
  let wake = () => {};
  return {
    reports,
    onBatch(report: RunReport) {
      reports.push(report);
      wake();
    },
    async until(n: number) {
      while (reports.length < n) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe("etl", () => {
  it("builds the star schema and the lake, which agree month by month", async () => {
    const stores = await openEtlStores(world.config);
    try {
      const report = await runEtl(world.config, stores, { full: true });
      expect(report.loaded.fact_activity + report.quarantined).toBe(await stores.documents.collection("activity_logs").countDocuments());
      expect(report.loaded.fact_activity).toBeGreaterThan(10_000);
      expect(report.loaded.dim_user).toBe(1000);
      expect(report.checksPassed).toBeGreaterThan(50);
    } finally {
      await stores.close();
    }
    // Statistics follow the load: an alert's query reads the facts of its weeks by the date index, not every
    // location's facts one by one (what the planner did while it still counted the tables as empty).
    const plan = await query<{ table: string; key: string | null }>(
      "EXPLAIN SELECT l.state, COUNT(*) FROM fact_activity f JOIN dim_location l ON l.location_key = f.location_key WHERE f.date_key BETWEEN 20260601 AND 20260614 GROUP BY l.state",
    );
    expect(plan[0]).toMatchObject({ table: "f", key: "ix_fact_activity_date" });
    // And the active-users rule counts a period's users from the date index alone, not from each fact row.
    const [users] = await query<{ key: string; Extra: string }>(
      "EXPLAIN SELECT COUNT(DISTINCT u.user_pseudonym) FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key WHERE f.date_key BETWEEN 20260501 AND 20260630",
    );
    expect(users).toMatchObject({ key: "ix_fact_activity_date" });
    expect(users.Extra.split("; ")).toContain("Using index");
    const months = await monthlyActivity(world);
    // June 2024 to June 2026: the history as of FIXED_UNTIL (2026-06-30).
    expect(months.lake.length).toBe(25);
    expect(months.lake).toEqual(months.mysql);
    const [noPii] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dim\\_%' AND COLUMN_NAME IN ('email', 'first_name', 'last_name', 'phone', 'date_of_birth', 'user_id')");
    expect(Number(noPii.n)).toBe(0);
  });

  it("files each workout under the local date and hour where it happened (every generated New Yorker's too)", async () => {
    const stores = await openEtlStores(world.config);
    let logs;
    try {
      logs = await stores.documents.collection("activity_logs").find({ time_zone: "America/New_York" }, { projection: { started_at: 1 } });
    } finally {
      await stores.close();
    }
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit" });
    const expected = new Map(logs.map((d) => {
      const p = Object.fromEntries(local.formatToParts(d.started_at as Date).map((x) => [x.type, x.value]));
      return [String(d._id), `${p.year}${p.month}${p.day} ${Number(p.hour)}`];
    }));
    const facts = await query<{ id: number; date_key: number; time_key: number; utc: string }>(
      `SELECT activity_id AS id, date_key, time_key, DATE_FORMAT(started_at, '%Y%m%d %k') AS utc FROM fact_activity WHERE activity_id IN (?)`, [[...expected.keys()].map(Number)]);
    expect(facts.length).toBe(expected.size);
    expect(facts.filter((f) => `${f.date_key} ${f.time_key}` !== expected.get(String(f.id)))).toEqual([]);
    // Evening workouts are the next day in UTC: filed by the instant, these would land on the wrong day.
    expect(facts.filter((f) => f.utc.split(" ")[0] !== String(f.date_key)).length).toBeGreaterThan(100);
  });

  it("changes nothing when rerun with no new data", async () => {
    const before = await mysqlFingerprint(world);
    const lakeBefore = await monthlyActivity(world);
    const stores = await openEtlStores(world.config);
    try {
      const report = await runEtl(world.config, stores);
      expect(Object.values(report.loaded).every((n) => n === 0)).toBe(true);
    } finally {
      await stores.close();
    }
    expect(await mysqlFingerprint(world)).toEqual(before);
    expect((await monthlyActivity(world)).lake).toEqual(lakeBefore.lake);
  });

  it("picks up new workouts and keeps user history (type 2) for facts", async () => {
    const stores = await openEtlStores(world.config);
    try {
      // User 5 moves up a tier now; a workout before and one after the change.
      await stores.mysql.query("UPDATE memberships SET tier = IF(tier = 'Platinum', 'Gold', 'Platinum'), updated_at = UTC_TIMESTAMP() WHERE user_id = 5");
      await stores.documents.collection("activity_logs").insertMany([
        workout(900_001, 5, new Date(Date.UTC(2025, 11, 30, 7))),
        workout(900_002, 5, new Date(Date.now() + 60_000)),
      ]);
      const report = await runEtl(world.config, stores);
      expect(report.loaded.fact_activity).toBe(2);
      expect(report.loaded.dim_user).toBe(2); // the closed version and the new one
    } finally {
      await stores.close();
    }
    const versions = await query<{ user_key: string; membership_tier: string; is_current: number }>(
      "SELECT u.user_key, u.membership_tier, u.is_current FROM dim_user u WHERE u.user_pseudonym = (SELECT user_pseudonym FROM dim_user d JOIN fact_activity f USING (user_key) WHERE f.activity_id = 900001) ORDER BY valid_from",
    );
    expect(versions).toHaveLength(2);
    const [before] = await query<{ user_key: string }>("SELECT user_key FROM fact_activity WHERE activity_id = 900001");
    const [after] = await query<{ user_key: string }>("SELECT user_key FROM fact_activity WHERE activity_id = 900002");
    expect(String(before.user_key)).toBe(String(versions[0].user_key));
    expect(String(after.user_key)).toBe(String(versions[1].user_key));
    expect(Number(versions[1].is_current)).toBe(1);
    const months = await monthlyActivity(world);
    expect(months.lake).toEqual(months.mysql);
  });

  it("reads a workout that commits after a later-stamped one was read, and loads each once", async () => {
    const stores = await openEtlStores(world.config);
    const now = Date.now();
    try {
      // Two server workers: one stamps a workout and is still writing it when a run reads the other's, stamped later.
      await stores.documents.collection("activity_logs").insertMany([{ ...workout(900_020, 6, new Date(Date.UTC(2025, 10, 3, 7))), updated_at: new Date(now) }]);
      expect((await runEtl(world.config, stores)).loaded.fact_activity).toBe(1);
      await stores.documents.collection("activity_logs").insertMany([{ ...workout(900_021, 6, new Date(Date.UTC(2025, 10, 4, 7))), updated_at: new Date(now - 2_000) }]);
      expect((await runEtl(world.config, stores)).loaded.fact_activity).toBe(1);
      // Both are still in the settle window: read again, and skipped.
      const again = await runEtl(world.config, stores);
      expect(again.extracted.activity_logs).toBe(0);
      expect(again.loaded.fact_activity).toBe(0);
    } finally {
      await stores.close();
    }
    expect(await query("SELECT activity_id FROM fact_activity WHERE activity_id IN (900020, 900021)")).toHaveLength(2);
    const months = await monthlyActivity(world);
    expect(months.lake).toEqual(months.mysql);
  });

  it("gives a workout logged from before sign-up to the user's first version, and quarantines an unknown user's", async () => {
    const [user] = await query<{ created_at: string }>("SELECT created_at FROM users WHERE user_id = 9");
    const dayBefore = new Date(Date.parse(`${user.created_at.replace(" ", "T")}Z`) - 86_400_000);
    const stores = await openEtlStores(world.config);
    try {
      await stores.documents.collection("activity_logs").insertMany([workout(900_050, 9, dayBefore), workout(900_051, 999_999, new Date(Date.UTC(2025, 0, 1, 7)))]);
      const report = await runEtl(world.config, stores);
      expect(report.loaded.fact_activity).toBe(1);
      expect(report.quarantined).toBe(1);
    } finally {
      await stores.close();
    }
    const [joined] = await query<{ first: number }>(
      "SELECT u.valid_from = (SELECT MIN(valid_from) FROM dim_user v WHERE v.user_pseudonym = u.user_pseudonym) AS first FROM fact_activity f JOIN dim_user u USING (user_key) WHERE f.activity_id = 900050",
    );
    expect(Number(joined.first)).toBe(1);
    const [reason] = await query<{ reason: string }>("SELECT reason FROM etl_quarantine WHERE source_id = '900051'");
    expect(reason.reason).toMatch(/no user version at workout time/);
  });

  it("quarantines a malformed source document with its reason and goes on", async () => {
    // A document written past the validator (as one written before the validator existed would be).
    const bad = { _id: 900_100, user_id: 7, activity_type: "running", started_at: "yesterday", time_zone: "America/Denver", duration_min: "long", created_at: new Date(), updated_at: new Date() };
    const raw = await new MongoClient(mongoUriOf(world.service.record)).connect();
    const stores = await openEtlStores(world.config);
    try {
      await raw.db(world.config.mongodbDb).collection("activity_logs").insertOne(bad as never, { bypassDocumentValidation: true });
      await stores.documents.collection("activity_logs").insertMany([workout(900_101, 7, new Date(Date.UTC(2025, 5, 1, 18)))]);
      const report = await runEtl(world.config, stores);
      expect(report.quarantined).toBe(1);
      expect(report.loaded.fact_activity).toBe(1);
      // The validator can only say that a zone is text; DuckDB would fail the whole run on one it does not know.
      const nowhere = { ...workout(900_102, 7, new Date(Date.UTC(2025, 5, 1, 18))), time_zone: "Mars/Olympus" };
      await raw.db(world.config.mongodbDb).collection("activity_logs").insertOne(nowhere as never, { bypassDocumentValidation: true });
      expect((await runEtl(world.config, stores)).quarantined).toBe(1);
    } finally {
      await raw.close();
      await stores.close();
    }
    const [q] = await query<{ source_id: string; reason: string }>("SELECT source_id, reason FROM etl_quarantine WHERE source = 'activity_logs' AND source_id = '900100'");
    expect(q.reason).toMatch(/started_at must be date/);
    const [zone] = await query<{ reason: string }>("SELECT reason FROM etl_quarantine WHERE source = 'activity_logs' AND source_id = '900102'");
    expect(zone.reason).toBe('time_zone "Mars/Olympus" is not an IANA time zone');
  });

  it("fails the whole run when one store's extract fails while another is still reading, and leaves nothing behind", async () => {
    const before = await mysqlFingerprint(world);
    const stores = await openEtlStores(world.config);
    try {
      // Enough new workouts that their read is still under way when the operations' MySQL read fails.
      await stores.documents.collection("activity_logs").insertMany(Array.from({ length: 20_000 }, (_, i) => workout(910_000 + i, 3, new Date(Date.UTC(2025, 4, 1 + (i % 28), 7)))));
      await stores.mysql.query("RENAME TABLE inbound_shipments TO inbound_shipments_away");
      let error: unknown;
      try {
        error = await runEtl(world.config, stores).catch((e: unknown) => e);
      } finally {
        await stores.mysql.query("RENAME TABLE inbound_shipments_away TO inbound_shipments");
      }
      expect(String(error)).toMatch(/inbound_shipments/);
      const [run] = await query<{ run_id: string; status: string }>("SELECT run_id, status FROM etl_runs ORDER BY started_at DESC LIMIT 1");
      expect(run.status).toBe("failed");
      // The workouts' read was let finish before the run removed its staging folder: nothing writes there after.
      await sleep(1500);
      expect(existsSync(join(stagingDir(world.config), run.run_id))).toBe(false);
      expect(await mysqlFingerprint(world)).toEqual(before);
      const report = await runEtl(world.config, stores);
      expect(report.loaded.fact_activity).toBe(20_000);
    } finally {
      await stores.close();
    }
  });

  it("fails a run whose check fails, naming model, check and rows, and publishes nothing", async () => {
    const before = await mysqlFingerprint(world);
    const [marksBefore] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM etl_watermarks");
    const stores = await openEtlStores(world.config);
    try {
      // A user "changed" long before they signed up breaks a declared expression of stg_users.
      // (An app user: changing their goals makes the next run read them again.)
      const user = Number((await stores.documents.collection("user_goals").findOne({}))?.user_id);
      await stores.mysql.query("UPDATE users SET updated_at = '2001-01-01 00:00:00', created_at = '2024-01-01 00:00:00' WHERE user_id = ?", [user]);
      await stores.mysql.query("UPDATE memberships SET updated_at = '2001-01-01 00:00:00' WHERE user_id = ?", [user]);
      await stores.documents.collection("user_goals").updateOne({ user_id: user }, { $set: { goal_type: "reduce_stress", updated_at: new Date() } });
      await stores.documents.collection("activity_logs").insertMany([workout(900_200, 3, new Date(Date.UTC(2025, 2, 3, 9)))]);
      const error = await runEtl(world.config, stores).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckFailed);
      expect((error as CheckFailed).model).toBe("stg_users");
      expect((error as CheckFailed).check).toMatch(/changed_at >= created_at/);
      expect((error as CheckFailed).sample.length).toBe(1);
      const [run] = await query<{ status: string }>("SELECT status FROM etl_runs ORDER BY started_at DESC LIMIT 1");
      expect(run.status).toBe("failed");
      // Mend the source; the next run publishes the held-back workout.
      await stores.mysql.query("UPDATE users SET created_at = '2000-01-01 00:00:00' WHERE user_id = ?", [user]);
      expect(await mysqlFingerprint(world)).toEqual(before);
      const [marksAfter] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM etl_watermarks");
      expect(marksAfter.n).toBe(marksBefore.n);
      const report = await runEtl(world.config, stores);
      expect(report.loaded.fact_activity).toBe(1);
    } finally {
      await stores.close();
    }
  });

  it("follows: a workout written to the store reaches MySQL and the lake in the loop's next two batches", async () => {
    const stores = await openEtlStores(world.config);
    const controller = new AbortController();
    const batches = batchLog();
    const running = follow(world.config, stores, { intervalMs: 500, signal: controller.signal, onBatch: batches.onBatch });
    try {
      await batches.until(1);
      await stores.documents.collection("activity_logs").insertMany([workout(900_300, 4, new Date(Date.UTC(2025, 7, 8, 6)))]);
      // The batch under way while it was written may have read before it; the next one cannot miss it.
      const written = batches.reports.length;
      await batches.until(written + 2);
      expect(batches.reports.slice(written).map((r) => r.loaded.fact_activity ?? 0).reduce((a, b) => a + b)).toBe(1);
      expect(await query("SELECT 1 FROM fact_activity WHERE activity_id = 900300")).toHaveLength(1);
    } finally {
      controller.abort();
      await running;
      await stores.close();
    }
    const months = await monthlyActivity(world);
    expect(months.lake).toEqual(months.mysql);
  });

  it("publishes the workout of a user who signs up while a batch is extracting", async () => {
    const stores = await openEtlStores(world.config);
    try {
      // What the API does for a new user, at the moment the batch starts reading workouts: sign-up, then a workout.
      let injected = 0;
      const documents: DocumentStore = Object.create(stores.documents);
      documents.collection = (name) => {
        const inner = stores.documents.collection(name);
        if (name !== "activity_logs") return inner;
        return Object.assign(Object.create(inner), {
          async *stream(filter: Record<string, unknown>) {
            if (!injected) {
              const [[city]] = (await stores.mysql.query("SELECT city_id FROM cities LIMIT 1")) as unknown as [[{ city_id: number }]];
              const [created] = (await stores.mysql.query(
                "INSERT INTO users (first_name, last_name, email, date_of_birth, shopping_preference, city_id, email_consent, sms_consent) VALUES ('Race', 'Case', 'race@example.com', '1990-01-01', 'Both', ?, 1, 0)",
                [city.city_id],
              )) as unknown as [{ insertId: number }];
              injected = 900_400;
              await inner.insertMany([{ ...workout(injected, created.insertId, new Date(Date.now() - 60_000)) }]);
            }
            yield* inner.stream(filter);
          },
        });
      };
      const report = await runEtl(world.config, { ...stores, documents });
      expect(report.quarantined).toBe(0);
      expect(await query("SELECT activity_id FROM fact_activity WHERE activity_id = ?", [injected])).toHaveLength(1);
    } finally {
      await stores.close();
    }
  });

  it("follows through a restart of the store service: the failed batch is retried, nothing lost", async () => {
    const intervalMs = 500;
    const stores = await openEtlStores(world.config);
    const controller = new AbortController();
    const batches = batchLog();
    const running = follow(world.config, stores, { intervalMs, signal: controller.signal, onBatch: batches.onBatch });
    try {
      await batches.until(1);
      await world.service.stop();
      await new Promise((r) => setTimeout(r, 3 * intervalMs)); // batches fail meanwhile
      world.service = await runLocalService(world.dataDir, { idleMs: 0 });
      await stores.documents.collection("activity_logs").insertMany([workout(900_500, 5, new Date(Date.UTC(2025, 8, 1, 7)))]);
      const written = batches.reports.length;
      await batches.until(written + 2);
      expect(batches.reports.slice(written).map((r) => r.loaded.fact_activity ?? 0).reduce((a, b) => a + b)).toBe(1);
      expect(await query("SELECT 1 FROM fact_activity WHERE activity_id = 900500")).toHaveLength(1);
    } finally {
      controller.abort();
      await running;
      await stores.close();
    }
  });
});
