/** @module Writes extracted rows to a run's staging folder as Parquet (through NDJSON and DuckDB, with declared types). */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDB } from "../../lib/duckdb.ts";

/** Column name → DuckDB type, in order. */
export type Columns = Record<string, string>;

const jsonValue = (_key: string, value: unknown) => (typeof value === "bigint" ? Number(value) : value);

/** Streams `rows` into `<dir>/<name>.parquet` with exactly `columns`; returns the row count. */
export async function writeStaged(duck: DuckDB, dir: string, name: string, columns: Columns, rows: AsyncIterable<Record<string, unknown>[]>): Promise<number> {
  const ndjson = join(dir, `${name}.ndjson`);
  const out = createWriteStream(ndjson);
  let count = 0;
  for await (const batch of rows) {
    if (batch.length === 0) continue;
    const text = batch.map((row) => JSON.stringify(row, jsonValue)).join("\n") + "\n";
    count += batch.length;
    if (!out.write(text)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const spec = Object.entries(columns).map(([c, t]) => `'${c}': '${t}'`).join(", ");
  const source = count
    ? `read_json('${ndjson}', format = 'newline_delimited', columns = {${spec}})`
    : `(SELECT ${Object.entries(columns).map(([c, t]) => `NULL::${t} AS "${c}"`).join(", ")} LIMIT 0)`;
  await duck.run(`COPY (SELECT * FROM ${source}) TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
  await rm(ndjson, { force: true });
  return count;
}
