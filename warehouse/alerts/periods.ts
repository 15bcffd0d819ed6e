/**
 * @module The periods metric rules compare: calendar days, ISO weeks (Monday to Sunday) and calendar
 * months, ending at the data's latest date rather than the wall clock, so a static dataset evaluates
 * as it would have on its last day. The latest date itself may still be filling, so the period
 * evaluated is the latest one that ends before it.
 */
import type { PeriodKind } from "./rules.ts";

/** A period of whole days, first and last inclusive (`YYYY-MM-DD`), with the key alerts are sent once for. */
export type Period = { kind: PeriodKind; key: string; first: string; last: string };

const DAY_MS = 86_400_000;
const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const toDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => toDate(toMs(date) + days * DAY_MS);

/** ISO 8601 week label of the week starting on `monday`: its Thursday decides the year. */
function isoWeek(monday: string): string {
  const thursday = new Date(toMs(monday) + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function monthOf(first: string): Period {
  const d = new Date(toMs(first));
  const last = toDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  return { kind: "month", key: first.slice(0, 7), first, last };
}

function dayOf(date: string): Period {
  return { kind: "day", key: date, first: date, last: date };
}

function weekOf(monday: string): Period {
  return { kind: "week", key: isoWeek(monday), first: monday, last: addDays(monday, 6) };
}

/** The latest complete period of `kind` before `latest` (the data's latest date, `YYYY-MM-DD`). */
export function completePeriod(kind: PeriodKind, latest: string): Period {
  if (kind === "day") return dayOf(addDays(latest, -1));
  if (kind === "week") {
    const isoWeekday = new Date(toMs(latest)).getUTCDay() || 7; // Monday 1 … Sunday 7
    return weekOf(addDays(latest, -isoWeekday - 6));
  }
  const d = new Date(toMs(latest));
  return monthOf(toDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)));
}

/** The period just before `period`, of the same kind. */
export function previousPeriod(period: Period): Period {
  if (period.kind === "day") return dayOf(addDays(period.first, -1));
  if (period.kind === "week") return weekOf(addDays(period.first, -7));
  const d = new Date(toMs(period.first));
  return monthOf(toDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)));
}

/** A `dim_date` key (yyyymmdd) of a date. */
export const dateKey = (date: string) => Number(date.replaceAll("-", ""));
