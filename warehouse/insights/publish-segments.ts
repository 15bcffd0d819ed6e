/**
 * @module Writes the segmentation back to the warehouse for the app: `user_segment` (one row per user
 * pseudonym, with the segment's best notification hour) and `segment_profile`, in MySQL (one
 * transaction) and as `<lake>/user_segment/part.parquet` (swapped in whole).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { lakeDir, stagingDir, type Config } from "../../lib/config.ts";
import { appendRows, createTable, openDuckDB } from "../../lib/duckdb.ts";
import { replace } from "../lake.ts";
import { STAR_SCHEMA } from "../ledger.ts";
import { bulkTransaction, copyAllToMysql } from "../../stores/mysql-bulk.ts";
import { applySchema, connectMysql } from "../../stores/mysql.ts";
import type { PeakHourFindings } from "./peak-hours.ts";
import type { SegmentFindings } from "./segmentation.ts";

export async function publishSegments(config: Config, segmentation: SegmentFindings, hours: PeakHourFindings): Promise<number> {
  const bestHour = new Map(hours.bestHourBySegment.map((b) => [b.segment, b.bestHour]));
  const names = new Map(segmentation.segments.map((s) => [s.id, s.name]));
  const assignedAt = new Date().toISOString().slice(0, 19).replace("T", " ");
  const duck = await openDuckDB({ threads: "2" });
  const db = await connectMysql(config.mysqlUrl, 1);
  const work = join(stagingDir(config), `segments-${process.pid}-${Date.now()}`);
  try {
    await mkdir(work, { recursive: true });
    const columns = { user_pseudonym: "VARCHAR", segment_id: "TINYINT", segment_name: "VARCHAR", best_hour: "TINYINT", assigned_at: "TIMESTAMP" };
    await createTable(duck, "user_segment", columns);
    const rows = [...segmentation.labels].map(([user, segment]) => [user, segment, names.get(segment) ?? String(segment), bestHour.get(segment), assignedAt]);
    await appendRows(duck, "user_segment", columns, [rows]);
    await mkdir(join(work, "user_segment"));
    await duck.run(`COPY (SELECT * FROM user_segment ORDER BY user_pseudonym) TO '${join(work, "user_segment", "part.parquet")}' (FORMAT parquet)`);

    await applySchema(db, STAR_SCHEMA);
    await bulkTransaction(db, async (conn) => {
      await conn.query("DELETE FROM user_segment");
      await conn.query("DELETE FROM segment_profile");
      await copyAllToMysql(conn, duck, [{ relation: "user_segment", table: "user_segment", csv: join(work, "user_segment.csv") }]);
      for (const s of segmentation.segments) {
        const { id, name, size, ...profile } = s;
        await conn.query("INSERT INTO segment_profile (segment_id, segment_name, users, best_hour, profile, computed_at) VALUES (?, ?, ?, ?, ?, ?)", [
          id, name, size, bestHour.get(id) ?? null, JSON.stringify(profile), assignedAt,
        ]);
      }
    });
    const trash = join(work, ".trash");
    await replace(join(work, "user_segment"), join(lakeDir(config), "user_segment"), trash);
    return segmentation.labels.size;
  } finally {
    duck.close();
    await db.end();
    await rm(work, { recursive: true, force: true });
  }
}
