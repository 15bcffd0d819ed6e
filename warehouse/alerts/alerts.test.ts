import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxDir } from "../../lib/config.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { connectMysql, type MySql } from "../../stores/mysql.ts";
import { loadedWorld } from "../../test-support/published-world.ts";
import type { World } from "../../test-support/world.ts";
import { openEtlStores, runEtl } from "../../pipelines/etl/index.ts";
import { report } from "../../cli/report.ts";
import { readWatermarks } from "../ledger.ts";
import { evaluateRule, metricSql } from "./evaluate.ts";
import { completePeriod, previousPeriod } from "./periods.ts";
import { alertStates, checkAlerts, firingAlerts, parseRules, type Rule } from "./index.ts";

/** The tiny world's history ends on 2026-06-29, so the latest complete ISO week is 2026-W26 (June 22–28). */
const WEEK = { first: "2026-06-22", last: "2026-06-28", key: "2026-W26" };

let world: World;
let db: MySql;
let cutState: string;
let watermark: Date;

const rule = (yaml: string): Rule => parseRules(`rules:\n${yaml.replace(/^/gm, "  ")}\n`, "test.yml").rules[0];
const evaluate = (r: Rule, now = new Date()) => evaluateRule(db, r, now);
const outboxFiles = async (config = world.config) => (await readdir(join(outboxDir(config), "email")).catch(() => [] as string[])).filter((f) => f.endsWith(".eml"));

beforeAll(async () => {
  world = await loadedWorld(11, "tiny");
  const documents = await openDocumentStore(world.config);
  try {
    const logs = documents.collection("activity_logs");
    // The state with the most workouts in the week: every one of its workouts from that week on is removed.
    const byState = await logs.aggregate([
      { $match: { started_at: { $gte: new Date(`${WEEK.first}T12:00:00Z`), $lt: new Date(`${WEEK.last}T12:00:00Z`) } } },
      { $group: { _id: "$state", n: { $sum: 1 } } },
      { $sort: { n: -1 } },
    ]);
    cutState = String(byState[0]._id);
    expect(await logs.deleteMany({ state: cutState, started_at: { $gte: new Date(`${WEEK.first}T04:00:00Z`) } })).toBeGreaterThan(10);
    // A workout by a user nobody knows: the run quarantines it.
    const at = new Date("2026-06-29T12:00:00Z");
    await logs.insertMany([{ _id: 99_000_001, user_id: 99_000_001, activity_type: "running", started_at: at, time_zone: "America/New_York", duration_min: 30, distance_km: 5, calories: 300, avg_heart_rate: 140, city: "Boston", state: "MA", created_at: at, updated_at: at }]);
  } finally {
    await documents.close();
  }
  const stores = await openEtlStores(world.config);
  try {
    await runEtl(world.config, stores, { full: true });
  } finally {
    await stores.close();
  }
  db = await connectMysql(world.config.mysqlUrl, 4);
  watermark = new Date((await readWatermarks(db)).activity_logs!.updatedAt);
}, 300_000);

afterAll(async () => {
  await db?.end();
  await world?.dispose();
});

