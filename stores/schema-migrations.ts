/**
 * @module Versioned schema migrations for MySQL, run by Kysely's migrator over the mysql2 pool
 * (`kysely-migrator.ts`, loaded only when a database lacks a migration: it takes a quarter second to load).
 * A schema (the operational one, the warehouse's) is a folder of `NNNN_name.sql` files applied in
 * order, each once; which ones a database has is kept in its own table, `schema_migrations_<name>`.
 * The two schemas share one database by default and are told apart by that table.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Pool } from "mysql2/promise";

/** A schema kept by migrations: its name (which names its version table) and its folder of `.sql` files. */
export type SchemaSet = { name: string; folder: URL };

export type MigrationFile = { name: string; version: number; sql: string };
export type MigrateOutcome = { schema: string; ran: string[]; version: number };
export type SchemaStatus = { schema: string; version: number; migrations: Array<{ name: string; appliedAt?: Date }> };

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
/** The migrations of a schema, in order. A file in the folder that is not `NNNN_name.sql` is an error, not skipped. */
export function readMigrations(schema: SchemaSet): MigrationFile[] {
  const files = readdirSync(schema.folder).sort();
  return files.map((file, i) => {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`${new URL(file, schema.folder).pathname} is not named like a migration (0003_what_it_does.sql).`);
    if (Number(match[1]) !== i + 1) throw new Error(`${new URL(file, schema.folder).pathname} should be numbered ${String(i + 1).padStart(4, "0")}: versions run 0001, 0002, … with none repeated or skipped.`);
    return { name: file.replace(/\.sql$/, ""), version: i + 1, sql: readFileSync(new URL(file, schema.folder), "utf8") };
  });
}

/** The statements of a migration: comments dropped, split at each `;` that ends a line. */
export function statements(ddl: string): string[] {
  return ddl
    .replace(/^\s*--.*$/gm, "")
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

const versionTable = (schema: SchemaSet) => `schema_migrations_${schema.name}`;

/** The migrations a database has recorded, in order; none when it has no version table yet. */
async function appliedMigrations(db: Pool, schema: SchemaSet): Promise<string[]> {
  try {
    const [rows] = await db.query(`SELECT name FROM \`${versionTable(schema)}\` ORDER BY name`);
    return (rows as Array<{ name: string }>).map((r) => r.name);
  } catch (error) {
    if ((error as { code?: string }).code === "ER_NO_SUCH_TABLE") return [];
    throw error;
  }
}

async function runner(db: Pool, schema: SchemaSet, migrations: MigrationFile[]) {
  const { migrator } = await import("./kysely-migrator.ts");
  return migrator(db, versionTable(schema), migrations.map((m) => ({ name: m.name, statements: statements(m.sql) })));
}

const sameNames = (applied: string[], migrations: MigrationFile[]) => applied.length === migrations.length && migrations.every((m, i) => m.name === applied[i]);

/**
 * Runs the migrations the database does not have yet, in order (up to and including `to` if given),
 * under a lock on the database, so that processes starting together migrate once. Safe to run at
 * every start: with nothing pending it only reads the version table.
 */
export async function migrateSchema(db: Pool, schema: SchemaSet, options: { to?: string } = {}): Promise<MigrateOutcome> {
  const migrations = readMigrations(schema);
  const target = options.to === undefined ? migrations.at(-1) : migrations.find((m) => m.name === options.to);
  if (!target) throw new Error(`The ${schema.name} schema has no migration ${options.to ?? "at all"} in ${schema.folder.pathname}.`);
  if (options.to === undefined && sameNames(await appliedMigrations(db, schema), migrations)) return { schema: schema.name, ran: [], version: migrations.length };
  const run = await runner(db, schema, migrations);
  const { error, results = [] } = options.to === undefined ? await run.migrateToLatest() : await run.migrateTo(target.name);
  if (error) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`Migrating the ${schema.name} schema failed${failed ? ` at ${failed}` : ""}: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  // Kysely applies migrations strictly in order, so the database is now at the target's version.
  return { schema: schema.name, ran: results.filter((r) => r.status === "Success").map((r) => r.migrationName), version: target.version };
}

/** Which migrations a database has (with when), and which it lacks. Reads only. */
export async function schemaStatus(db: Pool, schema: SchemaSet): Promise<SchemaStatus> {
  const migrations = await (await runner(db, schema, readMigrations(schema))).getMigrations();
  // Applied migrations are always the first ones, so their count is the version.
  const applied = migrations.filter((m) => m.executedAt !== undefined);
  return { schema: schema.name, version: applied.length, migrations: migrations.map((m) => ({ name: m.name, appliedAt: m.executedAt })) };
}
