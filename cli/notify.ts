/** @module `nike notify`: the outbox from the command line (schedule today's messages, or send what is due). */
import { loadConfig } from "../lib/config.ts";
import { closeAppContext, openAppContext } from "../server/context.ts";
import { Dispatcher } from "../server/notify/dispatcher.ts";
import { scheduleDay } from "../server/notify/schedule.ts";
import { isScheduleWorker, scheduleAsWorker, scheduleOnWorkers } from "../server/notify/schedule-workers.ts";
import { parseWorkers } from "./workers-option.ts";
import { DEFAULT_SITE_DIR } from "./report.ts";
import { untilStopped } from "./signals.ts";

export async function notifyCommand(action: "schedule" | "dispatch", options: { follow?: boolean; workers?: string }): Promise<void> {
  const workers = action === "schedule" ? parseWorkers(options.workers) : 1;
  const ctx = await openAppContext(loadConfig(), { reportsDir: DEFAULT_SITE_DIR, logLevel: process.env.LOG_LEVEL ?? "warn" });
  try {
    if (isScheduleWorker()) return await scheduleAsWorker(ctx);
    if (action === "schedule") {
      const { queued, skipped } = workers > 1 ? await scheduleOnWorkers(ctx.mysql, ctx.now(), workers) : await scheduleDay(ctx, ctx.now());
      process.stdout.write(`queued ${queued.toLocaleString("en-US")} messages for today (${skipped.toLocaleString("en-US")} users skipped: no consent, no channel, or already queued)\n`);
      return;
    }
    const dispatcher = new Dispatcher(ctx);
    if (!options.follow) {
      process.stdout.write(`sent ${await dispatcher.runOnce()} messages\n`);
      return;
    }
    dispatcher.start();
    await untilStopped();
    await dispatcher.stop();
  } finally {
    await closeAppContext(ctx);
  }
}
