/**
 * @module Versioned schema migrations for MySQL, run by Kysely's migrator over the mysql2 pool.
 * A schema (the operational one, the warehouse's) is a folder of `NNNN_name.sql` files applied in
 * order, each once; which ones a database has is kept in its own table, `schema_migrations_<name>`.
 * The two schemas share one database by default and are told apart by that table.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Pool } from "mysql2/promise";
import { Kysely, Migrator, MysqlAdapter, MysqlDialect, sql, type Migration } from "kysely";

/** A schema kept by migrations: its name (which names its version table) and its folder of `.sql` files. */
export type SchemaSet = { name: string; folder: URL };

export type MigrationFile = { name: string; version: number; sql: string };
export type MigrateOutcome = { schema: string; ran: string[]; version: number };
export type SchemaStatus = { schema: string; version: number; migrations: Array<{ name: string; appliedAt?: Date }> };

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
const LOCK_TABLE = "schema_migrations_lock";
/** Kysely's own wait for the lock: a process starting during a long migration waits for it. */
const LOCK_TIMEOUT_S = 3600;
/** One lock per database, not per server: tests migrate their own databases side by side. The name is hashed as lock names stop at 64 characters. */
const LOCK_NAME = sql`CONCAT('schema_migrations_', SHA1(DATABASE()))`;

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

/** Kysely's MySQL adapter locks every migration on the server with one name; this one locks the database being migrated. */
class DatabaseLockAdapter extends MysqlAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    const { rows } = await sql<{ locked: number | null }>`SELECT GET_LOCK(${LOCK_NAME}, ${LOCK_TIMEOUT_S}) AS locked`.execute(db);
    if (rows[0]?.locked !== 1) throw new Error(`Another process has been migrating this database for ${LOCK_TIMEOUT_S} s; see SHOW PROCESSLIST.`);
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`SELECT RELEASE_LOCK(${LOCK_NAME})`.execute(db);
  }
}

class SchemaDialect extends MysqlDialect {
  override createAdapter() {
    return new DatabaseLockAdapter();
  }
}

/** A migrator over the pool. Never destroy its Kysely: that would end the caller's pool. */
function migrator(db: Pool, schema: SchemaSet, migrations: MigrationFile[]): Migrator {
  return new Migrator({
    db: new Kysely<unknown>({ dialect: new SchemaDialect({ pool: db.pool }) }),
    migrationTableName: `schema_migrations_${schema.name}`,
    migrationLockTableName: LOCK_TABLE,
    provider: {
      async getMigrations() {
        const up = (file: MigrationFile): Migration => ({
          async up(kysely) {
            for (const statement of statements(file.sql)) await sql.raw(statement).execute(kysely);
          },
          // Without a down, Kysely would unrecord a migration and leave its tables.
          async down() {
            throw new Error(`Migrations only go forward: ${file.name} cannot be undone (restore a backup instead).`);
          },
        });
        return Object.fromEntries(migrations.map((file) => [file.name, up(file)]));
      },
    },
  });
}

/**
 * Runs the migrations the database does not have yet, in order (up to and including `to` if given),
 * under a lock on the database, so that processes starting together migrate once. Safe to run at
 * every start: with nothing pending it only reads the version table.
 */
export async function migrateSchema(db: Pool, schema: SchemaSet, options: { to?: string } = {}): Promise<MigrateOutcome> {
  const migrations = readMigrations(schema);
  const target = options.to === undefined ? migrations.at(-1) : migrations.find((m) => m.name === options.to);
  if (!target) throw new Error(`The ${schema.name} schema has no migration ${options.to ?? "at all"} in ${schema.folder.pathname}.`);
  const run = migrator(db, schema, migrations);
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
  const migrations = await migrator(db, schema, readMigrations(schema)).getMigrations();
  // Applied migrations are always the first ones, so their count is the version.
  const applied = migrations.filter((m) => m.executedAt !== undefined);
  return { schema: schema.name, version: applied.length, migrations: migrations.map((m) => ({ name: m.name, appliedAt: m.executedAt })) };
}
