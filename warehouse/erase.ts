/**
 * @module Erasing one user from the warehouse by pseudonym: the star schema's rows in MySQL (one
 * transaction) and every lake file that holds them (each rewritten without them, then swapped in).
 * Their workouts and sessions go; their order lines and in-store sales stay, with no user, as the
 * operational orders and sales stay with no customer (so orders still reconcile with their facts).
 * The caller holds the warehouse lock (`publish-lock.ts`), so that no ETL run publishes meanwhile.
 */
import { existsSync } from "node:fs";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { lakeDir, type Config } from "../lib/config.ts";
import { openDuckDB, sqlText } from "../lib/duckdb.ts";
import type { MySql } from "../stores/mysql.ts";

const missingTable = (error: unknown) => (error as { code?: string }).code === "ER_NO_SUCH_TABLE";

/** Facts that go with the user. */
const ERASED_FACTS = ["fact_activity", "fact_app_session"];
/** Facts that stay, unlinked from the user: the sales happened, and the orders' totals must still reconcile. */
const UNLINKED_FACTS = ["fact_order_line", "fact_store_sale"];

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
    fact_order_line: "SELECT f.* FROM fact_order_line f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ? ORDER BY f.ordered_at, f.order_id, f.line_no",
    fact_store_sale: "SELECT f.* FROM fact_store_sale f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ? ORDER BY f.sold_at",
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
        for (const fact of ERASED_FACTS) {
          rows += ((await conn.query(`DELETE FROM ${fact} WHERE user_key IN (SELECT user_key FROM dim_user WHERE user_pseudonym = ?)`, [userPseudonym]))[0] as { affectedRows: number }).affectedRows;
        }
        for (const fact of UNLINKED_FACTS) {
          rows += ((await conn.query(`UPDATE ${fact} SET user_key = NULL WHERE user_key IN (SELECT user_key FROM dim_user WHERE user_pseudonym = ?)`, [userPseudonym]))[0] as { affectedRows: number }).affectedRows;
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
  const literal = sqlText(userPseudonym);
  const duck = await openDuckDB({ threads: "2" });
  let files = 0;
  try {
    // The lake's dim_user also knows the keys (the MySQL rows may already be gone after an earlier, interrupted erase).
    for (const file of await parquetFiles(join(lake, "dim_user"))) {
      const found = await duck.all<{ user_key: bigint }>(`SELECT user_key FROM read_parquet('${file}', hive_partitioning = false) WHERE user_pseudonym = ${literal}`);
      userKeys.push(...found.map((k) => String(k.user_key)));
    }
    const keyList = [...new Set(userKeys)].filter((k) => /^-?\d+$/.test(k)).join(", ");
    // Each file with its rows of the user, and what becomes of them: dropped, or kept with no user.
    const targets: Array<[string, string, "drop" | "unlink"]> = [];
    for (const table of ["dim_user", "user_segment"]) for (const f of await parquetFiles(join(lake, table))) targets.push([f, `user_pseudonym = ${literal}`, "drop"]);
    if (keyList) {
      for (const fact of ERASED_FACTS) for (const f of await parquetFiles(join(lake, fact))) targets.push([f, `user_key IN (${keyList})`, "drop"]);
      for (const fact of UNLINKED_FACTS) for (const f of await parquetFiles(join(lake, fact))) targets.push([f, `user_key IN (${keyList})`, "unlink"]);
    }
    for (const [file, match, action] of targets) {
      const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${file}', hive_partitioning = false) WHERE ${match}`);
      if (Number(n) === 0) continue;
      const kept = action === "drop"
        ? `SELECT * FROM read_parquet('${file}', hive_partitioning = false) WHERE NOT (${match})`
        : `SELECT * REPLACE (CASE WHEN ${match} THEN NULL ELSE user_key END AS user_key) FROM read_parquet('${file}', hive_partitioning = false)`;
      await duck.run(`COPY (${kept}) TO '${file}.erasing' (FORMAT parquet)`);
      await rename(`${file}.erasing`, file);
      files++;
    }
  } finally {
    duck.close();
    for (const file of await filesEnding(lake, ".erasing")) await rm(file, { force: true });
  }
  return { rows, files };
}
