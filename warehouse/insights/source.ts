/**
 * @module Where the insights read the warehouse: DuckDB over the Parquet lake (the default) or the
 * MySQL star schema. Both expose the same table names, so one portable SQL text serves both.
 */
import { lakeDir, type Config } from "../../lib/config.ts";
import { appendRows, createTable, openDuckDB } from "../../lib/duckdb.ts";
import { UserError, redactUrl } from "../../lib/errors.ts";
import { lakeRelation } from "../lake.ts";
import { connectMysql } from "../../stores/mysql.ts";
import { MARTS } from "../models/index.ts";

export type Row = Record<string, string | number | boolean | null>;

export type WarehouseSource = {
  kind: "lake" | "mysql";
  /** Runs portable SQL (standard joins, GROUP BY, CASE, COUNT DISTINCT) and returns plain JS rows. */
  query<T extends Row = Row>(sql: string): Promise<T[]>;
  /** Makes rows computed in JS (segment labels) joinable as a table for the rest of this session. */
  register(name: string, columns: Record<string, "text" | "int">, rows: Array<Array<string | number>>): Promise<void>;
  close(): Promise<void>;
};

/** DuckDB gives bigints and Dates where mysql2 gives numbers and 'YYYY-MM-DD hh:mm:ss' strings: meet in the middle. */
function cell(v: unknown): Row[string] {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString().slice(0, 19).replace("T", " ");
  return v as Row[string];
}
/** In place: a query's rows are fresh objects, and a million of them copied cost the report seconds. */
const plain = (row: Record<string, unknown>): Row => {
  for (const k in row) row[k] = cell(row[k]);
  return row as Row;
};

/** DuckDB with one view per mart over the lake; a missing table means the ETL has not run. */
export async function openLakeSource(config: Config): Promise<WarehouseSource> {
  const lake = lakeDir(config);
  const duck = await openDuckDB({ threads: "2" });
  try {
    for (const mart of MARTS) {
      const relation = lakeRelation(lake, mart.name);
      if (!relation) throw new UserError(`The lake at ${lake} has no ${mart.name} yet: run \`nike etl\` (or \`npm run demo\`) first.`);
      const columns = mart.partitionBy ? "* EXCLUDE (year, month)" : "*";
      await duck.run(`CREATE VIEW ${mart.name} AS SELECT ${columns} FROM ${relation}`);
    }
  } catch (error) {
    duck.close();
    throw error;
  }
  return {
    kind: "lake",
    async query<T extends Row>(sql: string) {
      return (await duck.all<Record<string, unknown>>(sql)).map(plain) as T[];
    },
    async register(name, columns, rows) {
      const types = Object.fromEntries(Object.entries(columns).map(([c, t]) => [c, t === "int" ? "BIGINT" : "VARCHAR"]));
      await createTable(duck, name, types, { temp: true });
      await appendRows(duck, name, types, [rows]);
    },
    async close() {
      duck.close();
    },
  };
}

/** The MySQL star schema the ETL publishes to. */
export async function openStarSource(config: Config): Promise<WarehouseSource> {
  // One connection, so that temporary tables made by `register` stay visible.
  const db = await connectMysql(config.mysqlUrl, 1);
  const [tables] = await db.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()");
  const present = new Set((tables as Array<{ t: string }>).map((r) => r.t));
  const missing = MARTS.filter((m) => !present.has(m.name)).map((m) => m.name);
  if (missing.length > 0) {
    await db.end();
    throw new UserError(`The star schema in ${redactUrl(config.mysqlUrl)} has no ${missing.join(", ")}: run \`nike etl\` first.`);
  }
  return {
    kind: "mysql",
    async query<T extends Row>(sql: string) {
      const [rows] = await db.query(sql);
      return (rows as Array<Record<string, unknown>>).map(plain) as T[];
    },
    async register(name, columns, rows) {
      const names = Object.keys(columns);
      await db.query(`DROP TEMPORARY TABLE IF EXISTS ${name}`);
      await db.query(`CREATE TEMPORARY TABLE ${name} (${names.map((c) => `${c} ${columns[c] === "int" ? "BIGINT" : "VARCHAR(255)"}`).join(", ")}, KEY (${names[0]}))`);
      for (let i = 0; i < rows.length; i += 5000) await db.query(`INSERT INTO ${name} VALUES ?`, [rows.slice(i, i + 5000)]);
    },
    async close() {
      await db.end();
    },
  };
}

export function openSource(config: Config, kind: "lake" | "mysql" = "lake"): Promise<WarehouseSource> {
  return kind === "lake" ? openLakeSource(config) : openStarSource(config);
}
