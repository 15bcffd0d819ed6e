/** @module Creates a DuckDB table with declared column types from JSON-like rows; text casts to dates and timestamps. */
import { sqlText, type DuckDB } from "../../lib/duckdb.ts";
import type { Columns, Row } from "./spec.ts";

const literal = (v: Row[string]) => (v === null || v === undefined ? "NULL" : typeof v === "string" ? sqlText(v) : String(v));

/** Creates (or replaces) `name` with exactly `columns`; a row's missing columns are null, an undeclared one is an error. */
export async function typedTable(duck: DuckDB, name: string, columns: Columns, rows: readonly Row[], where = name): Promise<void> {
  const names = Object.keys(columns);
  for (const row of rows) {
    const unknown = Object.keys(row).filter((c) => !(c in columns));
    if (unknown.length) throw new Error(`${where}: no column ${unknown.join(", ")} (it has ${names.join(", ")})`);
  }
  await duck.run(`CREATE OR REPLACE TABLE ${name} (${names.map((c) => `"${c}" ${columns[c].type}`).join(", ")})`);
  if (rows.length === 0) return;
  const values = rows.map((row) => `(${names.map((c) => `CAST(${literal(row[c])} AS ${columns[c].type})`).join(", ")})`);
  await duck.run(`INSERT INTO ${name} VALUES ${values.join(",\n")}`);
}
