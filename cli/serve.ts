/** @module `nike serve` / `npm start`: the Inspire API, web app and report site, in one process or one per core. */
import cluster from "node:cluster";
import { loadConfig } from "../lib/config.ts";
import { UserError, describe } from "../lib/errors.ts";
import { log } from "../lib/progress.ts";
import { runCluster, type ListeningMessage, type StartFailedMessage } from "../server/cluster.ts";
import { startServer, type Running } from "../server/serve.ts";
import { clusterPeers } from "../server/shared-caches.ts";
import { DEFAULT_SITE_DIR } from "./report.ts";
import { parseWorkers } from "./workers-option.ts";
import { untilStopped } from "./signals.ts";

export type ServeOptions = { port: string; host: string; reports?: string; workers?: string };

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a number from 0 to 65535, not "${value}".`);
  return port;
}

const banner = (url: string, workers: number) =>
  `Inspire: ${url}/app (API docs ${url}/docs, reports ${url}/reports/)${workers > 1 ? `, ${workers} worker processes` : ""}\n`;

/** Runs until SIGINT/SIGTERM, then drains in-flight requests and exits: one process, or a cluster of `--workers`. */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const port = parsePort(options.port);
  const workers = parseWorkers(options.workers);
  if (cluster.isWorker) return serveWorker(options, port);
  if (workers > 1) {
    await runCluster({ workers, ready: (url) => process.stdout.write(banner(url, workers)), log });
    return;
  }
  const running = await start(options, port, false);
  process.stdout.write(banner(running.url, 1));
  await untilStopped();
  log("shutting down: finishing in-flight requests");
  await running.close();
}

async function start(options: ServeOptions, port: number, inCluster: boolean): Promise<Running> {
  try {
    return await startServer(loadConfig(), {
      port,
      host: options.host,
      reportsDir: options.reports ?? DEFAULT_SITE_DIR,
      peers: inCluster ? clusterPeers() : undefined,
      workerHeader: process.env.INSPIRE_WORKER_HEADER === "1",
    });
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") throw new UserError(`port ${port} on ${options.host} is in use: stop what listens there, or choose another --port.`, 1, { cause: error });
    throw error;
  }
}

/** One worker of the cluster: tells the primary when it listens (or why it could not), and drains when told to stop. */
async function serveWorker(options: ServeOptions, port: number): Promise<void> {
  let running: Running;
  try {
    running = await start(options, port, true);
  } catch (error) {
    // The primary prints the error once for all the workers, and exits with its code.
    const failed: StartFailedMessage = error instanceof UserError
      ? { type: "nike:start-failed", message: error.message, exitCode: error.exitCode }
      : { type: "nike:start-failed", message: `unexpected error: ${describe(error)}`, exitCode: 1 };
    await new Promise<void>((resolve) => process.send!(failed, undefined, {}, () => resolve()));
    process.exit(failed.exitCode);
  }
  process.send!({ type: "nike:listening", url: running.url } satisfies ListeningMessage);
  // Stop on the first SIGINT/SIGTERM (the primary forwards them; a terminal's Ctrl-C reaches every
  // process too) or when the primary is gone; later signals must not cut the draining short.
  await Promise.race([untilStopped(), new Promise((resolve) => process.once("disconnect", resolve))]);
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  await running.close();
  if (process.connected) process.disconnect?.();
}
