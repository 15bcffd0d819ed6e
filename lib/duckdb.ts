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
  /** Another connection to the same database (its tables, its settings), for work that runs beside this one's. */
  connect(): Promise<DuckDB>;
  /** Closes this connection; the first handle's close also closes the database. */
  close(): void;
};

type Cell = string | number | boolean | null;

/** Column name → DuckDB type (VARCHAR, BIGINT, INTEGER, TINYINT, DOUBLE, BOOLEAN, or any type DuckDB casts text to, such as TIMESTAMP), in order. */
export type Columns = Record<string, string>;

/** A text as an SQL string literal. */
export const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** A name as a quoted SQL identifier. */
export const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A select list that casts each column to its type, under its own name: conforms a relation to a table's types. */
export const castTo = (columns: ReadonlyArray<{ name: string; type: string }>) => columns.map(({ name, type }) => `"${name}"::${type} AS "${name}"`).join(", ");

/** A row as an object keyed by column name, or as its values in column order. */
type AppendRow = Record<string, unknown> | ReadonlyArray<unknown>;

/** Creates (or replaces) `name` with exactly `columns`. */
export async function createTable(db: DuckDB, name: string, columns: Columns, options: { temp?: boolean } = {}): Promise<void> {
  const list = Object.entries(columns).map(([c, type]) => `"${c}" ${type}`).join(", ");
  await db.run(`CREATE OR REPLACE ${options.temp ? "TEMP " : ""}TABLE ${name} (${list})`);
}

/**
 * Appends batches of rows to `table` (made with `columns`) through DuckDB's appender, each value
 * converted to its column's type; returns the row count. Dates become ISO text.
 */
export async function appendRows(db: DuckDB, table: string, columns: Columns, batches: Iterable<ReadonlyArray<AppendRow>> | AsyncIterable<ReadonlyArray<AppendRow>>): Promise<number> {
  const names = Object.keys(columns);
  const types = Object.values(columns);
  const appender = await db.connection.createAppender(table);
  let count = 0;
  try {
    for await (const batch of batches) {
      for (const row of batch) {
        for (let i = 0; i < names.length; i++) {
          const v = Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[names[i]];
          if (v === null || v === undefined) appender.appendNull();
          else if (types[i] === "BIGINT") appender.appendBigInt(BigInt(v as number));
          else if (types[i] === "INTEGER") appender.appendInteger(Number(v));
          else if (types[i] === "TINYINT") appender.appendTinyInt(Number(v));
          else if (types[i] === "DOUBLE") appender.appendDouble(Number(v));
          else if (types[i] === "BOOLEAN") appender.appendBoolean(Boolean(v));
          else appender.appendVarchar(v instanceof Date ? v.toISOString() : String(v));
        }
        appender.endRow();
      }
      count += batch.length;
    }
  } finally {
    appender.closeSync();
  }
  return count;
}

function columnType(rows: ReadonlyArray<Record<string, Cell>>, column: string): string {
  const values = rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined);
  if (values.length === 0 || values.some((v) => typeof v === "string")) return "VARCHAR";
  if (values.every((v) => typeof v === "boolean")) return "BOOLEAN";
  return values.every((v) => Number.isInteger(v)) ? "BIGINT" : "DOUBLE";
}

/** Opens an in-memory DuckDB; `options` are DuckDB settings such as `{ threads: "2" }`. */
export async function openDuckDB(options: Record<string, string> = {}): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(":memory:", options);
  return handle(instance, await instance.connect(), () => instance.closeSync());
}

function handle(instance: DuckDBInstance, connection: DuckDBConnection, closeDatabase?: () => void): DuckDB {
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
      const columns = Object.fromEntries(Object.keys(rows[0]).map((c) => [c, columnType(rows, c)]));
      await createTable(db, name, columns);
      await appendRows(db, name, columns, [rows]);
    },
    async connect() {
      return handle(instance, await instance.connect());
    },
    close() {
      connection.closeSync();
      closeDatabase?.();
    },
  };
  return db;
}
