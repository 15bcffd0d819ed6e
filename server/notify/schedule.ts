/**
 * @module `nike notify schedule`: queues today's inspiration for every user who consented to their
 * chosen channel, at their own preferred hour, else their segment's best hour (from the peak-hours
 * insight), else 09:00, in their time zone and outside their quiet hours.
 */
import type { Logger } from "pino";
import { progress } from "../../lib/progress.ts";
import { goalsView, inHomeZone } from "../goals.ts";
import { todaysInspiration, type InspirationDeps } from "../inspiration/today.ts";
import { profile } from "../users.ts";
import { consentProblem, enqueueInspiration, type Channel } from "./outbox.ts";

export const DEFAULT_HOUR = 9;

export const inQuietHours = (hour: number, quiet?: { start: number; end: number }) =>
  !!quiet && quiet.start !== quiet.end && (quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end);

/** The UTC instant of `hour`:00 on `day` in `timeZone`. */
export function zonedTime(day: string, hour: number, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  let guess = Date.UTC(y, m - 1, d, hour);
  for (let i = 0; i < 2; i++) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" })
        .formatToParts(new Date(guess)).map((p) => [p.type, Number(p.value)]),
    );
    const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    guess += Date.UTC(y, m - 1, d, hour) - shown;
  }
  return new Date(guess);
}

/** When to send: the chosen hour moved out of quiet hours, and never in the past. */
export function sendTime(day: string, preferred: number, timeZone: string, quiet: { start: number; end: number } | undefined, now: Date): Date {
  const hour = inQuietHours(preferred, quiet) ? (quiet as { end: number }).end : preferred;
  const at = zonedTime(day, hour, timeZone);
  return at.getTime() >= now.getTime() ? at : now;
}

export async function scheduleDay(deps: InspirationDeps & { log: Logger }, now: Date): Promise<{ queued: number; skipped: number }> {
  const [rows] = await deps.mysql.query("SELECT user_id FROM users WHERE email_consent OR sms_consent ORDER BY user_id");
  const ids = (rows as Array<{ user_id: number }>).map((r) => r.user_id);
  const bar = progress("notify schedule", ids.length);
  let queued = 0;
  let skipped = 0;
  for (const userId of ids) {
    const user = await profile(deps.mysql, userId);
    const goals = inHomeZone(goalsView(await deps.documents.collection("user_goals").findOne({ _id: userId })), user?.state);
    const channel = goals.notifications.channel;
    if (!user || consentProblem(user, channel)) {
      skipped++;
      bar.tick(1);
      continue;
    }
    const inspiration = await todaysInspiration(deps, userId, now, goals);
    const hour = goals.notifications.preferred_hour ?? inspiration.segment?.best_hour ?? DEFAULT_HOUR;
    const at = sendTime(inspiration.date, hour, goals.notifications.time_zone, goals.notifications.quiet_hours, now);
    const { created } = await enqueueInspiration(deps.mysql, user, channel as Channel, inspiration, "inspiration", at);
    if (created) queued++;
    else skipped++;
    bar.tick(1);
  }
  bar.done();
  deps.log.info({ queued, skipped }, "notifications scheduled");
  return { queued, skipped };
}