describe("alert rules on a warehouse where one state's workouts stopped in the last week", () => {
  it("percent_change by state fires for that state and no other, for the latest complete week", async () => {
    const down = await evaluate(rule(`- name: down\n  kind: percent_change\n  metric: workouts\n  by: state\n  period: week\n  below: -50\n  min_previous: 10`));
    expect(down.period).toBe(WEEK.key);
    expect(down.firing).toBe(true);
    expect(down.breaches.map((b) => b.group)).toEqual([cutState]);
    expect(down.breaches[0]).toMatchObject({ value: 0, change: -100 });
    expect(down.breaches[0].previous).toBeGreaterThanOrEqual(10);
    expect(down.summary).toContain(`${cutState} -100%`);
    const up = await evaluate(rule(`- name: up\n  kind: percent_change\n  metric: workouts\n  by: state\n  period: week\n  above: 500\n  min_previous: 10`));
    expect(up.firing).toBe(false);
  });

  it("reads a period's workouts from the date index alone, for counts by state and for active users", async () => {
    const byState = rule(`- name: down\n  kind: percent_change\n  metric: workouts\n  by: state\n  period: week\n  below: -50`);
    const activeUsers = rule(`- name: users\n  kind: percent_change\n  metric: active_users\n  period: month\n  below: -15`);
    for (const r of [byState, activeUsers]) {
      if (r.kind !== "percent_change") throw new Error("a metric rule");
      const current = completePeriod(r.period, "2026-06-29");
      const [plan] = await db.query(`EXPLAIN ${metricSql(r, current, previousPeriod(current))}`);
      const fact = (plan as Array<{ table: string; key: string; Extra: string }>).find((row) => row.table === "f")!;
      expect(fact.key).toBe("ix_fact_activity_date");
      expect(fact.Extra.split("; ")).toContain("Using index");
    }
  });

  it("counts active users per group as the plain join does (each person once, across their user versions)", async () => {
    for (const by of ["age_band", "state"] as const) {
      const everyGroup = await evaluate(rule(`- name: users\n  kind: threshold\n  metric: active_users\n  by: ${by}\n  period: month\n  above: 0`));
      const column = by === "state" ? "l.state" : "u.age_band";
      const [rows] = await db.query(
        `SELECT ${column} AS grp, COUNT(DISTINCT u.user_pseudonym) AS n FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key JOIN dim_location l ON l.location_key = f.location_key
         WHERE f.date_key BETWEEN 20260501 AND 20260531 GROUP BY grp ORDER BY grp`,
      );
      expect(everyGroup.period).toBe("2026-05");
      expect(everyGroup.breaches.map((b) => ({ grp: b.group, n: b.value })).sort((x, y) => String(x.grp).localeCompare(String(y.grp))))
        .toEqual((rows as Array<{ grp: string; n: number }>).map((r) => ({ grp: r.grp, n: Number(r.n) })).sort((x, y) => String(x.grp).localeCompare(String(y.grp))));
      expect(everyGroup.breaches.length).toBeGreaterThan(2);
    }
  });

  it("threshold fires when the week's workouts cross the bound and not otherwise", async () => {
    const [rows] = await db.query(`SELECT COUNT(*) AS n FROM fact_activity WHERE date_key BETWEEN ${WEEK.first.replaceAll("-", "")} AND ${WEEK.last.replaceAll("-", "")}`);
    const n = Number((rows as Array<{ n: number }>)[0].n);
    expect(n).toBeGreaterThan(0);
    const fires = await evaluate(rule(`- name: few\n  kind: threshold\n  metric: workouts\n  period: week\n  below: ${n + 1}`));
    expect(fires).toMatchObject({ firing: true, period: WEEK.key, breaches: [{ group: null, value: n }] });
    expect((await evaluate(rule(`- name: few\n  kind: threshold\n  metric: workouts\n  period: week\n  below: ${n}`))).firing).toBe(false);
    // By state: the cut state had none.
    const byState = await evaluate(rule(`- name: none\n  kind: threshold\n  metric: workouts\n  by: state\n  period: week\n  below: 1`));
    expect(byState.breaches.map((b) => b.group)).toContain(cutState);
    expect((await evaluate(rule(`- name: users\n  kind: threshold\n  metric: active_users\n  by: age_band\n  period: month\n  above: 100000`))).firing).toBe(false);
  });

  it("freshness fires when the newest loaded workout is older than the limit", async () => {
    const now = new Date(watermark.getTime() + 12 * 3_600_000);
    const stale = await evaluate(rule(`- name: stale\n  kind: freshness\n  source: activity_logs\n  older_than: 6h`), now);
    expect(stale).toMatchObject({ firing: true, period: now.toISOString().slice(0, 10) });
    expect(stale.summary).toContain("12h old");
    expect((await evaluate(rule(`- name: fresh\n  kind: freshness\n  source: activity_logs\n  older_than: 1d`), now)).firing).toBe(false);
  });

  it("quarantine_ratio fires when the last run set aside more than the share", async () => {
    const fires = await evaluate(rule(`- name: q\n  kind: quarantine_ratio\n  above: 0.00001`));
    expect(fires.firing).toBe(true);
    expect(fires.period).toMatch(/^run \d{8}T/);
    expect(fires.summary).toMatch(/quarantined 1 of [\d,]+ source rows/);
    expect((await evaluate(rule(`- name: q\n  kind: quarantine_ratio\n  above: 0.01`))).firing).toBe(false);
  });
});

