/** @module `nike serve` / `npm start`: the Inspire API, web app and report site; `nike notify`: the outbox from the command line. */
import { loadConfig } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { log } from "../lib/progress.ts";
import { startServer } from "../server/serve.ts";
import { closeAppContext, openAppContext } from "../server/context.ts";
import { Dispatcher } from "../server/notify/dispatcher.ts";
import { scheduleDay } from "../server/notify/schedule.ts";
import { DEFAULT_SITE_DIR } from "./report.ts";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a number from 0 to 65535, not "${value}".`);
  return port;
}

/** Runs until SIGINT/SIGTERM, then drains in-flight requests and exits. */
export async function serveCommand(options: { port: string; host: string; reports?: string }): Promise<void> {
  const running = await startServer(loadConfig(), { port: parsePort(options.port), host: options.host, reportsDir: options.reports ?? DEFAULT_SITE_DIR });
  process.stdout.write(`Inspire: ${running.url}/app (API docs ${running.url}/docs, reports ${running.url}/reports/)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  log("shutting down: finishing in-flight requests");
  await running.close();
}

export async function notifyCommand(action: "schedule" | "dispatch", options: { follow?: boolean }): Promise<void> {
  const ctx = await openAppContext(loadConfig(), { reportsDir: DEFAULT_SITE_DIR, logLevel: process.env.LOG_LEVEL ?? "warn" });
  try {
    if (action === "schedule") {
      const { queued, skipped } = await scheduleDay(ctx, ctx.now());
      process.stdout.write(`queued ${queued.toLocaleString("en-US")} messages for today (${skipped.toLocaleString("en-US")} users skipped: no consent, no channel, or already queued)\n`);
      return;
    }
    const dispatcher = new Dispatcher(ctx);
    if (!options.follow) {
      process.stdout.write(`sent ${await dispatcher.runOnce()} messages\n`);
      return;
    }
    dispatcher.start();
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await dispatcher.stop();
  } finally {
    await closeAppContext(ctx);
  }
}
