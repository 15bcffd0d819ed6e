/**
 * @module `nike etl --follow`: micro-batches every interval until stopped; a stop request lets the
 * current batch finish. A batch that fails (a store restarting, a check failing) publishes nothing
 * and is retried after the interval, so the follower outlives the stores it reads.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../lib/config.ts";
import { describe } from "../../lib/errors.ts";
import { log } from "../../lib/progress.ts";
import { runEtl, type EtlStores, type RunReport } from "./index.ts";

export type FollowOptions = { intervalMs: number; signal: AbortSignal; onBatch?: (report: RunReport) => void };

export async function follow(config: Config, stores: EtlStores, options: FollowOptions): Promise<number> {
  let batches = 0;
  while (!options.signal.aborted) {
    const started = performance.now();
    try {
      const report = await runEtl(config, stores);
      batches++;
      options.onBatch?.(report);
    } catch (error) {
      log(`etl: batch failed, nothing published; retrying in ${options.intervalMs / 1000} s: ${describe(error)}`);
    }
    const wait = Math.max(0, options.intervalMs - (performance.now() - started));
    await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
  }
  log(`etl: follow stopped after ${batches} batches`);
  return batches;
}
