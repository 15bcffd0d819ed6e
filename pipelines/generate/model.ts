/**
 * @module The behaviour the generator plants in the data: segments, activity mix, seasons, hours,
 * regional and age-band multipliers. The insights are checked against these (see `planted.ts`).
 */

import { AGE_BANDS, type ActivityName, type SalesChannel } from "../../domain/vocabulary.ts";
import { UserError } from "../../lib/errors.ts";

/** Each activity's seasonal peak month and how strongly it peaks (von Mises concentration). */
export const ACTIVITY_SEASONS: Record<ActivityName, { peakMonth: number; kappa: number }> = {
  running: { peakMonth: 4, kappa: 1.2 },
  yoga: { peakMonth: 1, kappa: 1.0 },
  training: { peakMonth: 1, kappa: 1.1 },
  cycling: { peakMonth: 6, kappa: 1.5 },
  swimming: { peakMonth: 7, kappa: 1.8 },
  basketball: { peakMonth: 2, kappa: 1.2 },
  soccer: { peakMonth: 9, kappa: 1.3 },
  tennis: { peakMonth: 6, kappa: 1.3 },
  walking: { peakMonth: 5, kappa: 1.0 },
  hiit: { peakMonth: 1, kappa: 1.0 },
  pilates: { peakMonth: 3, kappa: 1.0 },
  hiking: { peakMonth: 8, kappa: 1.8 },
};

type Mix = Partial<Record<ActivityName, number>>;

/** The latent segments. Never written to the operational data; only to `planted/user_segments.parquet`. */
export const SEGMENTS = [
  {
    name: "casual", share: 0.32, workoutsPerWeek: 0.7, effort: 0.8, hrShift: -8,
    mix: { walking: 0.45, hiking: 0.15, cycling: 0.15, swimming: 0.1, running: 0.1, yoga: 0.05 } as Mix,
    goals: { stay_active: 0.5, lose_weight: 0.4, reduce_stress: 0.1 },
    shopping: { "In-Store": 0.55, Online: 0.15, Both: 0.3 },
    tiers: { Silver: 0.8, Gold: 0.17, Platinum: 0.03 },
    hours: { weekday: [12, 18], weekend: [11, 16] },
  },
  {
    name: "runner", share: 0.2, workoutsPerWeek: 4.2, effort: 1.1, hrShift: 6,
    mix: { running: 0.72, cycling: 0.1, training: 0.08, hiit: 0.05, walking: 0.05 } as Mix,
    goals: { improve_endurance: 0.7, improve_performance: 0.2, lose_weight: 0.1 },
    shopping: { "In-Store": 0.15, Online: 0.5, Both: 0.35 },
    tiers: { Silver: 0.35, Gold: 0.45, Platinum: 0.2 },
    hours: { weekday: [6, 7], weekend: [7, 8] },
  },
  {
    name: "gym-goer", share: 0.2, workoutsPerWeek: 4.6, effort: 1.05, hrShift: 4,
    mix: { training: 0.55, hiit: 0.25, cycling: 0.1, running: 0.05, swimming: 0.05 } as Mix,
    goals: { build_strength: 0.7, lose_weight: 0.25, improve_performance: 0.05 },
    shopping: { "In-Store": 0.3, Online: 0.3, Both: 0.4 },
    tiers: { Silver: 0.3, Gold: 0.5, Platinum: 0.2 },
    hours: { weekday: [18, 19], weekend: [10, 11] },
  },
  {
    name: "team-sport", share: 0.13, workoutsPerWeek: 3.0, effort: 1.1, hrShift: 8,
    mix: { basketball: 0.36, soccer: 0.3, tennis: 0.14, training: 0.1, running: 0.1 } as Mix,
    goals: { improve_performance: 0.7, build_strength: 0.2, stay_active: 0.1 },
    shopping: { "In-Store": 0.4, Online: 0.2, Both: 0.4 },
    tiers: { Silver: 0.5, Gold: 0.35, Platinum: 0.15 },
    hours: { weekday: [19, 20], weekend: [10, 14] },
  },
  {
    name: "wellness", share: 0.15, workoutsPerWeek: 3.4, effort: 0.9, hrShift: -12,
    mix: { yoga: 0.45, pilates: 0.25, walking: 0.15, swimming: 0.1, hiking: 0.05 } as Mix,
    goals: { reduce_stress: 0.65, stay_active: 0.25, lose_weight: 0.1 },
    shopping: { "In-Store": 0.25, Online: 0.45, Both: 0.3 },
    tiers: { Silver: 0.4, Gold: 0.4, Platinum: 0.2 },
    hours: { weekday: [7, 20], weekend: [9, 17] },
  },
] as const;

