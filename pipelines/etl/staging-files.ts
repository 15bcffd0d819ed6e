/** @module Writes extracted rows to a run's staging folder as Parquet, typed as declared (through DuckDB's appender). */
import { join } from "node:path";
import { appendRows, createTable, type Columns, type DuckDB } from "../../lib/duckdb.ts";

/** Streams `rows` into `<dir>/<name>.parquet` with exactly `columns`; returns the row count. */
export async function writeStaged(duck: DuckDB, dir: string, name: string, columns: Columns, rows: AsyncIterable<Record<string, unknown>[]>): Promise<number> {
  const table = `staged_${name}`;
  await createTable(duck, table, columns);
  const count = await appendRows(duck, table, columns, rows);
  await duck.run(`COPY ${table} TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
  await duck.run(`DROP TABLE ${table}`);
  return count;
}
