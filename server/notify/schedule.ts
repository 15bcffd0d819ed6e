/**
 * @module `nike notify schedule`: queues today's inspiration for every user who consented to their
 * chosen channel, at their own preferred hour, else their segment's best hour (from the peak-hours
 * insight), else 09:00, in their time zone and outside their quiet hours.
 */
import type { Logger } from "pino";
import { progress } from "../../lib/progress.ts";
import type { MySql } from "../../stores/mysql.ts";
import { goalsView, inHomeZone } from "../goals.ts";
import { todaysInspirations, type InspirationDeps } from "../inspiration/today.ts";
import { consentingProfiles } from "../users.ts";
import { consentProblem, enqueueInspirations, type Channel, type Inspiring } from "./outbox.ts";

export const DEFAULT_HOUR = 9;

export const inQuietHours = (hour: number, quiet?: { start: number; end: number }) =>
  !!quiet && quiet.start !== quiet.end && (quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end);

// Building a formatter costs about fifteen times using one (a million users, two each): one per time zone.
const wallClocks = new Map<string, Intl.DateTimeFormat>();
const wallClock = (timeZone: string) => {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    wallClocks.set(timeZone, format);
  }
  return format;
};

// A run asks for the same few days, hours and zones for every user: each instant is worked out once.
const instants = new Map<string, number>();

/** The UTC instant of `hour`:00 on `day` in `timeZone`. */
export function zonedTime(day: string, hour: number, timeZone: string): Date {
  const key = `${timeZone}|${day}|${hour}`;
  let at = instants.get(key);
  if (at === undefined) instants.set(key, (at = instantOf(day, hour, timeZone)));
  return new Date(at);
}

function instantOf(day: string, hour: number, timeZone: string): number {
  const [y, m, d] = day.split("-").map(Number);
  let guess = Date.UTC(y, m - 1, d, hour);
  for (let i = 0; i < 2; i++) {
    const parts = Object.fromEntries(wallClock(timeZone).formatToParts(new Date(guess)).map((p) => [p.type, Number(p.value)]));
    const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    guess += Date.UTC(y, m - 1, d, hour) - shown;
  }
  return guess;
}

/** When to send: the chosen hour moved out of quiet hours, and never in the past. */
export function sendTime(day: string, preferred: number, timeZone: string, quiet: { start: number; end: number } | undefined, now: Date): Date {
  const hour = inQuietHours(preferred, quiet) ? (quiet as { end: number }).end : preferred;
  const at = zonedTime(day, hour, timeZone);
  return at.getTime() >= now.getTime() ? at : now;
}

/** Users per batch: each batch reads every store once and queues its messages in one statement. */
const BATCH = 2000;

type Batch = { users: number; last: number; messages: Inspiring[] };

/** Consenting users with ids in (after, upTo]: one run's share of them. */
export type UserRange = { after: number; upTo: number };
export const ALL_USERS: UserRange = { after: 0, upTo: Number.MAX_SAFE_INTEGER };

/** The next batch of consenting users after `after`, each with the message to queue when they may be sent one; undefined past the range. */
async function nextBatch(deps: InspirationDeps, after: number, upTo: number, now: Date): Promise<Batch | undefined> {
  const users = await consentingProfiles(deps.mysql, after, upTo, BATCH);
  if (!users.length) return undefined;
  const goalDocs = await deps.documents.collection("user_goals").find({ _id: { $in: users.map((u) => u.user_id) } });
  const goalsOf = new Map(goalDocs.map((d) => [Number(d._id), d]));
  const sendable = users
    .map((user) => ({ user, goals: inHomeZone(goalsView(goalsOf.get(user.user_id) ?? null), user.state) }))
    .filter(({ user, goals }) => !consentProblem(user, goals.notifications.channel));
  const inspirations = await todaysInspirations(deps, sendable.map(({ user, goals }) => ({ userId: user.user_id, goals })), now);
  const messages = sendable.map(({ user, goals }, i) => {
    const inspiration = inspirations[i];
    const hour = goals.notifications.preferred_hour ?? inspiration.segment?.best_hour ?? DEFAULT_HOUR;
    return { user, channel: goals.notifications.channel as Channel, inspiration, at: sendTime(inspiration.date, hour, goals.notifications.time_zone, goals.notifications.quiet_hours, now) };
  });
  return { users: users.length, last: users.at(-1)!.user_id, messages };
}

export type Scheduled = { queued: number; skipped: number };

/** Queues today's inspiration for the consenting users in `range`; `tick` hears of each batch's users as they are done. */
export async function scheduleUsers(deps: InspirationDeps, now: Date, range: UserRange, tick: (users: number) => void): Promise<Scheduled> {
  let queued = 0;
  let skipped = 0;
  // Two batches in flight: the next one is read from the stores while this one is queued in MySQL.
  let coming = nextBatch(deps, range.after, range.upTo, now);
  for (let batch = await coming; batch; batch = await coming) {
    coming = nextBatch(deps, batch.last, range.upTo, now);
    const reading = coming.catch(() => undefined); // a failed read is raised by the loop's next await, not as unhandled meanwhile
    // INSERT IGNORE on the idempotency key: a message already queued (by an earlier or a concurrent run) is skipped.
    const created = await enqueueInspirations(deps.mysql, batch.messages, "inspiration").catch(async (error: unknown) => {
      await reading; // nothing left reading when the run fails
      throw error;
    });
    queued += created;
    skipped += batch.users - created;
    tick(batch.users);
  }
  return { queued, skipped };
}

export async function consentingCount(mysql: MySql): Promise<number> {
  const [[{ n }]] = (await mysql.query("SELECT COUNT(*) AS n FROM users WHERE email_consent OR sms_consent")) as unknown as [[{ n: number }]];
  return Number(n);
}

/** Every consenting user, in this process (`schedule-workers.ts` splits them over processes). */
export async function scheduleDay(deps: InspirationDeps & { log: Logger }, now: Date): Promise<Scheduled> {
  const bar = progress("notify schedule", await consentingCount(deps.mysql));
  const scheduled = await scheduleUsers(deps, now, ALL_USERS, (users) => bar.tick(users));
  bar.done();
  deps.log.info(scheduled, "notifications scheduled");
  return scheduled;
}
