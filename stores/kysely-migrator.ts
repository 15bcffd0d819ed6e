/** @module Kysely's migrator over the mysql2 pool, for the schema migrations (`schema-migrations.ts`). */
import type { Pool } from "mysql2/promise";
import { Kysely, Migrator, MysqlAdapter, MysqlDialect, sql, type Migration } from "kysely";

/** A migration as the runner takes it: its name and its statements, in order. */
export type Step = { name: string; statements: string[] };

const LOCK_TABLE = "schema_migrations_lock";
/** Kysely's own wait for the lock: a process starting during a long migration waits for it. */
const LOCK_TIMEOUT_S = 3600;
/** One lock per database, not per server: tests migrate their own databases side by side. The name is hashed as lock names stop at 64 characters. */
const LOCK_NAME = sql`CONCAT('schema_migrations_', SHA1(DATABASE()))`;

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

/** A migrator over the pool, recording what ran in `table`. Never destroy its Kysely: that would end the caller's pool. */
export function migrator(db: Pool, table: string, migrations: Step[]): Migrator {
  return new Migrator({
    db: new Kysely<unknown>({ dialect: new SchemaDialect({ pool: db.pool }) }),
    migrationTableName: table,
    migrationLockTableName: LOCK_TABLE,
    provider: {
      async getMigrations() {
        const up = (file: Step): Migration => ({
          async up(kysely) {
            for (const statement of file.statements) await sql.raw(statement).execute(kysely);
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

