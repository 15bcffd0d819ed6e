/**
 * @module Bulk load of the relational tables into MySQL with `LOAD DATA LOCAL INFILE`, in one
 * transaction: a load either lands whole or leaves the database as it was. Rows are keyed by
 * their ids, and a rerun REPLACEs them rather than duplicating them.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PoolConnection } from "mysql2/promise";
import type { DuckDB } from "../../lib/duckdb.ts";
import { progress } from "../../lib/progress.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { RawTable } from "../generate/index.ts";
import { rawFile } from "./raw-files.ts";

/** The relational tables, parents before children. */
export const MYSQL_TABLES = [
  "states", "cities", "users", "user_preferences", "user_interests", "devices", "memberships",
  "vendors", "stores", "employees", "inventory", "sales", "orders", "order_items", "payments", "shipments", "order_status_history", "quotes",
] as const satisfies readonly RawTable[];

/** Writes a Parquet file as CSV in the dialect LOAD DATA reads below; returns the column names. */
async function exportCsv(duck: DuckDB, parquet: string, csv: string): Promise<string[]> {
  const columns = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${parquet}')`);
  const select = columns.map(({ column_name: c, column_type: t }) => (t === "BOOLEAN" ? `"${c}"::INT AS "${c}"` : `"${c}"`));
  await duck.run(`COPY (SELECT ${select.join(", ")} FROM read_parquet('${parquet}')) TO '${csv}' (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"', ESCAPE '"', NULLSTR '\\N')`);
  return columns.map((c) => c.column_name);
}

async function loadCsv(conn: PoolConnection, table: string, csv: string, columns: string[]): Promise<void> {
  // Into an empty table a plain load takes InnoDB's bulk path (indexes built by sorting); REPLACE only when rows exist.
  const [existing] = await conn.query(`SELECT 1 FROM \`${table}\` LIMIT 1`);
  const mode = (existing as unknown[]).length ? "REPLACE" : "";
  await conn.query({
    sql: `LOAD DATA LOCAL INFILE 'stream' ${mode} INTO TABLE \`${table}\` CHARACTER SET utf8mb4
      FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'
      (${columns.map((c) => `\`${c}\``).join(", ")})`,
    infileStreamFactory: () => createReadStream(csv),
  });
  const [warnings] = await conn.query("SHOW WARNINGS LIMIT 3");
  const list = warnings as Array<{ Level: string; Message: string }>;
  if (list.some((w) => w.Level !== "Note")) {
    throw new Error(`loading ${table}: ${list.map((w) => w.Message).join("; ")}`);
  }
}

export type MysqlLoadResult = { rows: Record<string, number>; seconds: Record<string, number> };

export async function loadMysql(db: MySql, duck: DuckDB, rawDir: string, counts: Record<RawTable, number>): Promise<MysqlLoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "nike-load-"));
  const conn = await db.getConnection();
  const result: MysqlLoadResult = { rows: {}, seconds: {} };
  const total = MYSQL_TABLES.reduce((sum, t) => sum + counts[t], 0);
  const bar = progress("load mysql", total);
  try {
    // Checks are off inside the transaction only: the rows come from one consistent generated set.
    await conn.query("SET SESSION foreign_key_checks = 0, unique_checks = 0");
    await conn.beginTransaction();
    for (const table of MYSQL_TABLES) {
      const started = performance.now();
      const csv = join(dir, `${table}.csv`);
      const columns = await exportCsv(duck, rawFile(rawDir, table), csv);
      await loadCsv(conn, table, csv, columns);
      await rm(csv);
      result.rows[table] = counts[table];
      result.seconds[table] = (performance.now() - started) / 1000;
      bar.tick(counts[table]);
    }
    await conn.commit();
    bar.done();
    return result;
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    await conn.query("SET SESSION foreign_key_checks = 1, unique_checks = 1").catch(() => undefined);
    conn.release();
    await rm(dir, { recursive: true, force: true });
  }
}
