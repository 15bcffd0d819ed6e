/** @module MySQL (or MariaDB): the pooled connection from `MYSQL_URL`, and the operational schema. */
import mysql from "mysql2/promise";
import { StoreUnreachableError, UserError, redactUrl } from "../lib/errors.ts";
import { migrateSchema, type MigrateOutcome, type SchemaSet } from "./schema-migrations.ts";

export type MySql = mysql.Pool;

/** The operational schema (third normal form), as its migrations in `stores/migrations/` build it. */
export const OPERATIONAL_SCHEMA: SchemaSet = { name: "operational", folder: new URL("./migrations/", import.meta.url) };

/** Splits the URL into connection options; a malformed URL is a clear error. */
export function parseMysqlUrl(url: string): { database: string; options: mysql.PoolOptions } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`MYSQL_URL "${url}" is not a URL: use the form mysql://user:password@host:3306/database.`, 2);
  }
  if (parsed.protocol !== "mysql:" && parsed.protocol !== "mariadb:") {
    throw new UserError(`MYSQL_URL "${redactUrl(url)}" must start with mysql:// (for example mysql://root@127.0.0.1:3306/nike).`, 2);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]+$/.test(database)) {
    throw new UserError(`MYSQL_URL "${redactUrl(url)}" must name a database made of letters, digits and _ (for example /nike).`, 2);
  }
  return {
    database,
    options: {
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username || "root"),
      password: decodeURIComponent(parsed.password),
      connectTimeout: 5000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      multipleStatements: false,
      timezone: "Z",
    },
  };
}

const unreachable = (url: string, cause: unknown) =>
  new StoreUnreachableError("MySQL", redactUrl(url), cause, "Start MariaDB/MySQL, or set MYSQL_URL=mysql://user:password@host:port/database to one that runs.");

/** Connects, creating the database if it does not exist yet. */
export async function connectMysql(url: string, poolSize = 8): Promise<MySql> {
  const { database, options } = parseMysqlUrl(url);
  try {
    const admin = await mysql.createConnection(options);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
  } catch (cause) {
    throw unreachable(url, cause);
  }
  return mysql.createPool({ ...options, database, connectionLimit: poolSize, waitForConnections: true });
}

/** Brings a schema (by default the operational one) up to date: runs the migrations the database does not have yet. */
export async function applySchema(db: MySql, schema: SchemaSet = OPERATIONAL_SCHEMA): Promise<MigrateOutcome> {
  return migrateSchema(db, schema);
}

/** The server's version, for `nike doctor`. */
export async function mysqlVersion(db: MySql): Promise<string> {
  const [rows] = await db.query("SELECT VERSION() AS v");
  return (rows as Array<{ v: string }>)[0].v;
}
