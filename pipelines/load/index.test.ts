import { truncate } from "node:fs/promises";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { StoreUnreachableError, UserError } from "../../lib/errors.ts";
import { parseScale } from "../../lib/scale.ts";
import { createWorld, FIXED_UNTIL, type World } from "../../test-support/world.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { connectMysql } from "../../stores/mysql.ts";
import { openSessionStore } from "../../stores/sessions.ts";
import { generate, type RawTable } from "../generate/index.ts";
import { load } from "./index.ts";
import { rawFile } from "./raw-files.ts";
import { MYSQL_TABLES } from "./mysql.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: rawDir(world.config) });
});
afterAll(async () => world?.dispose());

async function mysqlCounts(url: string): Promise<Record<string, number>> {
  const db = await connectMysql(url, 1);
  try {
    const counts: Record<string, number> = {};
    for (const table of MYSQL_TABLES) {
      const [rows] = await db.query(`SELECT count(*) AS n FROM \`${table}\``);
      counts[table] = Number((rows as Array<{ n: number }>)[0].n);
    }
    return counts;
  } finally {
    await db.end();
  }
}

describe("load", () => {
  it("loads every store, and a rerun duplicates nothing", async () => {
    const first = await load(world.config);
    expect(first.mysql.rows.users).toBe(1000);
    const counts = await mysqlCounts(world.config.mysqlUrl);
    for (const table of MYSQL_TABLES) expect(counts[table], table).toBe(first.mysql.rows[table]);

    const second = await load(world.config);
    expect(await mysqlCounts(world.config.mysqlUrl)).toEqual(counts);
    expect(second.documents.rows).toEqual(first.documents.rows);

    const documents = await openDocumentStore(world.config);
    const raw = async (table: string) => {
      const duck = await openDuckDB();
      try {
        return Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM '${rawFile(rawDir(world.config), table as RawTable)}'`))[0].n);
      } finally {
        duck.close();
      }
    };
    expect(await documents.collection("activity_logs").countDocuments()).toBe(await raw("activity_logs"));
    expect(await documents.collection("user_goals").countDocuments()).toBe(await raw("user_goals"));
    const goal = await documents.collection("user_goals").findOne({});
    expect(goal?.notifications).toMatchObject({ channel: expect.any(String), time_zone: expect.stringMatching(/^America\//) });
    expect(await documents.collection("activity_logs").findOne({})).toMatchObject({ started_at: expect.any(Date), time_zone: expect.stringMatching(/^America\//) });
    await documents.close();

    const sessions = await openSessionStore(world.config);
    let n = 0;
    for await (const page of sessions.scan()) n += page.length;
    expect(n).toBe(first.sessions);
    await sessions.close();
  });

  it("keeps foreign keys valid once loaded", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    const [rows] = await db.query("SELECT count(*) AS n FROM devices d LEFT JOIN users u USING (user_id) WHERE u.user_id IS NULL");
    expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(0);
    const [fk] = await db.query("SELECT count(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
    expect(Number((fk as Array<{ n: number }>)[0].n)).toBeGreaterThanOrEqual(15);
    await db.end();
  });

  it("rejects a truncated Parquet file with a clear error and writes nothing", async () => {
    const other = await createWorld();
    try {
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: rawDir(other.config) });
      const file = join(rawDir(other.config), "order_items.parquet");
      await truncate(file, 700);
      const error = await load(other.config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain("order_items.parquet is not a readable Parquet file");
      // Nothing was written: the database was not even created.
      const conn = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" });
      const [dbs] = await conn.query("SHOW DATABASES LIKE ?", [other.database]);
      expect(dbs).toHaveLength(0);
      await conn.end();
    } finally {
      await other.dispose();
    }
  });

  it("names the MySQL URL it could not reach, with exit code 2", async () => {
    const error = await load({ ...world.config, mysqlUrl: "mysql://root@127.0.0.1:1/nike" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as StoreUnreachableError).exitCode).toBe(2);
    expect((error as Error).message).toContain("mysql://root@127.0.0.1:1/nike");
  });
});
