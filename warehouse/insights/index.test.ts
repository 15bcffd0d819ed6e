/** The insights give the same answers from the Parquet lake (DuckDB) and from the MySQL star schema, and show them alike. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../../test-support/world.ts";
import { publishedWorld } from "../../test-support/published-world.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { presentInsights, type InsightsReport } from "../../reports/insights/index.ts";
import { runInsights } from "./index.ts";
import { openSource } from "./source.ts";

let world: World;
let lake: InsightsReport;
let mysql: InsightsReport;

beforeAll(async () => {
  world = await publishedWorld(5, "tiny");
  lake = presentInsights(await runInsights(world.config, { source: "lake" }));
  mysql = presentInsights(await runInsights(world.config, { source: "mysql" }));
});
afterAll(async () => world?.dispose());

/** Numbers rounded to 6 significant digits, so that float summation order cannot differ the two. */
const normalise = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "number" ? Number(v.toPrecision(6)) : v instanceof Map ? [...v].sort() : v)));

describe("insights: lake and MySQL star schema agree (tiny data)", () => {
  it("on the overview: every workout, every customer, and the share of them who use the app", async () => {
    const documents = await openDocumentStore(world.config);
    try {
      expect(lake.overview.workouts).toBe(await documents.collection("activity_logs").countDocuments());
      expect(lake.overview.activeUsers).toBe((await documents.collection("activity_logs").aggregate([{ $group: { _id: "$user_id" } }])).length);
    } finally {
      await documents.close();
    }
    expect(lake.overview.customers).toBe(1000);
    expect(lake.overview.appUserShare).toBe(Number((lake.overview.activeUsers / 1000).toFixed(4)));
    expect(mysql.overview).toEqual(lake.overview);
  });

  for (const id of ["location", "seasons", "segments", "age", "hours", "sales"] as const) {
    it(`on ${id}: tables, chart data, narrative and findings`, () => {
      const a = lake[id];
      const b = mysql[id];
      expect(a.table.rows.length).toBeGreaterThan(0);
      expect(normalise(b.table.rows)).toEqual(normalise(a.table.rows));
      expect(normalise(b.charts.map((c) => c.data))).toEqual(normalise(a.charts.map((c) => c.data)));
      expect(b.narrative).toEqual(a.narrative);
      expect(normalise(b.findings)).toEqual(normalise(a.findings));
    });
  }

  it("labels every app user (every customer with a workout) with a segment", () => {
    expect(lake.segments.findings.labels.size).toBe(lake.overview.activeUsers);
  });
});

describe("insight sources", () => {
  it("explain a lake that the ETL has not written yet", async () => {
    const empty = { ...world.config, dataDir: `${world.dataDir}/nowhere` };
    await expect(openSource(empty, "lake")).rejects.toThrow(/has no dim_date yet: run `nike etl`/);
  });
});
