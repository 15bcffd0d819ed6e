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

/** The user's segment from the last `nike report` (by pseudonym), or null before the first one. */
export async function userSegment(deps: InspirationDeps, userId: number): Promise<Segment | null> {
  try {
    const [rows] = await deps.mysql.query("SELECT segment_name AS name, best_hour FROM user_segment WHERE user_pseudonym = ?", [pseudonym(deps.config.pseudonymKey, userId)]);
    return (rows as Segment[])[0] ?? null;
  } catch (error) {
    if ((error as { code?: string }).code === "ER_NO_SUCH_TABLE") return null;
    throw error;
  }
}

export type TodaysInspiration = Inspiration & { segment: Segment | null; time_zone: string };

/** `goals`, when the caller has already read them, saves reading them again. */
export async function todaysInspiration(deps: InspirationDeps, userId: number, now: Date, goals?: ReturnType<typeof goalsView>): Promise<TodaysInspiration> {
  goals ??= goalsView(await deps.documents.collection("user_goals").findOne({ _id: userId }));
  if (!goals.configured) goals = inHomeZone(goals, (await profile(deps.mysql, userId))?.state);
  const day = localDay(now, goals.notifications.time_zone);
  const since = new Date(Date.parse(`${addDays(day, -28)}T00:00:00Z`));
  const recent = await deps.documents.collection("activity_logs").find({ user_id: userId, started_at: { $gte: since, $lte: now } }, { sort: { started_at: -1 }, limit: 200 });
  const [sent] = await deps.mysql.query("SELECT quote_id FROM quote_history WHERE user_id = ? AND sent_on >= ? AND sent_on < ?", [userId, addDays(day, -30), day]);
  const inspiration = chooseInspiration({
    userId,
    day,
    goal: goals.configured ? goals : null,
    recent: recent.map((w) => ({ activity_type: String(w.activity_type), started_at: w.started_at as Date, duration_min: Number(w.duration_min) })),
    quotes: await allQuotes(deps.mysql),
    recentlySent: new Set((sent as Array<{ quote_id: number }>).map((r) => r.quote_id)),
  });
  return { ...inspiration, segment: await userSegment(deps, userId), time_zone: goals.notifications.time_zone };
}
