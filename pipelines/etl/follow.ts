/** @module `nike etl --follow`: micro-batches every interval until stopped; a stop request lets the current batch finish. */
import type { Config } from "../../lib/config.ts";
import { log } from "../../lib/progress.ts";
import { runEtl, type EtlStores, type RunReport } from "./index.ts";

export type FollowOptions = { intervalMs: number; signal: AbortSignal; onBatch?: (report: RunReport) => void };

export async function follow(config: Config, stores: EtlStores, options: FollowOptions): Promise<number> {
  let batches = 0;
  while (!options.signal.aborted) {
    const started = performance.now();
    const report = await runEtl(config, stores);
    batches++;
    options.onBatch?.(report);
    const wait = Math.max(0, options.intervalMs - (performance.now() - started));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      options.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  log(`etl: follow stopped after ${batches} batches`);
  return batches;
}
