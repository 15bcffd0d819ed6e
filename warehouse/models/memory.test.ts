/**
 * Models over every workout of a run stay within DuckDB's memory limit by spilling: a large full run
 * (28 million workouts) ran out of the ETL's 2 GB in `stg_activity_logs`, whose deduplicating window held
 * every row. Here at a hundredth of the rows and memory.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { compiledSql, loadProject } from "./project.ts";

let dir: string;
let duck: DuckDB;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nike-model-memory-"));
  duck = await openDuckDB({ threads: "2", temp_directory: join(dir, "spill") });
  // 300,000 workouts, the last 1,000 ids sent twice (the later version must win).
  await duck.run(`COPY (
      SELECT (i % 299000)::VARCHAR AS activity_id, i % 5000 AS user_id, 'running' AS activity_type,
        strftime(TIMESTAMP '2025-01-01' + INTERVAL (i) MINUTE, '%Y-%m-%dT%H:%M:%S.000Z') AS started_at,
        CASE i % 3 WHEN 0 THEN 'America/New_York' WHEN 1 THEN 'America/Denver' ELSE 'America/Los_Angeles' END AS time_zone,
        30.0 AS duration_min, 5.0 AS distance_km, 300 AS calories, 140 AS avg_heart_rate, 'Denver' AS city, 'CO' AS state,
        strftime(TIMESTAMP '2025-06-01' + INTERVAL (i) SECOND, '%Y-%m-%dT%H:%M:%S.000Z') AS updated_at
      FROM range(300000) t(i)) TO '${join(dir, "src.parquet")}' (FORMAT parquet)`);
  await duck.run(`CREATE VIEW src_activity_logs AS SELECT * FROM '${join(dir, "src.parquet")}'`);
  await duck.run("SET VARIABLE pseudonym_key = 'memory-test'");
});
afterAll(async () => {
  duck?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("stg_activity_logs deduplicates 300,000 workouts within 60 MB of DuckDB memory", async () => {
  const project = await loadProject();
  const model = project.models.find((m) => m.name === "stg_activity_logs")!;
  await duck.run("SET memory_limit = '60MB'");
  await duck.run(`CREATE TABLE stg AS ${compiledSql(project, model)}`);
  await duck.run("SET memory_limit = '1GB'");
  const [row] = await duck.all<{ n: bigint; ids: bigint; latest: string }>(
    "SELECT count(*) AS n, count(DISTINCT activity_id) AS ids, max(updated_at) FILTER (activity_id = 5)::VARCHAR AS latest FROM stg",
  );
  expect([Number(row.n), Number(row.ids), row.latest]).toEqual([299_000, 299_000, "2025-06-04 11:03:25"]);
});
