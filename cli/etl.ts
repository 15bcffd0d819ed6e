/** @module `nike etl`: one run, or `--follow` micro-batches (`--status` is cli/etl-status.ts). */
import { loadConfig } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { parseInterval } from "../lib/duration.ts";
import { follow } from "../pipelines/etl/follow.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { stopSignal } from "./signals.ts";

export type EtlOptions = { full?: boolean; follow?: boolean; interval?: string };

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
