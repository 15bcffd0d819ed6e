/**
 * @module Bulk load of the relational tables into MySQL, in one transaction: a load either lands
 * whole or leaves the database as it was. Rows are keyed by their ids, so a rerun replaces them
 * rather than duplicating them. The session's unique and foreign-key checks are off, as dump
 * restores have them: `checkRawKeys` has checked the rows' keys before.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDB } from "../../lib/duckdb.ts";
import { progress } from "../../lib/progress.ts";
import type { MySql } from "../../stores/mysql.ts";
import { bulkTransaction, copyAllToMysql, type CopyTimes } from "../../stores/mysql-bulk.ts";
import type { RawTable } from "../generate/index.ts";
import { rawFile } from "./raw-files.ts";

/** The relational tables, parents before children. */
export const MYSQL_TABLES = [
  "states", "cities", "users", "user_preferences", "user_interests", "devices", "memberships", "addresses",
  "vendors", "vendor_contracts", "supplied_products", "departments", "roles", "stores", "employees", "payroll", "performance_reviews", "store_events",
  "inventory", "inventory_snapshots", "inbound_shipments", "sales", "discounts", "orders", "order_items", "payments", "shipments", "order_status_history", "quotes",
] as const satisfies readonly RawTable[];

/** Rows per table; seconds per table of its `LOAD DATA` alone, and waiting before it for its CSV. */
export type MysqlLoadResult = { rows: Record<string, number> } & CopyTimes;

export async function loadMysql(db: MySql, duck: DuckDB, rawDir: string, counts: Record<RawTable, number>): Promise<MysqlLoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "nike-load-"));
  const total = MYSQL_TABLES.reduce((sum, t) => sum + counts[t], 0);
  const bar = progress("load mysql", total);
  const copies = MYSQL_TABLES.map((table) => ({ table, relation: `read_parquet('${rawFile(rawDir, table)}')`, csv: join(dir, `${table}.csv`) }));
  try {
    const times = await bulkTransaction(db, (conn) => copyAllToMysql(conn, duck, copies, (table) => bar.tick(counts[table as RawTable])));
    bar.done();
    return { rows: Object.fromEntries(MYSQL_TABLES.map((t) => [t, counts[t]])), ...times };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
