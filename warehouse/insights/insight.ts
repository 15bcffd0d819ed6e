/**
 * @module What every insight computes: its findings (its conclusions as data) and the rows it read,
 * plus the warehouse at a glance that several insights share. Charts and narratives are made from
 * the findings elsewhere (`reports/insights/`): nothing here builds them.
 */
import { UserError } from "../../lib/errors.ts";
import type { WarehouseSource } from "./source.ts";

/** An insight's result: its findings (for other insights, the app, the JSON document and the narrative) and the rows it read from the warehouse. */
export type Computed<F> = { findings: F; rowsRead: number };

export type Overview = {
  /** Months (of 30.44 days) from the first to the last workout date. */
  months: number;
  firstDate: string;
  lastDate: string;
  latestWorkout: string;
  workouts: number;
  /** Users with at least one workout: the customers who use the app. */
  activeUsers: number;
  /** Every current customer, app users or not. */
  customers: number;
  /** `activeUsers / customers`. */
  appUserShare: number;
  /** Workouts per active user per week over the period. */
  workoutsPerActiveUserWeek: number;
  minutes: number;
};

/** A date key (YYYYMMDD) as YYYY-MM-DD. */
export const dateOfKey = (key: number) => `${Math.floor(key / 10000)}-${String(Math.floor(key / 100) % 100).padStart(2, "0")}-${String(key % 100).padStart(2, "0")}`;

const overviews = new WeakMap<WarehouseSource, Promise<Overview>>();

/**
 * The warehouse at a glance: workouts, distinct active users, minutes and the calendar span they
 * cover. Several insights need it; it is computed once per open source (a full scan of the facts).
 */
export function overview(source: WarehouseSource): Promise<Overview> {
  let pending = overviews.get(source);
  if (!pending) {
    pending = computeOverview(source);
    overviews.set(source, pending);
  }
  return pending;
}

async function computeOverview(source: WarehouseSource): Promise<Overview> {
  const [r] = await source.query<{ first: number; last: number; latest: string; workouts: number; users: number; customers: number; minutes: number }>(`
    SELECT MIN(f.date_key) AS first, MAX(f.date_key) AS last, MAX(f.started_at) AS latest, COUNT(*) AS workouts,
           COUNT(DISTINCT u.user_pseudonym) AS users, SUM(f.duration_min) AS minutes,
           (SELECT COUNT(*) FROM dim_user c WHERE c.is_current) AS customers
    FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key`);
  if (!r || r.first === null || r.workouts === 0) throw new UserError("The warehouse has no workouts yet: run `nike etl` (or `npm run demo`) first.");
  const days = (Date.parse(dateOfKey(r.last)) - Date.parse(dateOfKey(r.first))) / 86400_000 + 1;
  return {
    months: days / 30.44,
    firstDate: dateOfKey(r.first),
    lastDate: dateOfKey(r.last),
    latestWorkout: String(r.latest),
    workouts: r.workouts,
    activeUsers: r.users,
    customers: Number(r.customers),
    appUserShare: round(r.users / Math.max(1, Number(r.customers)), 4),
    workoutsPerActiveUserWeek: round(r.workouts / r.users / (days / 7), 2),
    minutes: Number(r.minutes),
  };
}

/** A figure at the precision it is published with: the narrative, the table and the JSON all show this number. */
export const round = (x: number, digits: number) => Number(x.toFixed(digits));

export const fmt = {
  int: (x: number) => Math.round(x).toLocaleString("en-US"),
  dec: (x: number, digits = 1) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  pct: (x: number, digits = 0) => `${(x * 100).toFixed(digits)}%`,
};

export const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
export const hourLabel = (h: number) => `${String(h).padStart(2, "0")}:00`;