export type SegmentName = (typeof SEGMENTS)[number]["name"];

/** Age-band share of users per segment (rows) — segments skew by age. */
export const SEGMENT_AGE: Record<SegmentName, number[]> = {
  casual: [0.1, 0.15, 0.2, 0.2, 0.2, 0.15],
  runner: [0.15, 0.35, 0.3, 0.12, 0.06, 0.02],
  "gym-goer": [0.3, 0.4, 0.18, 0.08, 0.03, 0.01],
  "team-sport": [0.45, 0.35, 0.13, 0.05, 0.015, 0.005],
  wellness: [0.05, 0.15, 0.25, 0.25, 0.18, 0.12],
};

/** Workout-frequency multiplier per age band. */
export const AGE_BAND_MULTIPLIER: Record<(typeof AGE_BANDS)[number], number> = {
  "18-24": 1.2, "25-34": 1.3, "35-44": 1.0, "45-54": 0.85, "55-64": 0.7, "65+": 0.55,
};

/** Workout-frequency multiplier per state; states not listed are 1. */
export const STATE_MULTIPLIER: Record<string, number> = {
  CO: 1.7, OR: 1.55, WA: 1.45, MN: 1.35, UT: 1.3, CA: 1.2,
  MS: 0.6, AL: 0.65, LA: 0.7, KY: 0.75, OK: 0.75, TN: 0.8,
};

/** Share of workouts by weekday, Monday first (ISO). */
export const WEEKDAY_WEIGHT = [1.15, 1.1, 1.0, 1.0, 0.8, 1.1, 0.95];

/** Weight of each hour of the day around the segment's two preferred hours. */
export function hourWeights(preferred: readonly number[]): number[] {
  const weights = new Array<number>(24).fill(0);
  for (let h = 0; h < 24; h++) {
    const base = h >= 5 && h <= 22 ? 0.15 : 0.01;
    const peaks = preferred.reduce((sum, p, i) => sum + (i === 0 ? 1 : 0.7) * Math.exp(-((h - p) ** 2) / 1.2), 0);
    weights[h] = base + peaks;
  }
  return weights;
}

/** Relative monthly weight (von Mises around the peak month) of an activity. */
export function monthWeight(peakMonth: number, kappa: number, month: number): number {
  return Math.exp(kappa * Math.cos((2 * Math.PI * (month - peakMonth)) / 12));
}

/**
 * The history runs up to `--until`, the day the data is as of (up to 00:00 UTC that day, so that with
 * today's date nothing is in the future), from the first of the month 24 months earlier: every
 * calendar month appears at least twice. Workouts grow by 12% a year across it.
 */
export const HISTORY = { months: 24, yearlyGrowth: 0.12 } as const;

/** `--until`: a day (YYYY-MM-DD) no later than today, late enough for the history to fit the warehouse calendar (2015 on). */
export function parseUntil(value: string, today = new Date()): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) throw new UserError(`--until "${value}" is not a date: give the day the data is as of, as YYYY-MM-DD.`);
  if (value > today.toISOString().slice(0, 10)) throw new UserError(`--until ${value} is in the future: the data can be as of today at the latest.`);
  if (value < "2017-01-01") throw new UserError(`--until ${value} is too early: the warehouse calendar starts in 2015, so the data must be as of 2017 or later.`);
  return value;
}

