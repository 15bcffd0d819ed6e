/** @module The ETL ledger in MySQL: runs, per-source watermarks, quarantine, and the star schema's column types. */
import type { PoolConnection } from "mysql2/promise";
import type { MySql } from "../stores/mysql.ts";
import type { SchemaSet } from "../stores/schema-migrations.ts";
import { MARTS } from "./models/index.ts";

/** The star schema and this ledger, as the migrations in `warehouse/migrations/` build them. */
export const STAR_SCHEMA: SchemaSet = { name: "warehouse", folder: new URL("./migrations/", import.meta.url) };

/** The operational sources the ETL reads, each with its own watermark. */
export const SOURCES = [
  "users", "memberships", "user_goals", "activity_logs", "sessions",
  "orders", "sales", "inventory_snapshots", "inbound_shipments", "products",
] as const;
export type Source = (typeof SOURCES)[number];
/**
 * The position reached in a source: the last (updated_at, id) extracted. `updatedAt` is ISO 8601.
 * `recent`: the versions (id → stamp) read after it, within the settle window (`pipelines/etl/settle.ts`).
 */
export type Watermark = { updatedAt: string; lastId: string; recent?: Record<string, string> };
/** The stamp of the newest row loaded up to a watermark: its position, or a newer version in its settle window. */
export const newestLoaded = (w: Watermark): string => Object.values(w.recent ?? {}).reduce((a, b) => (b > a ? b : a), w.updatedAt);
/** A source row the ETL set aside, with why. */
export type Quarantined = { source: string; sourceId: string; reason: string; document: unknown };
/** Each mart's columns and their DuckDB types, as the star schema declares them. */
export type MartSchemas = Record<string, Array<{ name: string; type: string }>>;

export type RunRow = { run_id: string; mode: string; status: string; started_at: string; published_at: string | null; finished_at: string | null; report: unknown; error: string | null };

const mysqlTime = (iso: string) => iso.replace("T", " ").replace("Z", "");

export async function readWatermarks(db: MySql): Promise<Partial<Record<Source, Watermark>>> {
  const [rows] = await db.query("SELECT source, updated_at, last_id, recent FROM etl_watermarks");
  return Object.fromEntries(
    (rows as Array<{ source: Source; updated_at: string; last_id: string; recent: string | null }>).map((r) => [r.source, {
      updatedAt: new Date(`${r.updated_at.replace(" ", "T")}Z`).toISOString(), lastId: r.last_id, ...(r.recent && { recent: JSON.parse(r.recent) as Record<string, string> }),
    }]),
  );
}

export async function writeWatermarks(conn: PoolConnection, runId: string, watermarks: Partial<Record<Source, Watermark>>): Promise<void> {
  for (const [source, w] of Object.entries(watermarks)) {
    if (!w) continue;
    await conn.query(
      "INSERT INTO etl_watermarks (source, updated_at, last_id, recent, run_id) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at), last_id = VALUES(last_id), recent = VALUES(recent), run_id = VALUES(run_id)",
      [source, mysqlTime(w.updatedAt), w.lastId, w.recent ? JSON.stringify(w.recent) : null, runId],
    );
  }
}

export async function writeQuarantine(conn: PoolConnection, runId: string, rows: Quarantined[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500).map((q) => [runId, q.source, q.sourceId.slice(0, 96), q.reason.slice(0, 255), q.document === undefined ? null : JSON.stringify(q.document)]);
    await conn.query("INSERT IGNORE INTO etl_quarantine (run_id, source, source_id, reason, document) VALUES ?", [batch]);
  }
}

export async function startRun(db: MySql, runId: string, mode: "full" | "incremental"): Promise<void> {
  await db.query("INSERT INTO etl_runs (run_id, mode, status, started_at) VALUES (?, ?, 'running', NOW(3))", [runId, mode]);
}

export async function finishRun(db: MySql | PoolConnection, runId: string, status: "published" | "complete" | "failed", extra: { report?: unknown; error?: string } = {}): Promise<void> {
  const column = status === "published" ? "published_at" : "finished_at";
  await db.query(`UPDATE etl_runs SET status = ?, ${column} = NOW(3), report = COALESCE(?, report), error = COALESCE(?, error) WHERE run_id = ?`, [
    status, extra.report === undefined ? null : JSON.stringify(extra.report), extra.error ?? null, runId,
  ]);
}

export async function runsWithStatus(db: MySql, status: string): Promise<string[]> {
  const [rows] = await db.query("SELECT run_id FROM etl_runs WHERE status = ? ORDER BY started_at", [status]);
  return (rows as Array<{ run_id: string }>).map((r) => r.run_id);
}

export async function recentRuns(db: MySql, limit = 10): Promise<RunRow[]> {
  const [rows] = await db.query("SELECT * FROM etl_runs ORDER BY started_at DESC LIMIT ?", [limit]);
  return rows as RunRow[];
}

/** DuckDB types of each mart's (or each named table's) columns, in order, from `information_schema`. */
export async function martSchemas(db: MySql, tables: string[] = MARTS.map((m) => m.name)): Promise<MartSchemas> {
  const [rows] = await db.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d, COLUMN_TYPE AS ct FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [tables],
  );
  const duckType = (d: string, ct: string) =>
    ct === "tinyint(1)" ? "BOOLEAN"
    : ["tinyint", "smallint", "int", "mediumint"].includes(d) ? "INTEGER"
    : d === "bigint" ? "BIGINT"
    : ["decimal", "double", "float"].includes(d) ? "DOUBLE"
    : d === "date" ? "DATE"
    : ["datetime", "timestamp"].includes(d) ? "TIMESTAMP"
    : "VARCHAR";
  const schemas: MartSchemas = {};
  for (const r of rows as Array<{ t: string; c: string; d: string; ct: string }>) (schemas[r.t] ??= []).push({ name: r.c, type: duckType(r.d, r.ct) });
  return schemas;
}
