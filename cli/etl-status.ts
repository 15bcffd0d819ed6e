/**
 * @module `nike etl --status`: the ledger's recent runs, each source's watermark and each source's
 * freshness (the age of its newest loaded record against its warn and error thresholds). Reads MySQL
 * only, so it answers at once. It exits 0 whatever the freshness: it reports, it does not gate.
 */
import { loadConfig } from "../lib/config.ts";
import { applySchema, connectMysql, type MySql } from "../stores/mysql.ts";
import { humanAge, sourceFreshness } from "../warehouse/freshness.ts";
import { STAR_SCHEMA, readWatermarks, recentRuns } from "../warehouse/ledger.ts";

/** Rows as aligned, space-separated columns. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

/** What `nike etl --status` prints, at `now`. */
export async function etlStatusText(mysql: MySql, now: Date = new Date()): Promise<string> {
  const runs = (await recentRuns(mysql)).map((r) => {
    const report = (typeof r.report === "string" ? JSON.parse(r.report) : r.report) as { loaded?: Record<string, number>; quarantined?: number } | null;
    const loaded = report?.loaded ? Object.values(report.loaded).reduce((a, b) => a + b, 0) : 0;
    return `${r.run_id}  ${r.mode.padEnd(11)} ${r.status.padEnd(9)} started ${r.started_at}  rows ${loaded.toLocaleString("en-US")}  quarantined ${report?.quarantined ?? 0}${r.error ? `  error: ${r.error}` : ""}`;
  });
  const watermarks = await readWatermarks(mysql);
  const marks = Object.entries(watermarks).map(([s, w]) => `${s.padEnd(14)} ${w.updatedAt}  last id ${w.lastId}${w.recent ? ` (+${Object.keys(w.recent).length} newer in the settle window)` : ""}`);
  const freshness = columns([
    ["source", "status", "newest loaded record", "age", "warn after", "error after"],
    ...sourceFreshness(watermarks, now).map((f) => [f.source, f.status, f.newestLoaded ?? "—", f.ageMs === null ? "—" : humanAge(f.ageMs), humanAge(f.warnAfterMs), humanAge(f.errorAfterMs)]),
  ]);
  return `runs (newest first)\n${runs.join("\n") || "(none)"}\n\nwatermarks\n${marks.join("\n") || "(none)"}\n\nfreshness at ${now.toISOString()} (age of each source's newest loaded record)\n${freshness}\n`;
}

export async function etlStatus(): Promise<void> {
  const mysql = await connectMysql(loadConfig().mysqlUrl, 1);
  try {
    await applySchema(mysql, STAR_SCHEMA);
    process.stdout.write(await etlStatusText(mysql));
  } finally {
    await mysql.end();
  }
}