/** The first and last day of the history as of `until` (YYYY-MM-DD): it ends the day before. */
export function historyWindow(until: string): { start: string; end: string } {
  const [y, m, d] = until.split("-").map(Number);
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { start: iso(Date.UTC(y, m - 1 - HISTORY.months, 1)), end: iso(Date.UTC(y, m - 1, d - 1)) };
}

/**
 * Share of customers who use the app and log their workouts there, at their segment's weekly rate
 * from the start of the history; the rest shop, hold memberships and preferences, and log nothing.
 * With 24–25 months of history this gives about 27 workouts per customer, 2.7× the preset's count.
 */
export const APP_USER_SHARE = 0.09;

/** A segment's mean age-band multiplier: dividing by it keeps the segment's mean rate at its planted rate. */
export const segmentAgeMultiplier = (segment: SegmentName) =>
  SEGMENT_AGE[segment].reduce((sum, share, band) => sum + share * AGE_BAND_MULTIPLIER[AGE_BANDS[band]], 0);

/**
 * What each segment buys. `sports`: the weight of each sport's products in its baskets (the catalog's
 * `sport` is the merchandise category the purchases are planted on; every sport also gets
 * `PURCHASE_BASELINE`, so every segment buys a little of everything). `spend`: basket size relative
 * to the average customer (more lines per order). `channels`: where its orders are placed.
 */
export const SEGMENT_PURCHASES: Record<SegmentName, { sports: Mix; spend: number; channels: Record<SalesChannel, number> }> = {
  casual: { sports: { walking: 0.34, hiking: 0.22, swimming: 0.08, cycling: 0.06, running: 0.06 }, spend: 0.7, channels: { "in-store": 0.6, web: 0.3, app: 0.1 } },
  runner: { sports: { running: 0.58, cycling: 0.14, hiit: 0.08, walking: 0.04 }, spend: 1.35, channels: { "in-store": 0.15, web: 0.3, app: 0.55 } },
  "gym-goer": { sports: { training: 0.45, hiit: 0.28, basketball: 0.07, running: 0.04 }, spend: 1.15, channels: { "in-store": 0.35, web: 0.25, app: 0.4 } },
  "team-sport": { sports: { basketball: 0.36, soccer: 0.3, tennis: 0.16, training: 0.04 }, spend: 1.0, channels: { "in-store": 0.5, web: 0.2, app: 0.3 } },
  wellness: { sports: { yoga: 0.38, pilates: 0.26, swimming: 0.12, walking: 0.06 }, spend: 0.95, channels: { "in-store": 0.25, web: 0.55, app: 0.2 } },
};
/** Added to every sport's weight in every segment's baskets. */
export const PURCHASE_BASELINE = 0.02;
/** Share of an order's lines from the sport it was placed for; the rest are drawn from the segment's mix. */
export const ORDER_FOCUS_SHARE = 0.8;

/**
 * How many weeks before its activity peaks a sport's products sell most: the sales of a sport's
 * products follow its activity season (same concentration), shifted earlier by this lead.
 */
export const SALES_LEAD_WEEKS: Record<ActivityName, number> = {
  running: 4, yoga: 3, training: 3, cycling: 5, swimming: 6, basketball: 4,
  soccer: 6, tennis: 4, walking: 3, hiit: 3, pilates: 3, hiking: 6,
};

/** The middle of a month, as a day of the year (0-based, 365.25-day year). */
export const monthMiddleDay = (month: number) => ((month - 0.5) * 365.25) / 12;

/** Relative sales weight of a sport on a day of the year (0-based): its activity season, `leadWeeks` earlier. */
export function salesWeight(sport: ActivityName, dayOfYear: number): number {
  const { peakMonth, kappa } = ACTIVITY_SEASONS[sport];
  const peak = monthMiddleDay(peakMonth) - 7 * SALES_LEAD_WEEKS[sport];
  return Math.exp(kappa * Math.cos((2 * Math.PI * (dayOfYear - peak)) / 365.25));
}

/** Vendors that deliver late much more often than the others (by vendor id; every scale has at least 20 vendors). */
export const LATE_VENDORS = { vendorIds: [4, 11, 17], lateRate: 0.45, otherLateRate: 0.07 } as const;
