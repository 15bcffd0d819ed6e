/**
 * @module The values the raw files hold, checked in DuckDB against the MySQL columns they load into
 * (NOT NULL, length, enum members, integer and decimal range) and the tables' CHECK constraints, all read
 * from the schema the migrations built. MySQL refuses such a row in the middle of its load, after the
 * document store has taken its share; checked first, bad input stops the load with nothing written.
 */
import type { DuckDB } from "../../lib/duckdb.ts";
import { UserError } from "../../lib/errors.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { RawTable } from "../generate/index.ts";
import { checkClauseToDuckDB } from "./check-clause.ts";
import { rawFile } from "./raw-files.ts";

type Column = { table: RawTable; name: string; nullable: boolean; type: string; columnType: string; chars: number | null; bytes: number | null; precision: number | null; scale: number | null; generated: boolean };
type Check = { table: RawTable; name: string; clause: string };
export type TableRules = { columns: Column[]; checks: Check[] };

/** The columns and CHECK constraints of `tables` in the connected database. */
export async function tableRules(db: MySql, tables: readonly RawTable[]): Promise<TableRules> {
  const [columns] = await db.query(
    `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, IS_NULLABLE = 'YES' AS nullable, DATA_TYPE AS type, COLUMN_TYPE AS columnType,
       CHARACTER_MAXIMUM_LENGTH AS chars, CHARACTER_OCTET_LENGTH AS bytes, NUMERIC_PRECISION AS \`precision\`, NUMERIC_SCALE AS scale,
       EXTRA LIKE '%auto_increment%' OR IS_GENERATED <> 'NEVER' AS \`generated\`
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [tables],
  );
  const [checks] = await db.query(
    "SELECT TABLE_NAME AS `table`, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, CONSTRAINT_NAME",
    [tables],
  );
  const number = (v: unknown) => (v === null ? null : Number(v));
  return {
    columns: (columns as Array<Omit<Column, "nullable" | "generated"> & { nullable: number; generated: number }>).map((c) => ({
      ...c, nullable: Boolean(c.nullable), generated: Boolean(c.generated), chars: number(c.chars), bytes: number(c.bytes), precision: number(c.precision), scale: number(c.scale),
    })),
    checks: checks as Check[],
  };
}

/** A way a raw row can break its table: `broken` is a DuckDB condition, true for such a row. */
type Rule = { broken: string; says: (row: Record<string, string | null>) => string };

const quote = (column: string) => `"${column.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const INTEGER_BITS: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, int: 32, bigint: 64 };

/** `enum('a','b')` → a, b */
function enumMembers(columnType: string): string[] {
  return [...columnType.slice(columnType.indexOf("(") + 1, -1).matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replaceAll("''", "'"));
}

/** The rules a column's raw values must keep, and the expression for the value MySQL would store (for its CHECK constraints). */
function columnRules(column: Column, rawType: string): { rules: Rule[]; stored: string } {
  const c = quote(column.name);
  const of = `${column.table}.${column.name} (${column.columnType})`;
  const rules: Rule[] = [];
  let stored = rawType === "BOOLEAN" ? `${c}::INTEGER` : c;
  if (!column.nullable && !column.generated) rules.push({ broken: `${c} IS NULL`, says: () => `${column.name} is NULL, and ${of} is NOT NULL` });
  if (rawType === "VARCHAR") {
    if (column.type === "enum") {
      const members = enumMembers(column.columnType);
      // MySQL matches members without regard to case, and stores the member.
      stored = `CASE lower(${c}) ${members.map((m) => `WHEN ${literal(m.toLowerCase())} THEN ${literal(m)}`).join(" ")} END`;
      rules.push({ broken: `${c} IS NOT NULL AND (${stored}) IS NULL`, says: (row) => `${column.name} = '${row[column.name]}' is none of ${of}'s values` });
    } else if (/char$/.test(column.type) && column.chars !== null) {
      rules.push({ broken: `length(${c}) > ${column.chars}`, says: (row) => `${column.name} has ${[...row[column.name]!].length} characters, more than ${of} holds` });
    } else if (/text$/.test(column.type) && column.bytes !== null) {
      rules.push({ broken: `strlen(${c}) > ${column.bytes}`, says: () => `${column.name} is longer than the ${column.bytes!.toLocaleString("en-US")} bytes ${of} holds` });
    }
  }
  const bits = INTEGER_BITS[column.type];
  if (bits && rawType !== "BOOLEAN" && rawType !== "VARCHAR") {
    const unsigned = column.columnType.includes("unsigned");
    const [low, high] = unsigned ? [0n, 2n ** BigInt(bits) - 1n] : [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n];
    rules.push({ broken: `${c} < ${low} OR ${c} > ${high}`, says: (row) => `${column.name} = ${row[column.name]} is outside ${of}, ${low} to ${high}` });
  }
  if (column.type === "decimal" && column.precision !== null && column.precision <= 38 && rawType !== "VARCHAR") {
    stored = `TRY_CAST(${c} AS DECIMAL(${column.precision}, ${column.scale}))`;
    rules.push({ broken: `${c} IS NOT NULL AND ${stored} IS NULL`, says: (row) => `${column.name} = ${row[column.name]} does not fit ${of}` });
  }
  return { rules, stored };
}

/**
 * Refuses raw files whose values MySQL would refuse, naming the file, the row (counted from 1), the
 * column or constraint, and the values; runs before anything is written.
 */
export async function checkRawValues(duck: DuckDB, rawDir: string, tables: readonly RawTable[], schema: TableRules): Promise<void> {
  for (const table of tables) {
    const file = rawFile(rawDir, table);
    const raw = new Map((await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((c) => [c.column_name, c.column_type]));
    const columns = schema.columns.filter((c) => c.table === table);
    const unknown = [...raw.keys()].filter((name) => !columns.some((c) => c.name === name));
    if (unknown.length) throw new UserError(`${file} has column ${unknown.join(", ")}, which MySQL's ${table} does not; nothing was loaded. Regenerate the data with \`nike generate\`.`);
    const rules: Rule[] = [];
    const stored = new Map<string, string>();
    for (const column of columns.filter((c) => raw.has(c.name))) {
      const found = columnRules(column, raw.get(column.name)!);
      rules.push(...found.rules);
      stored.set(column.name, found.stored);
    }
    for (const check of schema.checks.filter((k) => k.table === table)) {
      const named = new Set<string>();
      const condition = checkClauseToDuckDB(check.clause, (name) => {
        named.add(name);
        // A column the raw file lacks takes MySQL's default in the load; such a constraint is left to MySQL.
        return stored.get(name) ?? "NULL";
      });
      if (![...named].every((name) => stored.has(name))) continue;
      rules.push({ broken: `NOT ${condition}`, says: (row) => `breaks ${check.name} of ${table} (${check.clause}) with ${[...named].map((name) => `${name} = ${row[name]}`).join(", ")}` });
    }
    if (!rules.length) continue;
    const broken = rules.map((r) => `(${r.broken})`).join(" OR ");
    // Good files are the common case: one scan answers "any broken row?", and only then is the first one looked for.
    if (!(await duck.all(`SELECT 1 FROM read_parquet('${file}') WHERE ${broken} LIMIT 1`)).length) continue;
    const [row] = await duck.all<Record<string, string | null> & { row: bigint }>(`
      SELECT file_row_number + 1 AS row, ${rules.map((r, i) => `coalesce(${r.broken}, false) AS "broken ${i}"`).join(", ")},
        ${[...raw.keys()].map((name) => `CAST(${quote(name)} AS VARCHAR) AS ${quote(name)}`).join(", ")}
      FROM read_parquet('${file}', file_row_number = true) WHERE ${broken} ORDER BY file_row_number LIMIT 1`);
    const rule = rules.find((_, i) => row[`broken ${i}`]);
    throw new UserError(`${file} row ${row.row}: ${rule!.says(row)}; nothing was loaded. Regenerate the data with \`nike generate\`.`);
  }
}
