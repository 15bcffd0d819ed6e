/**
 * @module Text limits of the MySQL columns, read from the schema itself (the operational migrations,
 * replayed in order), so that the API's validation and the database agree by construction: a value
 * the API accepts fits its column. A test checks every limit against a migrated database.
 * MySQL counts VARCHAR lengths in characters (code points), so `fits` does too.
 */
import { OPERATIONAL_SCHEMA } from "./mysql.ts";
import { readMigrations, statements } from "./schema-migrations.ts";

const TEXT_TYPE = /^(?:VAR)?CHAR\((\d+)\)/i;

let limits: Map<string, number> | undefined;

/** Every text column's declared length after all migrations: CREATE TABLE, then ALTER TABLE's ADD, MODIFY, CHANGE and DROP. */
export function textColumns(): Map<string, number> {
  const found = new Map<string, number>();
  const declare = (table: string, column: string, definition: string) => {
    const size = TEXT_TYPE.exec(definition)?.[1];
    if (size) found.set(`${table}.${column}`, Number(size));
    else found.delete(`${table}.${column}`);
  };
  for (const migration of readMigrations(OPERATIONAL_SCHEMA)) {
    for (const statement of statements(migration.sql)) {
      const create = /^CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)`?\s*\(([\s\S]*)\)[^)]*$/i.exec(statement);
      if (create) {
        for (const [, column, definition] of create[2].matchAll(/^\s*`?(\w+)`?\s+(.*)$/gm)) declare(create[1], column, definition);
        continue;
      }
      const alter = /^ALTER TABLE `?(\w+)`?\s+([\s\S]*)$/i.exec(statement);
      if (!alter) continue;
      for (const clause of alter[2].split(/,\s*(?=(?:ADD|MODIFY|CHANGE|DROP|ALTER|RENAME)\b)/i)) {
        const change = /^(?:ADD|MODIFY)\s+(?:COLUMN\s+)?(?:IF (?:NOT )?EXISTS\s+)?`?(\w+)`?\s+(.*)$/is.exec(clause);
        if (change) declare(alter[1], change[1], change[2]);
        const rename = /^CHANGE\s+(?:COLUMN\s+)?(?:IF EXISTS\s+)?`?(\w+)`?\s+`?(\w+)`?\s+(.*)$/is.exec(clause);
        if (rename) {
          found.delete(`${alter[1]}.${rename[1]}`);
          declare(alter[1], rename[2], rename[3]);
        }
        const drop = /^DROP\s+(?:COLUMN\s+)?(?:IF EXISTS\s+)?`?(\w+)`?\s*$/i.exec(clause);
        if (drop) found.delete(`${alter[1]}.${drop[1]}`);
      }
    }
  }
  return found;
}

/** The declared length of a text column, e.g. `columnLimit("users", "first_name")` → 64. */
export function columnLimit(table: string, column: string): number {
  limits ??= textColumns();
  const limit = limits.get(`${table}.${column}`);
  if (limit === undefined) throw new Error(`The operational migrations declare no text column ${table}.${column}`);
  return limit;
}

/** Whether `text` fits in `limit` characters as MySQL counts them (code points, not UTF-16 units). */
export const fits = (text: string, limit: number) => text.length <= limit || [...text].length <= limit;
