/** @module Bulk writes into MySQL: DuckDB writes CSV, MySQL reads it with `LOAD DATA LOCAL INFILE`. */
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { Pool, PoolConnection } from "mysql2/promise";
import type { DuckDB } from "../lib/duckdb.ts";

/** Writes the rows of `relation` (a table, view or `read_parquet(...)`) as CSV; returns the column names. */
export async function exportCsv(duck: DuckDB, relation: string, csv: string): Promise<string[]> {
  const columns = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  const select = columns.map(({ column_name: c, column_type: t }) => (t === "BOOLEAN" ? `"${c}"::INT AS "${c}"` : `"${c}"`));
  await duck.run(`COPY (SELECT ${select.join(", ")} FROM ${relation}) TO '${csv}' (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"', ESCAPE '"', NULLSTR '\\N')`);
  return columns.map((c) => c.column_name);
}

/**
 * Loads a CSV written by `exportCsv`. Into an empty table a plain load takes InnoDB's bulk path
 * (indexes built by sorting); when rows exist, REPLACE rewrites rows with the same key.
 */
export async function loadCsv(conn: PoolConnection, table: string, csv: string, columns: string[]): Promise<void> {
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

/** A DuckDB relation bound for a MySQL table, through a temporary CSV file. */
export type CsvCopy = { relation: string; table: string; csv: string };
/** Per table: seconds of its `LOAD DATA` alone, and seconds waiting before it for its CSV. */
export type CopyTimes = { seconds: Record<string, number>; waiting: Record<string, number> };

/**
 * Copies each relation into its table, in order. DuckDB writes the next table's CSV while MySQL reads
 * this one's, so both cores work (MySQL loads on one thread).
 */
export async function copyAllToMysql(conn: PoolConnection, duck: DuckDB, copies: CsvCopy[], onCopied?: (table: string) => void): Promise<CopyTimes> {
  const times: CopyTimes = { seconds: {}, waiting: {} };
  const exported = (i: number) => exportCsv(duck, copies[i].relation, copies[i].csv);
  let next = copies.length ? exported(0) : undefined;
  try {
    for (const [i, { table, csv }] of copies.entries()) {
      let started = performance.now();
      const columns = await next!;
      times.waiting[table] = (performance.now() - started) / 1000;
      next = i + 1 < copies.length ? exported(i + 1) : undefined;
      started = performance.now();
      await loadCsv(conn, table, csv, columns);
      times.seconds[table] = (performance.now() - started) / 1000;
      await rm(csv, { force: true });
      onCopied?.(table);
    }
    return times;
  } finally {
    await next?.catch(() => undefined);
    await Promise.all(copies.map(({ csv }) => rm(csv, { force: true })));
  }
}


/**
 * Refreshes the optimizer's statistics of tables a bulk load has filled. InnoDB recounts a changed table
 * in the background, but can do so while the load is under way and keep what it saw then: after a
 * medium full run MariaDB planned the alerts' queries from each dimension row to its facts (23 s)
 * instead of by date (4 s). ANALYZE samples a few pages per index, so it is cheap also after a small batch.
 */
export async function analyzeTables(db: Pool, tables: string[]): Promise<void> {
  if (!tables.length) return;
  const [rows] = await db.query(`ANALYZE TABLE ${tables.map((t) => `\`${t}\``).join(", ")}`);
  const failed = (rows as Array<{ Table: string; Msg_type: string; Msg_text: string }>).filter((r) => r.Msg_type === "error");
  if (failed.length) throw new Error(`ANALYZE TABLE: ${failed.map((r) => `${r.Table}: ${r.Msg_text}`).join("; ")}`);
}

/**
 * Runs `work` in one transaction on one connection, with foreign-key and unique checks off for its
 * bulk loads (the rows come from one consistent set); commits, or rolls back on any error.
 */
export async function bulkTransaction<T>(db: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await db.getConnection();
  try {
    await conn.query("SET SESSION foreign_key_checks = 0, unique_checks = 0");
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    await conn.query("SET SESSION foreign_key_checks = 1, unique_checks = 1").catch(() => undefined);
    conn.release();
  }
}
