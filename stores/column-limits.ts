/**
 * @module Text limits of the MySQL columns, read from the schema itself (`mysql-schema.sql`), so that
 * the API's validation and the database agree by construction: a value the API accepts fits its column.
 * MySQL counts VARCHAR lengths in characters (code points), so `fits` does too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

let limits: Map<string, number> | undefined;

function parse(): Map<string, number> {
  const ddl = readFileSync(join(import.meta.dirname, "mysql-schema.sql"), "utf8");
  const found = new Map<string, number>();
  for (const [, table, body] of ddl.matchAll(/CREATE TABLE IF NOT EXISTS `?(\w+)`?\s*\(([\s\S]*?)\n\)/g)) {
    for (const [, column, size] of body.matchAll(/^\s*`?(\w+)`?\s+(?:VAR)?CHAR\((\d+)\)/gm)) found.set(`${table}.${column}`, Number(size));
  }
  return found;
}

/** The declared length of a text column, e.g. `columnLimit("users", "first_name")` → 64. */
export function columnLimit(table: string, column: string): number {
  limits ??= parse();
  const limit = limits.get(`${table}.${column}`);
  if (limit === undefined) throw new Error(`mysql-schema.sql declares no text column ${table}.${column}`);
  return limit;
}

/** Whether `text` fits in `limit` characters as MySQL counts them (code points, not UTF-16 units). */
export const fits = (text: string, limit: number) => text.length <= limit || [...text].length <= limit;