describe("nike alerts check", () => {
  const RULES = `recipients: [ops@example.com]
rules:
  - name: workouts-down-by-state
    description: Workouts in any state down more than 50% week over week
    kind: percent_change
    metric: workouts
    by: state
    period: week
    below: -50
    min_previous: 10
  - name: quarantine-high
    kind: quarantine_ratio
    above: 0.00001
  - name: quiet
    kind: quarantine_ratio
    above: 0.5
`;

  it("sends one e-mail per firing rule and period, across two checks at once and a repeat; records each rule's state", async () => {
    const rules = parseRules(RULES, "alerts.yml");
    const other = await connectMysql(world.config.mysqlUrl, 2);
    let first, second;
    try {
      [first, second] = await Promise.all([checkAlerts(world.config, db, rules), checkAlerts(world.config, other, rules)]);
    } finally {
      await other.end();
    }
    expect(first.map((o) => o.firing)).toEqual([true, true, false]);
    // Each firing rule was sent by exactly one of the two checks.
    for (const i of [0, 1]) expect([first[i].email, second[i].email].filter((e) => e === "sent")).toHaveLength(1);
    const files = await outboxFiles();
    expect(files).toHaveLength(2);
    const mails = await Promise.all(files.map(async (f) => simpleParser(await readFile(join(outboxDir(world.config), "email", f)))));
    expect(mails.map((m) => m.subject).sort()).toEqual([`Alert: Workouts in any state down more than 50% week over week (${WEEK.key})`, expect.stringMatching(/^Alert: quarantine-high \(run \d{8}T/)]);
    expect(mails.map((m) => m.to && !Array.isArray(m.to) && m.to.text)).toEqual(["ops@example.com", "ops@example.com"]);
    expect(mails.find((m) => m.subject?.includes("week"))?.text).toContain(`- ${cutState}: 0 (previous `);

    const again = await checkAlerts(world.config, db, rules);
    expect(again.map((o) => o.email)).toEqual(["already sent", "already sent", "not firing"]);
    expect(await outboxFiles()).toHaveLength(2);

    const states = await alertStates(db);
    expect(states.map((s) => [s.rule, s.firing])).toEqual([["quarantine-high", true], ["quiet", false], ["workouts-down-by-state", true]]);
    expect(states.find((s) => s.rule === "workouts-down-by-state")?.lastSent).toBeTruthy();
  });

  it("records but does not send without recipients; forgets rules no longer in the file", async () => {
    const rules = parseRules(`rules:\n  - name: quarantine-high\n    kind: quarantine_ratio\n    above: 0.00001\n`, "alerts.yml");
    const [outcome] = await checkAlerts(world.config, db, rules, { recipients: [] });
    expect(outcome.email).toBe("already sent"); // the same rule and run as above: sent already
    const fresh = parseRules(`rules:\n  - name: brand-new\n    kind: quarantine_ratio\n    above: 0.00001\n`, "alerts.yml");
    expect((await checkAlerts(world.config, db, fresh, { recipients: [] }))[0].email).toBe("no recipients");
    expect((await alertStates(db)).map((s) => s.rule)).toEqual(["brand-new"]);
  });

  it("the report's summary page lists the firing alerts, and the insight pages do not", async () => {
    await checkAlerts(world.config, db, parseRules(RULES, "alerts.yml"));
    expect((await firingAlerts(db)).map((a) => a.rule)).toEqual(expect.arrayContaining(["workouts-down-by-state", "quarantine-high"]));
    const out = await mkdtemp(join(tmpdir(), "nike-alerts-site-"));
    try {
      const built = await report({ out, source: "mysql" }, ["report"], world.config);
      const index = await readFile(built.index!, "utf8");
      expect(index).toContain("Firing alerts");
      expect(index).toContain("Workouts in any state down more than 50% week over week");
      expect(index).toContain(`${cutState} -100%`);
      expect(await readFile(join(out, "activity-by-location.html"), "utf8")).not.toContain("Firing alerts");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("after each nike etl run", () => {
  const BIN = join(import.meta.dirname, "..", "..", "bin", "nike.mjs");
  /** `nike etl` in a child process, run asynchronously: this process serves the world's local store service. */
  const etl = async (env: Record<string, string>) => {
    const child = spawn(process.execPath, [BIN, "etl"], { env: { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, SMTP_URL: "", CI: "true", NIKE_VERBOSE: "1", ...env } });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const [status] = (await once(child, "close")) as [number];
    return { status, stderr };
  };
  /** One more workout, a copy of an existing one, so that the next run publishes something. */
  const newWorkout = async (id: number) => {
    const documents = await openDocumentStore(world.config);
    try {
      const logs = documents.collection("activity_logs");
      const [model] = await logs.find({ state: { $ne: cutState } }, { limit: 1 });
      const at = new Date(watermark.getTime() + id * 1000);
      await logs.insertMany([{ ...model, _id: id, created_at: at, updated_at: at }]);
    } finally {
      await documents.close();
    }
  };

  it("checks the rules when the run published something; a check that fails is logged and the run still succeeds", async () => {
    const bad = join(world.dataDir, "bad-alerts.yml");
    await writeFile(bad, "rules:\n  - name: broken\n    kind: threshold\n");
    await newWorkout(99_000_101);
    const failed = await etl({ ALERT_RULES: bad });
    expect(failed.stderr.split("\n").filter((l) => l.startsWith("nike:"))).toEqual([]);
    expect(failed.status).toBe(0);
    expect(failed.stderr).toMatch(/etl: run \S+ complete: fact_activity \+1/);
    expect(failed.stderr).toMatch(/alerts: not checked after this run \(the run itself succeeded\): .*bad-alerts\.yml: rule 1 \("broken"\), field "metric"/);

    const good = join(world.dataDir, "etl-alerts.yml");
    await writeFile(good, "rules:\n  - name: etl-checked\n    kind: threshold\n    metric: workouts\n    period: week\n    above: 0\n");
    await newWorkout(99_000_102);
    const before = await outboxFiles();
    const checked = await etl({ ALERT_RULES: good, ALERT_EMAILS: "etl-watch@example.com" });
    expect(checked.status).toBe(0);
    expect(checked.stderr).toContain(`alerts: 1 of 1 rules firing: etl-checked [${WEEK.key}] (sent)`);
    expect((await alertStates(db)).map((s) => [s.rule, s.firing])).toEqual([["etl-checked", true]]);
    expect(await outboxFiles()).toHaveLength(before.length + 1);

    // A run with nothing new does not check again.
    const idle = await etl({ ALERT_RULES: good, ALERT_EMAILS: "etl-watch@example.com" });
    expect(idle.status).toBe(0);
    expect(idle.stderr).not.toContain("alerts:");
  }, 240_000);
});
