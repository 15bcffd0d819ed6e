/** @module `nike migrate`: brings the operational and warehouse schemas in MySQL up to date, or (`--status`) lists their migrations. */
import { loadConfig, type Config } from "../lib/config.ts";
import { redactUrl } from "../lib/errors.ts";
import { applySchema, connectMysql, OPERATIONAL_SCHEMA } from "../stores/mysql.ts";
import { schemaStatus } from "../stores/schema-migrations.ts";
import { STAR_SCHEMA } from "../warehouse/ledger.ts";

export type MigrateOptions = { status?: boolean };

/** The schemas in `MYSQL_URL`'s database, in the order they are migrated. */
const SCHEMAS = [OPERATIONAL_SCHEMA, STAR_SCHEMA];

/** Runs the pending migrations of every schema (or, with `status`, only reports them) and says what it did. */
export async function migrateCommand(config: Config, options: MigrateOptions = {}): Promise<string> {
  const db = await connectMysql(config.mysqlUrl, 1);
  try {
    const lines = [`MySQL ${redactUrl(config.mysqlUrl)}`];
    for (const schema of SCHEMAS) {
      if (options.status) {
        const status = await schemaStatus(db, schema);
        lines.push(`${schema.name} schema: version ${status.version}`);
        for (const m of status.migrations) lines.push(`  ${(m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : "pending").padEnd(32)}  ${m.name}`);
        continue;
      }
      const outcome = await applySchema(db, schema);
      if (outcome.ran.length === 0) lines.push(`${schema.name} schema up to date (version ${outcome.version})`);
      else lines.push(`${schema.name} schema migrated to version ${outcome.version}: ran ${outcome.ran.join(", ")}`);
    }
    return lines.join("\n");
  } finally {
    await db.end();
  }
}

export async function printMigrate(options: MigrateOptions): Promise<void> {
  process.stdout.write(`${await migrateCommand(loadConfig(), options)}\n`);
}
