/** @module `nike etl`: one run, or `--follow` micro-batches (`--status` is cli/etl-status.ts). */
import { loadConfig } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { parseInterval } from "../lib/duration.ts";
import { follow } from "../pipelines/etl/follow.ts";
import { openEtlStores, runEtl, type RunReport } from "../pipelines/etl/index.ts";
import { checkAlertsAfterRun } from "./alerts.ts";
import { stopSignal } from "./signals.ts";

export type EtlOptions = { full?: boolean; follow?: boolean; interval?: string };

/** A run that published rows or set some aside changes what the alert rules see; one that found nothing does not. */
const changedWarehouse = (report: RunReport) => report.quarantined > 0 || Object.values(report.loaded).some((n) => n > 0);

export async function etl(options: EtlOptions): Promise<void> {
  const config = loadConfig();
  let intervalMs = 5000;
  try {
    intervalMs = parseInterval(options.interval ?? "5s");
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const stores = await openEtlStores(config);
  // Alerts are checked after each run that changed the warehouse, one check at a time; a check's failure is only logged.
  let alerts = Promise.resolve();
  const afterRun = (report: RunReport) => {
    if (changedWarehouse(report)) alerts = alerts.then(() => checkAlertsAfterRun(config, stores.mysql));
  };
  try {
    if (options.follow) {
      const stop = stopSignal();
      try {
        if (options.full) afterRun(await runEtl(config, stores, { full: true }));
        await follow(config, stores, { intervalMs, signal: stop.signal, onBatch: afterRun });
      } finally {
        stop.dispose();
      }
      return;
    }
    afterRun(await runEtl(config, stores, { full: options.full }));
  } finally {
    await alerts;
    await stores.close();
  }
}
