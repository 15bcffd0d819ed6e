/** @module DuckDB: one in-process engine for generating, staging and querying Parquet. */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

export type DuckDB = {
  run(sql: string): Promise<void>;
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Streams a query's rows as plain JS objects, a chunk (about 2,048 rows) at a time. */
  stream<T = Record<string, unknown>>(sql: string): AsyncIterable<T[]>;
  /** Creates (or replaces) a table from in-memory rows; each column's type is inferred from its values. */
  table(name: string, rows: ReadonlyArray<Record<string, Cell>>): Promise<void>;
  connection: DuckDBConnection;
  close(): void;
};

type Cell = string | number | boolean | null;

function columnType(rows: ReadonlyArray<Record<string, Cell>>, column: string): string {
  const values = rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined);
  if (values.length === 0 || values.some((v) => typeof v === "string")) return "VARCHAR";
  if (values.every((v) => typeof v === "boolean")) return "BOOLEAN";
  return values.every((v) => Number.isInteger(v)) ? "BIGINT" : "DOUBLE";
}

/** Opens an in-memory DuckDB; `options` are DuckDB settings such as `{ threads: "2" }`. */
export async function openDuckDB(options: Record<string, string> = {}): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(":memory:", options);
  const connection = await instance.connect();
  const db: DuckDB = {
    connection,
    async run(sql) {
      await connection.run(sql);
    },
    async all<T>(sql: string) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as T[];
    },
    async *stream<T>(sql: string) {
      const result = await connection.stream(sql);
      for await (const rows of result.yieldRowObjectJs()) yield rows as T[];
    },
    async table(name, rows) {
      if (rows.length === 0) throw new Error(`table ${name}: no rows given`);
      const columns = Object.keys(rows[0]);
      const types = columns.map((c) => columnType(rows, c));
      await connection.run(`CREATE OR REPLACE TABLE ${name} (${columns.map((c, i) => `"${c}" ${types[i]}`).join(", ")})`);
      const appender = await connection.createAppender(name);
      for (const row of rows) {
        columns.forEach((c, i) => {
          const v = row[c];
          if (v === null || v === undefined) appender.appendNull();
          else if (types[i] === "BIGINT") appender.appendBigInt(BigInt(v as number));
          else if (types[i] === "DOUBLE") appender.appendDouble(v as number);
          else if (types[i] === "BOOLEAN") appender.appendBoolean(v as boolean);
          else appender.appendVarchar(String(v));
        });
        appender.endRow();
      }
      appender.closeSync();
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  return db;
}
