/** @module `nike etl`: one run, `--follow` micro-batches, or `--status`. */
import { loadConfig } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { parseInterval } from "../lib/duration.ts";
import { follow } from "../pipelines/etl/follow.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { readWatermarks, recentRuns } from "../warehouse/ledger.ts";
import { stopSignal } from "./signals.ts";

export type EtlOptions = { full?: boolean; follow?: boolean; interval?: string; status?: boolean };

export async function etl(options: EtlOptions): Promise<void> {
  const config = loadConfig();
  let intervalMs = 5000;
  try {
    intervalMs = parseInterval(options.interval ?? "5s");
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const stores = await openEtlStores(config);
  try {
    if (options.status) {
      const runs = await recentRuns(stores.mysql);
      const out = runs.map((r) => {
        const report = (typeof r.report === "string" ? JSON.parse(r.report) : r.report) as { loaded?: Record<string, number>; quarantined?: number } | null;
        const loaded = report?.loaded ? Object.values(report.loaded).reduce((a, b) => a + b, 0) : 0;
        return `${r.run_id}  ${r.mode.padEnd(11)} ${r.status.padEnd(9)} started ${r.started_at}  rows ${loaded.toLocaleString("en-US")}  quarantined ${report?.quarantined ?? 0}${r.error ? `  error: ${r.error}` : ""}`;
      });
      const marks = Object.entries(await readWatermarks(stores.mysql)).map(([s, w]) => `${s.padEnd(14)} ${w.updatedAt}  last id ${w.lastId}`);
      process.stdout.write(`runs (newest first)\n${out.join("\n") || "(none)"}\n\nwatermarks\n${marks.join("\n") || "(none)"}\n`);
      return;
    }
    if (options.follow) {
      const stop = stopSignal();
      try {
        if (options.full) await runEtl(config, stores, { full: true });
        await follow(config, stores, { intervalMs, signal: stop.signal });
      } finally {
        stop.dispose();
      }
      return;
    }
    await runEtl(config, stores, { full: options.full });
  } finally {
    await stores.close();
  }
}
