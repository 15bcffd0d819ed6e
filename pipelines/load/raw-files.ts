/** @module The raw Parquet files `load` reads: checked whole before any store is written. */
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDB } from "../../lib/duckdb.ts";
import { describe, UserError } from "../../lib/errors.ts";
import { RAW_TABLES, type RawTable } from "../generate/index.ts";

export const rawFile = (rawDir: string, table: RawTable) => join(rawDir, `${table}.parquet`);

/**
 * Reads every raw file to the end (a truncated or corrupt Parquet file fails here, not half-way
 * through a load) and returns the row count of each.
 */
export async function checkRawFiles(duck: DuckDB, rawDir: string, tables: readonly RawTable[] = RAW_TABLES): Promise<Record<RawTable, number>> {
  const counts = {} as Record<RawTable, number>;
  for (const table of tables) {
    const file = rawFile(rawDir, table);
    try {
      await access(file);
    } catch {
      throw new UserError(`${file} is missing: run \`nike generate\` first (or set DATA_DIR to the folder that holds raw/).`);
    }
    try {
      // Touch every column of every row group so that damaged pages are found too.
      const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n, max(hash(COLUMNS(*))) FROM read_parquet('${file}')`);
      counts[table] = Number(n);
    } catch (cause) {
      throw new UserError(`${file} is not a readable Parquet file (${describe(cause)}); nothing was loaded. Regenerate it with \`nike generate\`.`, undefined, { cause });
    }
  }
  return counts;
}

/** The tables whose `product_id` is a key of the catalog (MongoDB `products`), which MySQL cannot reference. */
export const CATALOG_REFERENCES = ["order_items", "sales", "inventory", "inventory_snapshots", "supplied_products", "inbound_shipments"] as const satisfies readonly RawTable[];

/** Refuses raw files whose rows name a product the catalog lacks, before any store is written. */
export async function checkCatalogReferences(duck: DuckDB, rawDir: string): Promise<void> {
  for (const table of CATALOG_REFERENCES) {
    const unknown = await duck.all<{ product_id: string }>(`
      SELECT DISTINCT product_id FROM read_parquet('${rawFile(rawDir, table)}')
      WHERE product_id NOT IN (SELECT product_id FROM read_parquet('${rawFile(rawDir, "products")}')) ORDER BY 1 LIMIT 3`);
    if (unknown.length) {
      throw new UserError(`${rawFile(rawDir, table)} names products the catalog (products.parquet) does not have, such as ${unknown.map((u) => u.product_id).join(", ")}; nothing was loaded. Regenerate the data with \`nike generate\`.`);
    }
  }
}

/**
 * A DuckDB result stream ends quietly when its connection runs another statement: a load that shared its
 * connection stored 43,008 of 2.6 million workouts that way and reported success. `expected` is the file's
 * row count from `checkRawFiles`.
 */
export function wholeRead(table: RawTable, read: number, expected: number): void {
  if (read !== expected) throw new Error(`Reading raw ${table} ended after ${read.toLocaleString("en-US")} of its ${expected.toLocaleString("en-US")} rows; the load stopped there (rerun it: loads replace rows by key).`);
}
