/** @module Test helpers for the ETL: a loaded tiny world, and fingerprints of the warehouse to compare runs by. */
import { join } from "node:path";
import { lakeDir, rawDir } from "../lib/config.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { parseScale } from "../lib/scale.ts";
import { createWorld, FIXED_UNTIL, type World } from "./world.ts";
import { connectMysql } from "../stores/mysql.ts";
import { MARTS } from "../warehouse/models/index.ts";
import { generate } from "../pipelines/generate/index.ts";
import { load } from "../pipelines/load/index.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";

/** A fresh world with generated data (tiny by default) loaded into every store. */
export async function loadedWorld(seed = 11, scale = "tiny"): Promise<World> {
  const world = await createWorld();
  await generate({ scale: parseScale(scale), seed, until: FIXED_UNTIL, outDir: rawDir(world.config) });
  await load(world.config);
  return world;
}

/** A loaded world after a full ETL run: the star schema and the lake are ready for the insights. */
export async function publishedWorld(seed = 11, scale = "tiny"): Promise<World> {
  const world = await loadedWorld(seed, scale);
  const stores = await openEtlStores(world.config);
  try {
    await runEtl(world.config, stores, { full: true });
  } finally {
    await stores.close();
  }
  return world;
}

/** Runs one query on the world's MySQL database, on a connection of its own. */
export async function queryWorld<T>(world: World, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = await connectMysql(world.config.mysqlUrl, 1);
  try {
    return (await db.query(sql, params))[0] as T[];
  } finally {
    await db.end();
  }
}

/** Per mart: row count and an order-independent checksum of every row, in MySQL. */
export async function mysqlFingerprint(world: World): Promise<Record<string, string>> {
  const db = await connectMysql(world.config.mysqlUrl, 1);
  try {
    const out: Record<string, string> = {};
    for (const mart of MARTS) {
      const [cols] = await db.query("SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [mart.name]);
      const list = (cols as Array<{ c: string }>).map((c) => `\`${c.c}\``).join(", ");
      const [rows] = await db.query(`SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', ${list}))), 0) AS s FROM \`${mart.name}\``);
      const r = (rows as Array<{ n: number; s: string }>)[0];
      out[mart.name] = `${r.n}:${r.s}`;
    }
    return out;
  } finally {
    await db.end();
  }
}

/** Workouts per month in the lake (read with Hive partitioning) and in MySQL: count and minutes. */
export async function monthlyActivity(world: World): Promise<{ lake: string[]; mysql: string[] }> {
  const duck = await openDuckDB();
  const db = await connectMysql(world.config.mysqlUrl, 1);
  try {
    const lakeRows = await duck.all<{ y: bigint; m: string; n: bigint; minutes: number }>(`
      SELECT year AS y, month AS m, count(*) AS n, round(sum(duration_min), 1) AS minutes
      FROM read_parquet('${join(lakeDir(world.config), "fact_activity")}/**/*.parquet', hive_partitioning = true)
      GROUP BY ALL ORDER BY 1, 2`);
    const [mysqlRows] = await db.query(`SELECT YEAR(started_at) AS y, MONTH(started_at) AS m, COUNT(*) AS n, ROUND(SUM(duration_min), 1) AS minutes FROM fact_activity GROUP BY 1, 2 ORDER BY 1, 2`);
    return {
      lake: lakeRows.map((r) => `${Number(r.y)}-${Number(r.m)}:${Number(r.n)}:${Number(r.minutes).toFixed(1)}`),
      mysql: (mysqlRows as Array<{ y: number; m: number; n: number; minutes: string }>).map((r) => `${r.y}-${r.m}:${Number(r.n)}:${Number(r.minutes).toFixed(1)}`),
    };
  } finally {
    duck.close();
    await db.end();
  }
}
