/**
 * @module Insight 2: monthly workouts per activity over the years, each activity's seasonal index
 * (a month's workouts against the growth trend) and peak months, and a launch window per category.
 */
import type { Computed } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";

/** Workouts of one activity in one calendar month. */
export type MonthlyWorkouts = { activity_type: string; category: string; year: number; month: number; workouts: number };

/** A month in the high season has a seasonal index at least this share of the peak month's. */
const HIGH_SEASON_FLOOR = 0.6;
/** A category launches this many months before its high season starts. */
const LAUNCH_LEAD_MONTHS = 1;

/** Months are 1 (January) to 12; `seasonalIndex` holds one value per calendar month, January first (1 = the trend). */
export type ActivitySeason = { activity: string; category: string; workouts: number; peakMonth: number; peakIndex: number; highSeason: number[]; seasonalIndex: number[] };
export type LaunchWindow = { category: string; launchMonth: number; highSeason: number[] };
export type SeasonFindings = {
  /** Calendar years with workouts. */
  years: number;
  cutoffs: { highSeasonShareOfPeak: number; launchMonthsAhead: number };
  /** Most workouts first. */
  activities: ActivitySeason[];
  launchWindows: LaunchWindow[];
};

/**
 * Seasonal index per calendar month: the log-counts are detrended by the growth seen between the same
 * month of consecutive years, averaged per month, and scaled to a mean of 1. Using every year (rather
 * than a centred moving average, which drops the first and last six months) keeps small series steady.
 */
export function seasonalIndex(series: Map<number, number>): number[] {
  const years = [...new Set([...series.keys()].map((k) => Math.floor(k / 100)))].sort();
  const at = (y: number, m: number) => series.get(y * 100 + m) ?? 0;
  const steps: number[] = [];
  for (let i = 1; i < years.length; i++) {
    for (let m = 1; m <= 12; m++) if (at(years[i - 1], m) > 0 && at(years[i], m) > 0) steps.push(Math.log(at(years[i], m) / at(years[i - 1], m)) / 12);
  }
  const growth = steps.length > 0 ? steps.reduce((a, b) => a + b, 0) / steps.length : 0;
  const logIndex = Array.from({ length: 12 }, (_, i) => {
    const values = years.filter((y) => at(y, i + 1) > 0).map((y) => Math.log(at(y, i + 1)) - growth * ((y - years[0]) * 12 + i));
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  });
  const known = logIndex.filter((v) => !Number.isNaN(v));
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return logIndex.map((v) => (Number.isNaN(v) ? 0 : Number(Math.exp(v - mean).toFixed(3))));
}

/**
 * The run of months around the peak (wrapping round the year end) whose index is at least `shareOfPeak`
 * of the peak's. Self-contained (no module constant in its body): the report pages run its source too.
 */
export function highSeason(index: number[], peak: number, shareOfPeak = HIGH_SEASON_FLOOR): number[] {
  const floor = shareOfPeak * index[peak - 1];
  const months = [peak];
  for (let step = 1; step < 6; step++) {
    const next = ((peak - 1 + step) % 12) + 1;
    if (index[next - 1] < floor) break;
    months.push(next);
  }
  for (let step = 1; step < 6; step++) {
    const prev = ((peak - 1 - step + 12) % 12) + 1;
    if (index[prev - 1] < floor) break;
    months.unshift(prev);
  }
  return months;
}

/** The findings, and the monthly workouts per activity that the line chart shows. */
export type ComputedSeasons = Computed<SeasonFindings> & { monthly: MonthlyWorkouts[] };

export async function seasonalTrends(source: WarehouseSource): Promise<ComputedSeasons> {
  const monthly = await source.query<MonthlyWorkouts>(`
    SELECT a.activity_type AS activity_type, a.category AS category, d.year AS year, d.month AS month, COUNT(*) AS workouts
    FROM fact_activity f
    JOIN dim_activity a ON a.activity_key = f.activity_key
    JOIN dim_date d ON d.date_key = f.date_key
    GROUP BY a.activity_type, a.category, d.year, d.month
    ORDER BY a.activity_type, d.year, d.month`);
  const activities = activitySeasons(monthly);
  const findings: SeasonFindings = {
    years: new Set(monthly.map((r) => r.year)).size,
    cutoffs: { highSeasonShareOfPeak: HIGH_SEASON_FLOOR, launchMonthsAhead: LAUNCH_LEAD_MONTHS },
    activities,
    launchWindows: launchWindows(activities),
  };
  return { findings, monthly, rowsRead: monthly.length };
}

/** Each activity's seasonal index, peak and high season, most workouts first. */
function activitySeasons(rows: MonthlyWorkouts[]): ActivitySeason[] {
  const byActivity = new Map<string, { category: string; series: Map<number, number> }>();
  for (const r of rows) {
    const entry = byActivity.get(r.activity_type) ?? { category: r.category, series: new Map() };
    entry.series.set(r.year * 100 + r.month, r.workouts);
    byActivity.set(r.activity_type, entry);
  }
  return [...byActivity].map(([activity, { category, series }]) => {
    const index = seasonalIndex(series);
    const peakIndex = Math.max(...index);
    const peakMonth = index.indexOf(peakIndex) + 1;
    return { activity, category, workouts: [...series.values()].reduce((a, b) => a + b, 0), peakMonth, peakIndex, highSeason: highSeason(index, peakMonth), seasonalIndex: index };
  }).sort((a, b) => b.workouts - a.workouts);
}

/** A category's season: its activities' indices weighted by workouts; launch ahead of it. */
function launchWindows(activities: ActivitySeason[]): LaunchWindow[] {
  const categories = [...new Set(activities.map((a) => a.category))];
  return categories.map((category) => {
    const members = activities.filter((a) => a.category === category);
    const total = members.reduce((s, a) => s + a.workouts, 0);
    const index = Array.from({ length: 12 }, (_, m) => members.reduce((s, a) => s + (a.seasonalIndex[m] * a.workouts) / total, 0));
    const peak = index.indexOf(Math.max(...index)) + 1;
    const season = highSeason(index, peak);
    return { category, launchMonth: ((season[0] - 1 - LAUNCH_LEAD_MONTHS + 12) % 12) + 1, highSeason: season };
  });
}
