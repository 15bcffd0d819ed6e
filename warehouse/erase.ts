/**
 * @module Erasing one user from the warehouse by pseudonym: the star schema's rows in MySQL (one
 * transaction) and every lake file that holds them (each rewritten without them, then swapped in).
 * The caller holds the warehouse lock (`publish-lock.ts`), so that no ETL run publishes meanwhile.
 */
import { existsSync } from "node:fs";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { lakeDir, type Config } from "../lib/config.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import type { MySql } from "../stores/mysql.ts";

const missingTable = (error: unknown) => (error as { code?: string }).code === "ER_NO_SUCH_TABLE";

async function filesEnding(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith(suffix)).map((e) => join(dir, e));
}
const parquetFiles = (dir: string) => filesEnding(dir, ".parquet");

/** The user's rows in the warehouse (for a data-subject export). */
export async function warehouseRows(mysql: MySql, userPseudonym: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const queries: Record<string, string> = {
    dim_user: "SELECT * FROM dim_user WHERE user_pseudonym = ? ORDER BY valid_from",
    fact_activity: "SELECT f.* FROM fact_activity f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ? ORDER BY f.started_at",
    fact_app_session: "SELECT f.* FROM fact_app_session f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ? ORDER BY f.started_at",
    user_segment: "SELECT * FROM user_segment WHERE user_pseudonym = ?",
  };
  for (const [table, sql] of Object.entries(queries)) {
    try {
      out[table] = (await mysql.query(sql, [userPseudonym]))[0] as unknown[];
    } catch (error) {
      if (!missingTable(error)) throw error;
      out[table] = [];
    }
  }
  return out;
}

/** Removes the pseudonym's rows from the MySQL star schema and the lake; returns rows and files changed. */
export async function eraseFromWarehouse(config: Config, mysql: MySql, userPseudonym: string): Promise<{ rows: number; files: number }> {
  let rows = 0;
  const conn = await mysql.getConnection();
  // Surrogate keys use all 63 bits: keep them as decimal strings, never as JS numbers.
  let userKeys: string[] = [];
  try {
    await conn.beginTransaction();
    try {
      const [keys] = await conn.query("SELECT user_key FROM dim_user WHERE user_pseudonym = ?", [userPseudonym]);
      userKeys = (keys as Array<{ user_key: number | string }>).map((k) => String(k.user_key));
      if (userKeys.length > 0) {
        for (const fact of ["fact_activity", "fact_app_session"]) {
          rows += ((await conn.query(`DELETE FROM ${fact} WHERE user_key IN (SELECT user_key FROM dim_user WHERE user_pseudonym = ?)`, [userPseudonym]))[0] as { affectedRows: number }).affectedRows;
        }
        rows += ((await conn.query("DELETE FROM dim_user WHERE user_pseudonym = ?", [userPseudonym]))[0] as { affectedRows: number }).affectedRows;
      }
      rows += ((await conn.query("DELETE FROM user_segment WHERE user_pseudonym = ?", [userPseudonym]))[0] as { affectedRows: number }).affectedRows;
    } catch (error) {
      if (!missingTable(error)) throw error;
    }
    await conn.commit();
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    conn.release();
  }

  const lake = lakeDir(config);
  const literal = `'${userPseudonym.replaceAll("'", "''")}'`;
  const duck = await openDuckDB({ threads: "2" });
  let files = 0;
  try {
    // The lake's dim_user also knows the keys (the MySQL rows may already be gone after an earlier, interrupted erase).
    for (const file of await parquetFiles(join(lake, "dim_user"))) {
      const found = await duck.all<{ user_key: bigint }>(`SELECT user_key FROM read_parquet('${file}', hive_partitioning = false) WHERE user_pseudonym = ${literal}`);
      userKeys.push(...found.map((k) => String(k.user_key)));
    }
    const keyList = [...new Set(userKeys)].filter((k) => /^-?\d+$/.test(k)).join(", ");
    const targets: Array<[string, string]> = [
      ...(await parquetFiles(join(lake, "dim_user"))).map((f) => [f, `user_pseudonym = ${literal}`] as [string, string]),
      ...(await parquetFiles(join(lake, "user_segment"))).map((f) => [f, `user_pseudonym = ${literal}`] as [string, string]),
      ...(keyList
        ? [...(await parquetFiles(join(lake, "fact_activity"))), ...(await parquetFiles(join(lake, "fact_app_session")))].map((f) => [f, `user_key IN (${keyList})`] as [string, string])
        : []),
    ];
    for (const [file, match] of targets) {
      const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${file}', hive_partitioning = false) WHERE ${match}`);
      if (Number(n) === 0) continue;
      await duck.run(`COPY (SELECT * FROM read_parquet('${file}', hive_partitioning = false) WHERE NOT (${match})) TO '${file}.erasing' (FORMAT parquet)`);
      await rename(`${file}.erasing`, file);
      files++;
    }
  } finally {
    duck.close();
    for (const file of await filesEnding(lake, ".erasing")) await rm(file, { force: true });
  }
  return { rows, files };
}
