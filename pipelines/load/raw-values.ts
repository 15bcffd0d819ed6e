/**
 * @module The values the raw files hold, checked in DuckDB against the MySQL columns they load into
 * (NOT NULL, length, enum members, integer and decimal range) and the tables' CHECK constraints, all read
 * from the schema the migrations built. MySQL refuses such a row in the middle of its load, after the
 * document store has taken its share; checked first, bad input stops the load with nothing written.
 */
import { sqlName as quote, sqlText as literal, type DuckDB } from "../../lib/duckdb.ts";
import { UserError } from "../../lib/errors.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { RawTable } from "../generate/index.ts";
import { checkClauseToDuckDB } from "./check-clause.ts";
import { rawFile } from "./raw-files.ts";

type Column = {
  table: RawTable; name: string; nullable: boolean; type: string; columnType: string;
  chars: number | null; bytes: number | null; precision: number | null; scale: number | null; fractionDigits: number | null; generated: boolean;
};
type Check = { table: RawTable; name: string; clause: string };
export type TableRules = { columns: Column[]; checks: Check[] };

/** The columns and enforced CHECK constraints of `tables` in the connected database (MariaDB's or MySQL 8's catalog). */
export async function tableRules(db: MySql, tables: readonly RawTable[]): Promise<TableRules> {
  const [columns] = await db.query(
    `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, IS_NULLABLE = 'YES' AS nullable, DATA_TYPE AS type, COLUMN_TYPE AS columnType,
       CHARACTER_MAXIMUM_LENGTH AS chars, CHARACTER_OCTET_LENGTH AS bytes, NUMERIC_PRECISION AS \`precision\`, NUMERIC_SCALE AS scale,
       DATETIME_PRECISION AS fractionDigits, EXTRA LIKE '%auto_increment%' OR COALESCE(GENERATION_EXPRESSION, '') <> '' AS \`generated\`
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [tables],
  );
  // MariaDB's CHECK_CONSTRAINTS names each constraint's table (its names are unique per table); MySQL 8's does not
  // (its names are unique per schema), and its TABLE_CONSTRAINTS says which are NOT ENFORCED.
  const [checks] = await db.query("SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
  const [owners] = await db.query("SELECT * FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'CHECK'");
  const owner = new Map((owners as Array<{ CONSTRAINT_NAME: string; TABLE_NAME: RawTable; ENFORCED?: string }>).map((o) => [o.CONSTRAINT_NAME, o]));
  const number = (v: unknown) => (v === null ? null : Number(v));
  return {
    columns: (columns as Array<Omit<Column, "nullable" | "generated"> & { nullable: number; generated: number }>).map((c) => ({
      ...c, nullable: Boolean(c.nullable), generated: Boolean(c.generated), chars: number(c.chars), bytes: number(c.bytes),
      precision: number(c.precision), scale: number(c.scale), fractionDigits: number(c.fractionDigits),
    })),
    checks: (checks as Array<{ CONSTRAINT_NAME: string; CHECK_CLAUSE: string; TABLE_NAME?: RawTable }>)
      .map((k) => ({ table: k.TABLE_NAME ?? owner.get(k.CONSTRAINT_NAME)?.TABLE_NAME, name: k.CONSTRAINT_NAME, clause: k.CHECK_CLAUSE, enforced: owner.get(k.CONSTRAINT_NAME)?.ENFORCED !== "NO" }))
      .filter((k): k is Check & { enforced: boolean } => k.table !== undefined && tables.includes(k.table) && k.enforced)
      .map(({ table, name, clause }) => ({ table, name, clause })),
  };
}

/** A way a raw row can break its table: `broken` is a DuckDB condition, true for such a row. */
type Rule = { broken: string; says: (row: Record<string, string | null>) => string };

const INTEGER_BITS: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, int: 32, bigint: 64 };

/** `enum('a','b')` → a, b */
function enumMembers(columnType: string): string[] {
  return [...columnType.slice(columnType.indexOf("(") + 1, -1).matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replaceAll("''", "'"));
}

/**
 * The rules a column's raw values must keep, and the expression for the value MySQL would store from the
 * CSV the load writes (for its CHECK constraints): MySQL drops a text's trailing spaces where they overflow,
 * matches an enum member without regard to case, accents or trailing spaces (or by its number), rounds a
 * decimal's text, and MariaDB cuts a time's fraction to its column's digits.
 */
function columnRules(column: Column, rawType: string): { rules: Rule[]; stored: string } {
  const c = quote(column.name);
  const of = `${column.table}.${column.name} (${column.columnType})`;
  const rules: Rule[] = [];
  let stored = rawType === "BOOLEAN" ? `${c}::INTEGER` : c;
  if (!column.nullable && !column.generated) rules.push({ broken: `${c} IS NULL`, says: () => `${column.name} is NULL, and ${of} is NOT NULL` });
  if (rawType === "VARCHAR") {
    if (column.type === "enum") {
      const members = enumMembers(column.columnType);
      const key = (text: string) => `strip_accents(lower(rtrim(${text}, ' ')))`;
      const number = `TRY_CAST(${c} AS INTEGER)`;
      stored = `CASE ${members.map((m) => `WHEN ${key(c)} = ${key(literal(m))} THEN ${literal(m)}`).join(" ")} WHEN ${number} > 0 THEN [${members.map(literal).join(", ")}][${number}] END`;
      rules.push({ broken: `${c} IS NOT NULL AND (${stored}) IS NULL`, says: (row) => `${column.name} = '${row[column.name]}' is none of ${of}'s values` });
    } else if (/char$/.test(column.type) && column.chars !== null) {
      rules.push({ broken: `length(rtrim(${c}, ' ')) > ${column.chars}`, says: (row) => `${column.name} has ${[...row[column.name]!.trimEnd()].length} characters, more than ${of} holds` });
    } else if (/text$/.test(column.type) && column.bytes !== null) {
      rules.push({ broken: `strlen(rtrim(${c}, ' ')) > ${column.bytes}`, says: () => `${column.name} is longer than the ${column.bytes!.toLocaleString("en-US")} bytes ${of} holds` });
    }
  }
  const bits = INTEGER_BITS[column.type];
  if (bits && rawType !== "BOOLEAN" && rawType !== "VARCHAR") {
    const unsigned = column.columnType.includes("unsigned");
    const [low, high] = unsigned ? [0n, 2n ** BigInt(bits) - 1n] : [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n];
    rules.push({ broken: `${c} < ${low} OR ${c} > ${high}`, says: (row) => `${column.name} = ${row[column.name]} is outside ${of}, ${low} to ${high}` });
  }
  if (column.type === "decimal" && column.precision !== null && column.precision <= 38 && rawType !== "VARCHAR") {
    // A binary fraction is written as its shortest text, which MySQL rounds: 1.005 becomes 1.01, as from the text.
    stored = `TRY_CAST(${rawType.startsWith("DECIMAL") ? c : `CAST(${c} AS VARCHAR)`} AS DECIMAL(${column.precision}, ${column.scale}))`;
    rules.push({ broken: `${c} IS NOT NULL AND ${stored} IS NULL`, says: (row) => `${column.name} = ${row[column.name]} does not fit ${of}` });
  }
  if ((column.type === "datetime" || column.type === "timestamp") && rawType === "TIMESTAMP" && column.fractionDigits !== null && column.fractionDigits < 6) {
    const step = 10 ** (6 - column.fractionDigits);
    stored = `make_timestamp(epoch_us(${c}) // ${step} * ${step})`;
  }
  return { rules, stored };
}

