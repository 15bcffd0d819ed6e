/**
 * @module One writer of the warehouse at a time. An ETL run and an erasure hold the same MySQL named
 * lock (per database), so a run that read a user before their erasure publishes before the erasure
 * removes them, and a run that starts after it finds nothing of them to read.
 */
import type { MySql } from "../stores/mysql.ts";

export type WarehouseLock = { release(): Promise<void> };

/** Takes the lock, waiting up to `waitS` seconds; undefined when another holder kept it. */
export async function takeWarehouseLock(mysql: MySql, waitS: number): Promise<WarehouseLock | undefined> {
  const conn = await mysql.getConnection();
  try {
    const [[{ got }]] = (await conn.query("SELECT GET_LOCK(CONCAT('nike_etl_', DATABASE()), ?) AS got", [waitS])) as unknown as [[{ got: number | null }]];
    if (got !== 1) {
      conn.release();
      return undefined;
    }
  } catch (error) {
    conn.release();
    throw error;
  }
  return {
    async release() {
      await conn.query("SELECT RELEASE_LOCK(CONCAT('nike_etl_', DATABASE()))").catch(() => undefined);
      conn.release();
    },
  };
}
