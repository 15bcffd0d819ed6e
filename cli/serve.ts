/** @module `nike serve` / `npm start`: the Inspire API, web app and report site. */
import { loadConfig } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { log } from "../lib/progress.ts";
import { startServer } from "../server/serve.ts";
import { DEFAULT_SITE_DIR } from "./report.ts";
import { untilStopped } from "./signals.ts";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a number from 0 to 65535, not "${value}".`);
  return port;
}

/** Runs until SIGINT/SIGTERM, then drains in-flight requests and exits. */
export async function serveCommand(options: { port: string; host: string; reports?: string }): Promise<void> {
  const running = await startServer(loadConfig(), { port: parsePort(options.port), host: options.host, reportsDir: options.reports ?? DEFAULT_SITE_DIR });
  process.stdout.write(`Inspire: ${running.url}/app (API docs ${running.url}/docs, reports ${running.url}/reports/)\n`);
  await untilStopped();
  log("shutting down: finishing in-flight requests");
  await running.close();
}