/**
 * Refuses raw files whose values MySQL would refuse, naming the file, the row (counted from 1), the
 * column or constraint, and the values; runs before anything is written. Returns the CHECK constraints it
 * could not evaluate (a clause it cannot read, or one DuckDB does not take), which MySQL still enforces.
 */
export async function checkRawValues(duck: DuckDB, rawDir: string, tables: readonly RawTable[], schema: TableRules): Promise<string[]> {
  const leftToMysql: string[] = [];
  for (const table of tables) {
    const file = rawFile(rawDir, table);
    const raw = new Map((await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((c) => [c.column_name.toLowerCase(), c]));
    // MySQL's column names are the same in any letters.
    const columns = schema.columns.filter((c) => c.table === table);
    const known = new Set(columns.map((c) => c.name.toLowerCase()));
    const unknown = [...raw].filter(([name]) => !known.has(name)).map(([, r]) => r.column_name);
    if (unknown.length) throw new UserError(`${file} has column ${unknown.join(", ")}, which MySQL's ${table} does not; nothing was loaded. Regenerate the data with \`nike generate\`.`);
    const rules: Rule[] = [];
    const stored = new Map<string, { raw: string; value: string }>();
    for (const column of columns) {
      const found = raw.get(column.name.toLowerCase());
      if (!found) continue;
      const { rules: own, stored: value } = columnRules({ ...column, name: found.column_name }, found.column_type);
      rules.push(...own);
      stored.set(column.name.toLowerCase(), { raw: found.column_name, value });
    }
    for (const check of schema.checks.filter((k) => k.table === table)) {
      const named = new Set<string>();
      let condition: string;
      try {
        condition = checkClauseToDuckDB(check.clause, (name) => {
          named.add(name.toLowerCase());
          return stored.get(name.toLowerCase())?.value ?? "NULL";
        });
        // A column the raw file lacks takes MySQL's default in the load; such a constraint is left to MySQL.
        if (![...named].every((name) => stored.has(name))) continue;
        await duck.all(`SELECT ${condition} FROM read_parquet('${file}') LIMIT 0`);
      } catch (error) {
        leftToMysql.push(`${check.name} of ${table} (${check.clause}): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
        continue;
      }
      const shown = [...named].map((name) => stored.get(name)!.raw);
      rules.push({ broken: `NOT ${condition}`, says: (row) => `breaks ${check.name} of ${table} (${check.clause}) with ${shown.map((name) => `${name} = ${row[name]}`).join(", ")}` });
    }
    if (!rules.length) continue;
    const broken = rules.map((r) => `(${r.broken})`).join(" OR ");
    // Good files are the common case: one scan answers "any broken row?", and only then is the first one looked for.
    if (!(await duck.all(`SELECT 1 FROM read_parquet('${file}') WHERE ${broken} LIMIT 1`)).length) continue;
    const [row] = await duck.all<Record<string, string | null> & { row: bigint }>(`
      SELECT file_row_number + 1 AS row, ${rules.map((r, i) => `coalesce(${r.broken}, false) AS "broken ${i}"`).join(", ")},
        ${[...raw.values()].map(({ column_name: name }) => `CAST(${quote(name)} AS VARCHAR) AS ${quote(name)}`).join(", ")}
      FROM read_parquet('${file}', file_row_number = true) WHERE ${broken} ORDER BY file_row_number LIMIT 1`);
    const rule = rules.find((_, i) => row[`broken ${i}`]);
    throw new UserError(`${file} row ${row.row}: ${rule!.says(row)}; nothing was loaded. Regenerate the data with \`nike generate\`.`);
  }
  return leftToMysql;
}
