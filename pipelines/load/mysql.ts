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
import { bulkTransaction, exportCsv, loadCsv } from "../../stores/mysql-bulk.ts";
import type { RawTable } from "../generate/index.ts";
import { rawFile } from "./raw-files.ts";

/** The relational tables, parents before children. */
export const MYSQL_TABLES = [
  "states", "cities", "users", "user_preferences", "user_interests", "devices", "memberships", "addresses",
  "vendors", "vendor_contracts", "supplied_products", "departments", "roles", "stores", "employees", "payroll", "performance_reviews", "store_events",
  "inventory", "inventory_snapshots", "inbound_shipments", "sales", "discounts", "orders", "order_items", "payments", "shipments", "order_status_history", "quotes",
] as const satisfies readonly RawTable[];

export type MysqlLoadResult = { rows: Record<string, number>; seconds: Record<string, number> };

export async function loadMysql(db: MySql, duck: DuckDB, rawDir: string, counts: Record<RawTable, number>): Promise<MysqlLoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "nike-load-"));
  const result: MysqlLoadResult = { rows: {}, seconds: {} };
  const total = MYSQL_TABLES.reduce((sum, t) => sum + counts[t], 0);
  const bar = progress("load mysql", total);
  const csv = (table: RawTable) => join(dir, `${table}.csv`);
  const exported = (table: RawTable) => exportCsv(duck, `read_parquet('${rawFile(rawDir, table)}')`, csv(table));
  // DuckDB writes the next table's CSV while MySQL reads this one's, so both cores work.
  let next = exported(MYSQL_TABLES[0]);
  try {
    await bulkTransaction(db, async (conn) => {
      for (const [i, table] of MYSQL_TABLES.entries()) {
        const started = performance.now();
        const columns = await next;
        if (i + 1 < MYSQL_TABLES.length) next = exported(MYSQL_TABLES[i + 1]);
        await loadCsv(conn, table, csv(table), columns);
        await rm(csv(table), { force: true });
        result.rows[table] = counts[table];
        result.seconds[table] = (performance.now() - started) / 1000;
        bar.tick(counts[table]);
      }
    });
    bar.done();
    return result;
  } finally {
    await next.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
