/** @module Writes extracted rows to a run's staging folder as Parquet, typed as declared (through DuckDB's appender). */
import { join } from "node:path";
import type { DuckDB } from "../../lib/duckdb.ts";

/** Column name → DuckDB type (VARCHAR, BIGINT, INTEGER, DOUBLE or BOOLEAN), in order. */
export type Columns = Record<string, string>;

/** Streams `rows` into `<dir>/<name>.parquet` with exactly `columns`; returns the row count. */
export async function writeStaged(duck: DuckDB, dir: string, name: string, columns: Columns, rows: AsyncIterable<Record<string, unknown>[]>): Promise<number> {
  const names = Object.keys(columns);
  const types = Object.values(columns);
  const table = `staged_${name}`;
  await duck.run(`CREATE OR REPLACE TABLE ${table} (${names.map((c, i) => `"${c}" ${types[i]}`).join(", ")})`);
  const appender = await duck.connection.createAppender(table);
  let count = 0;
  try {
    for await (const batch of rows) {
      for (const row of batch) {
        for (let i = 0; i < names.length; i++) {
          const v = row[names[i]];
          if (v === null || v === undefined) appender.appendNull();
          else if (types[i] === "VARCHAR") appender.appendVarchar(v instanceof Date ? v.toISOString() : String(v));
          else if (types[i] === "BIGINT") appender.appendBigInt(BigInt(v as number));
          else if (types[i] === "INTEGER") appender.appendInteger(Number(v));
          else if (types[i] === "BOOLEAN") appender.appendBoolean(Boolean(v));
          else appender.appendDouble(Number(v));
        }
        appender.endRow();
      }
      count += batch.length;
    }
  } finally {
    appender.closeSync();
  }
  await duck.run(`COPY ${table} TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
  await duck.run(`DROP TABLE ${table}`);
  return count;
}
