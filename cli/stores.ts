/** @module `nike stores start | stop | status`: the local service that serves the embedded stores for DATA_DIR. */
import { loadConfig, type Config } from "../lib/config.ts";
import { parseInterval } from "../lib/duration.ts";
import { UserError } from "../lib/errors.ts";
import { dynamoEndpointOf, ensureLocalService, logPath, mongoUriOf, runningService, stopLocalService } from "../stores/local/locate.ts";
import type { ServiceRecord } from "../stores/local/service.ts";

const describeService = (r: ServiceRecord, db: string) =>
  [
    `local store service: pid ${r.pid}, since ${r.since}${r.idleMs ? `, stops after ${Math.round(r.idleMs / 1000)} s with no clients` : ", runs until stopped"}`,
    `  MongoDB   ${mongoUriOf(r)}   (browse: npx mongosh "${mongoUriOf(r).replace("/?", `/${db}?`)}")`,
    `  DynamoDB  ${dynamoEndpointOf(r)}`,
  ].join("\n");

export async function storesCommand(action: "start" | "stop" | "status", config: Config, options: { idle?: string }): Promise<string> {
  if (action === "start") {
    let idleMs = config.localStoresIdleMs;
    if (options.idle !== undefined) {
      try {
        idleMs = parseInterval(options.idle);
      } catch (error) {
        throw new UserError(`--idle: ${(error as Error).message}`);
      }
    }
    const running = await runningService(config.dataDir);
    const record = running ?? (await ensureLocalService(config.dataDir, idleMs));
    return `${running ? "already running" : "started"}; ${describeService(record, config.mongodbDb)}\n  log: ${logPath(config.dataDir)}`;
  }
  if (action === "stop") {
    const stopped = await stopLocalService(config.dataDir);
    return stopped ? `stopped the local store service (pid ${stopped.pid})` : `no local store service runs for ${config.dataDir}`;
  }
  const record = await runningService(config.dataDir);
  return record ? describeService(record, config.mongodbDb) : `no local store service runs for ${config.dataDir} (any nike command starts it; or \`nike stores start\`)`;
}

export async function printStores(action: "start" | "stop" | "status", options: { idle?: string }): Promise<void> {
  process.stdout.write(`${await storesCommand(action, loadConfig(), options)}\n`);
}
