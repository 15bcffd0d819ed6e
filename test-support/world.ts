/** @module Test helpers: each test builds its own world (a fresh MySQL database, a temp DATA_DIR) and removes it. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { loadConfig, type Config } from "../lib/config.ts";
import { parseMysqlUrl } from "../stores/mysql.ts";
import { runLocalService, type LocalService } from "../stores/local/service.ts";

const BASE_URL = process.env.MYSQL_URL ?? "mysql://root@127.0.0.1:3306/nike";

/** The last day of every test's and benchmark's generated history: the same seed then gives the same rows on any day. */
export const FIXED_UNTIL = "2026-06-30";

export type World = { config: Config; dataDir: string; database: string; service: LocalService; dispose(): Promise<void> };

/**
 * A temp DATA_DIR with its own local store service (in this process; child processes find it through
 * its record) and a uniquely named MySQL database (created on first connect); dispose removes all three.
 */
export async function createWorld(): Promise<World> {
  const dataDir = await mkdtemp(join(tmpdir(), "nike-test-"));
  const database = `nike_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  const { options } = parseMysqlUrl(url.toString());
  try {
    const probe = await mysql.createConnection(options);
    await probe.end();
  } catch (error) {
    throw new Error(`These tests need MySQL/MariaDB at ${BASE_URL} (${(error as Error).message}). Start it (see README) or set MYSQL_URL.`);
  }
  const config = loadConfig({ dataDir, mysqlUrl: url.toString() });
  const service = await runLocalService(dataDir, { idleMs: 0 });
  return {
    config,
    dataDir,
    database,
    service,
    async dispose() {
      await service.stop();
      const conn = await mysql.createConnection(options);
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
