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
