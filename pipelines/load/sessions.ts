/** @module Loads app sessions from raw Parquet into DynamoDB (idempotent: put by token hash). */
import type { DuckDB } from "../../lib/duckdb.ts";
import { progress } from "../../lib/progress.ts";
import type { Session, SessionStore } from "../../stores/sessions.ts";
import { rawFile, wholeRead } from "./raw-files.ts";

/** Batch writes in flight at once: dynalite and DynamoDB both serve several concurrently. */
const CONCURRENCY = 8;

export async function loadSessions(store: SessionStore, duck: DuckDB, rawDir: string, total: number): Promise<number> {
  await store.ensureTable();
  const bar = progress(`load ${store.kind} sessions`, total);
  let n = 0;
  const sql = `SELECT token_hash, user_id::INTEGER AS user_id, device_id::INTEGER AS device_id, platform, time_zone,
      strftime(started_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at, strftime(last_seen_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_seen_at,
      duration_s, expires_at::INTEGER AS expires_at
    FROM read_parquet('${rawFile(rawDir, "sessions")}')`;
  let batch: Session[] = [];
  const flush = async () => {
    const size = Math.ceil(batch.length / CONCURRENCY);
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => store.putMany(batch.slice(i * size, (i + 1) * size))));
    n += batch.length;
    bar.tick(batch.length);
    batch = [];
  };
  let read = 0;
  for await (const rows of duck.stream<Session>(sql)) {
    batch.push(...rows);
    read += rows.length;
    if (batch.length >= 2000) await flush();
  }
  if (batch.length) await flush();
  wholeRead("sessions", read, total);
  bar.done();
  return n;
}
