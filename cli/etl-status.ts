/** @module `nike etl --status`: the ledger's recent runs and each source's watermark. Reads MySQL only, so it answers at once. */
import { loadConfig } from "../lib/config.ts";
import { applySchema, connectMysql } from "../stores/mysql.ts";
import { STAR_SCHEMA, readWatermarks, recentRuns } from "../warehouse/ledger.ts";

export async function etlStatus(): Promise<void> {
  const mysql = await connectMysql(loadConfig().mysqlUrl, 1);
  try {
    await applySchema(mysql, STAR_SCHEMA);
    const runs = (await recentRuns(mysql)).map((r) => {
      const report = (typeof r.report === "string" ? JSON.parse(r.report) : r.report) as { loaded?: Record<string, number>; quarantined?: number } | null;
      const loaded = report?.loaded ? Object.values(report.loaded).reduce((a, b) => a + b, 0) : 0;
      return `${r.run_id}  ${r.mode.padEnd(11)} ${r.status.padEnd(9)} started ${r.started_at}  rows ${loaded.toLocaleString("en-US")}  quarantined ${report?.quarantined ?? 0}${r.error ? `  error: ${r.error}` : ""}`;
    });
    const marks = Object.entries(await readWatermarks(mysql)).map(([s, w]) => `${s.padEnd(14)} ${w.updatedAt}  last id ${w.lastId}`);
    process.stdout.write(`runs (newest first)\n${runs.join("\n") || "(none)"}\n\nwatermarks\n${marks.join("\n") || "(none)"}\n`);
  } finally {
    await mysql.end();
  }
}
