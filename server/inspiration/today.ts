/** @module Loads what `chooseInspiration` needs for a user and day: goals, recent workouts, quotes and what was sent. */
import { pseudonym } from "../../lib/pseudonym.ts";
import type { DocumentStore } from "../../stores/documents.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { Config } from "../../lib/config.ts";
import { goalsView, inHomeZone } from "../goals.ts";
import { profile } from "../users.ts";
import { chooseInspiration, type Inspiration, type Quote } from "./choose.ts";

export type InspirationDeps = { config: Config; mysql: MySql; documents: DocumentStore };
export type Segment = { name: string; best_hour: number | null };

// Building a formatter costs far more than using one, so keep one per time zone.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day at `now` in a time zone, as YYYY-MM-DD. */
export function localDay(now: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

let quotes: { loaded: number; rows: Quote[] } | undefined;
/** The quotes table, re-read every ten minutes (it changes rarely and is small). */
export async function allQuotes(mysql: MySql): Promise<Quote[]> {
  if (!quotes || Date.now() - quotes.loaded > 10 * 60_000) {
    const [rows] = await mysql.query("SELECT quote_id, text, author, goal, activity_type, tone FROM quotes ORDER BY quote_id");
    quotes = { loaded: Date.now(), rows: rows as Quote[] };
  }
  return quotes.rows;
}

/** The users' segments from the last `nike report` (by pseudonym); none before the first one. */
async function userSegments(deps: InspirationDeps, userIds: number[]): Promise<Map<number, Segment>> {
  const byPseudonym = new Map(userIds.map((id) => [pseudonym(deps.config.pseudonymKey, id), id]));
  try {
    const [rows] = await deps.mysql.query("SELECT user_pseudonym, segment_name AS name, best_hour FROM user_segment WHERE user_pseudonym IN (?)", [[...byPseudonym.keys()]]);
    return new Map((rows as Array<Segment & { user_pseudonym: string }>).map(({ user_pseudonym, ...segment }) => [byPseudonym.get(user_pseudonym)!, segment]));
  } catch (error) {
    if ((error as { code?: string }).code === "ER_NO_SUCH_TABLE") return new Map();
    throw error;
  }
}

export type TodaysInspiration = Inspiration & { segment: Segment | null; time_zone: string };

/** `goals`, when the caller has already read them, saves reading them again. */
export async function todaysInspiration(deps: InspirationDeps, userId: number, now: Date, goals?: ReturnType<typeof goalsView>): Promise<TodaysInspiration> {
  goals ??= goalsView(await deps.documents.collection("user_goals").findOne({ _id: userId }));
  if (!goals.configured) goals = inHomeZone(goals, (await profile(deps.mysql, userId))?.state);
  return (await todaysInspirations(deps, [{ userId, goals }], now))[0];
}

const RECENT_WORKOUTS = 200;

/** Rows by user id (Node 20 has no Map.groupBy), in their order. */
function byUser<T extends Record<string, unknown>>(rows: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const id = Number(row.user_id);
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return groups;
}

/**
 * Today's inspiration for each user (with goals as they apply to them), reading each store once for
 * all of them: their last 28 days of workouts, the quotes sent them in the last 30, their segments.
 */
export async function todaysInspirations(deps: InspirationDeps, users: Array<{ userId: number; goals: ReturnType<typeof goalsView> }>, now: Date): Promise<TodaysInspiration[]> {
  if (!users.length) return [];
  const ids = users.map((u) => u.userId);
  const days = users.map((u) => localDay(now, u.goals.notifications.time_zone));
  const [first, last] = [days.reduce((a, b) => (a < b ? a : b)), days.reduce((a, b) => (a > b ? a : b))];
  const [logs, [sent], segments, quotes] = await Promise.all([
    deps.documents.collection("activity_logs").find({ user_id: { $in: ids }, started_at: { $gte: new Date(Date.parse(`${addDays(first, -28)}T00:00:00Z`)), $lte: now } }, { sort: { started_at: -1 } }),
    deps.mysql.query("SELECT user_id, quote_id, sent_on FROM quote_history WHERE user_id IN (?) AND sent_on >= ? AND sent_on < ?", [ids, addDays(first, -30), last]),
    userSegments(deps, ids),
    allQuotes(deps.mysql),
  ]);
  const recentOf = byUser(logs);
  const sentTo = byUser(sent as Array<{ user_id: number; quote_id: number; sent_on: string }>);
  return users.map(({ userId, goals }, i) => {
    const day = days[i];
    const since = new Date(Date.parse(`${addDays(day, -28)}T00:00:00Z`));
    const recent = (recentOf.get(userId) ?? []).filter((w) => (w.started_at as Date) >= since).slice(0, RECENT_WORKOUTS);
    const inspiration = chooseInspiration({
      userId,
      day,
      goal: goals.configured ? goals : null,
      recent: recent.map((w) => ({ activity_type: String(w.activity_type), started_at: w.started_at as Date, duration_min: Number(w.duration_min) })),
      quotes,
      recentlySent: new Set((sentTo.get(userId) ?? []).filter((r) => r.sent_on >= addDays(day, -30) && r.sent_on < day).map((r) => r.quote_id)),
    });
    return { ...inspiration, segment: segments.get(userId) ?? null, time_zone: goals.notifications.time_zone };
  });
}
