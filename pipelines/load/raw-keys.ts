/**
 * @module The keys the raw files must keep, checked in DuckDB before MySQL loads them with its own
 * unique and foreign-key checks off: every primary and unique key unique, every foreign key naming a
 * row of its parent's file. The keys are read from the schema the migrations built, so there is one
 * list of them.
 */
import { sqlName as quote, type DuckDB } from "../../lib/duckdb.ts";
import { UserError } from "../../lib/errors.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { RawTable } from "../generate/index.ts";
import { rawFile } from "./raw-files.ts";

export type TableKey = { table: RawTable; name: string; kind: "unique" | "reference"; columns: string[]; parent?: RawTable; parentColumns?: string[] };

/** The primary, unique and foreign keys of `tables` in the connected database, each foreign key to one of `tables`. */
export async function tableKeys(db: MySql, tables: readonly RawTable[]): Promise<TableKey[]> {
  const [rows] = await db.query(
    `SELECT k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS name, c.CONSTRAINT_TYPE AS type, k.REFERENCED_TABLE_NAME AS parent,
       GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION) AS cols, GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION) AS parent_cols
     FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.TABLE_CONSTRAINTS c ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     WHERE k.CONSTRAINT_SCHEMA = DATABASE() AND k.TABLE_NAME IN (?)
     GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.REFERENCED_TABLE_NAME
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME`,
    [tables],
  );
  return (rows as Array<{ t: RawTable; name: string; type: string; parent: RawTable | null; cols: string; parent_cols: string | null }>)
    .filter((r) => r.type !== "FOREIGN KEY" || tables.includes(r.parent!))
    .map((r) => ({
      table: r.t,
      name: r.name,
      kind: r.type === "FOREIGN KEY" ? "reference" : "unique",
      columns: r.cols.split(","),
      ...(r.parent ? { parent: r.parent, parentColumns: r.parent_cols!.split(",") } : {}),
    }));
}

const shown = (columns: string[], row: Record<string, unknown>) => columns.map((c) => `${c} = ${row[c]}`).join(", ");
const asText = (columns: string[], alias = "") => columns.map((c) => `CAST(${alias}${quote(c)} AS VARCHAR) AS ${quote(c)}`).join(", ");

/**
 * Refuses raw files that break a key, naming the file, the row (counted from 1) and the key; runs
 * before anything is written. Text is compared case-insensitively, as MySQL's collation does.
 */
export async function checkRawKeys(duck: DuckDB, rawDir: string, keys: TableKey[]): Promise<void> {
  const text = new Map<string, Set<string>>();
  const textColumns = async (table: RawTable) => {
    if (!text.has(table)) {
      const columns = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${rawFile(rawDir, table)}')`);
      text.set(table, new Set(columns.filter((c) => c.column_type === "VARCHAR").map((c) => c.column_name)));
    }
    return text.get(table)!;
  };
  const rows = (table: RawTable) => `read_parquet('${rawFile(rawDir, table)}', file_row_number = true)`;
  for (const key of keys) {
    const file = rawFile(rawDir, key.table);
    const present = key.columns.map((c) => `${quote(c)} IS NOT NULL`).join(" AND ");
    if (key.kind === "unique") {
      const strings = await textColumns(key.table);
      const compared = key.columns.map((c) => (strings.has(c) ? `lower(${quote(c)})` : quote(c)));
      // A hash aggregate over the key alone answers "any duplicate?"; only then are the rows looked for.
      const repeated = await duck.all(`SELECT 1 FROM read_parquet('${file}') WHERE ${present} GROUP BY ${compared.join(", ")} HAVING count(*) > 1 LIMIT 1`);
      if (!repeated.length) continue;
      const [duplicate] = await duck.all<Record<string, unknown> & { first: bigint; row: bigint }>(`
        SELECT ${asText(key.columns)}, first + 1 AS first, file_row_number + 1 AS row FROM (
          SELECT *, min(file_row_number) OVER (PARTITION BY ${compared.join(", ")}) AS first FROM ${rows(key.table)} WHERE ${present})
        WHERE file_row_number > first ORDER BY file_row_number LIMIT 1`);
      if (duplicate) {
        throw new UserError(`${file} row ${duplicate.row} repeats ${shown(key.columns, duplicate)} of row ${duplicate.first} (key ${key.name} of ${key.table}); nothing was loaded. Regenerate the data with \`nike generate\`.`);
      }
    } else {
      const on = key.columns.map((c, i) => `p.${quote(key.parentColumns![i])} = c.${quote(c)}`).join(" AND ");
      const [dangling] = await duck.all<Record<string, unknown> & { row: bigint }>(`
        SELECT ${asText(key.columns, "c.")}, c.file_row_number + 1 AS row
        FROM (SELECT * FROM ${rows(key.table)} WHERE ${present}) c ANTI JOIN read_parquet('${rawFile(rawDir, key.parent!)}') p ON ${on}
        ORDER BY c.file_row_number LIMIT 1`);
      if (dangling) {
        throw new UserError(`${file} row ${dangling.row}: ${shown(key.columns, dangling)} names no row of ${rawFile(rawDir, key.parent!)} (foreign key ${key.name} of ${key.table}); nothing was loaded. Regenerate the data with \`nike generate\`.`);
      }
    }
  }
}
