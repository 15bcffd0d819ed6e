/**
 * @module Insight 2: monthly workouts per activity over the years, each activity's seasonal index
 * (a month's workouts against the growth trend) and peak months, and a launch window per category.
 */
import { MONTHS, chart, fmt, type Insight } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";

type MonthRow = { activity_type: string; category: string; year: number; month: number; workouts: number };

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

const monthList = (months: number[]) => months.map((m) => MONTHS[m - 1].slice(0, 3)).join("–");

/** The run of months around the peak (wrapping round the year end) whose index is at least HIGH_SEASON_FLOOR of the peak's. */
function highSeason(index: number[], peak: number): number[] {
  const floor = HIGH_SEASON_FLOOR * index[peak - 1];
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

export async function seasonalTrends(source: WarehouseSource): Promise<Insight<SeasonFindings>> {
  const rows = await source.query<MonthRow>(`
    SELECT a.activity_type AS activity_type, a.category AS category, d.year AS year, d.month AS month, COUNT(*) AS workouts
    FROM fact_activity f
    JOIN dim_activity a ON a.activity_key = f.activity_key
    JOIN dim_date d ON d.date_key = f.date_key
    GROUP BY a.activity_type, a.category, d.year, d.month
    ORDER BY a.activity_type, d.year, d.month`);
  const byActivity = new Map<string, { category: string; series: Map<number, number> }>();
  for (const r of rows) {
    const entry = byActivity.get(r.activity_type) ?? { category: r.category, series: new Map() };
    entry.series.set(r.year * 100 + r.month, r.workouts);
    byActivity.set(r.activity_type, entry);
  }
  const activities: ActivitySeason[] = [...byActivity].map(([activity, { category, series }]) => {
    const index = seasonalIndex(series);
    const peakIndex = Math.max(...index);
    const peakMonth = index.indexOf(peakIndex) + 1;
    return { activity, category, workouts: [...series.values()].reduce((a, b) => a + b, 0), peakMonth, peakIndex, highSeason: highSeason(index, peakMonth), seasonalIndex: index };
  }).sort((a, b) => b.workouts - a.workouts);

  // A category's season: its activities' indices weighted by workouts; launch ahead of it.
  const categories = [...new Set(activities.map((a) => a.category))];
  const launchWindows = categories.map((category) => {
    const members = activities.filter((a) => a.category === category);
    const total = members.reduce((s, a) => s + a.workouts, 0);
    const index = Array.from({ length: 12 }, (_, m) => members.reduce((s, a) => s + (a.seasonalIndex[m] * a.workouts) / total, 0));
    const peak = index.indexOf(Math.max(...index)) + 1;
    const season = highSeason(index, peak);
    return { category, launchMonth: ((season[0] - 1 - LAUNCH_LEAD_MONTHS + 12) % 12) + 1, highSeason: season };
  });
  const findings: SeasonFindings = {
    years: new Set(rows.map((r) => r.year)).size,
    cutoffs: { highSeasonShareOfPeak: HIGH_SEASON_FLOOR, launchMonthsAhead: LAUNCH_LEAD_MONTHS },
    activities,
    launchWindows,
  };

  const monthly = rows.map((r) => ({ activity_type: r.activity_type, category: r.category, month: `${r.year}-${String(r.month).padStart(2, "0")}`, workouts: r.workouts }));
  const indexRows = activities.flatMap((a) => a.seasonalIndex.map((v, m) => ({ activity_type: a.activity, month: MONTHS[m].slice(0, 3), month_number: m + 1, seasonal_index: v })));
  const strongest = [...activities].sort((a, b) => b.peakIndex - a.peakIndex)[0];

  const narrative = [
    `${activities.length} activity types over ${findings.years} years of workouts. Peak months: ${activities.map((a) => `${a.activity} in ${MONTHS[a.peakMonth - 1]}`).join(", ")}.`,
    strongest ? `The strongest season is ${strongest.activity}'s: ${monthList(strongest.highSeason)}, peaking at ${fmt.dec(strongest.peakIndex, 1)}× its trend level.` : "",
    `Suggested launch windows: ${launchWindows.map((w) => `${w.category} in ${MONTHS[w.launchMonth - 1]} (ahead of ${monthList(w.highSeason)})`).join("; ")}.`,
  ].filter(Boolean);

  const lines = chart("monthly-workouts", "Monthly workouts per activity", monthly, {
    height: 320,
    mark: { type: "line", point: false, tooltip: true },
    encoding: {
      x: { field: "month", type: "temporal", timeUnit: "yearmonth", title: null },
      y: { field: "workouts", type: "quantitative", title: "Workouts" },
      color: { field: "activity_type", type: "nominal", title: "Activity", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "activity_type", title: "Activity" }, { field: "month", type: "temporal", timeUnit: "yearmonth", title: "Month" }, { field: "workouts", format: "," }],
    },
  });
  const heat = chart("seasonal-index", "Seasonal index (1 = trend) by activity and month", indexRows, {
    height: { step: 22 },
    mark: { type: "rect", tooltip: true },
    encoding: {
      x: { field: "month", type: "ordinal", sort: MONTHS.map((m) => m.slice(0, 3)), title: null },
      y: { field: "activity_type", type: "nominal", title: null },
      color: { field: "seasonal_index", type: "quantitative", title: "Index", scale: { scheme: "redblue", reverse: true, domainMid: 1 } },
      tooltip: [{ field: "activity_type", title: "Activity" }, { field: "month" }, { field: "seasonal_index", format: ".2f", title: "Seasonal index" }],
    },
  });

  return {
    id: "seasonal-trends",
    title: "Seasonal fitness trends",
    question: "When does each activity peak, and when should each category launch?",
    headline: [
      { label: "Activities tracked", value: String(activities.length) },
      { label: "Biggest season", value: strongest ? `${strongest.activity}, ${monthList(strongest.highSeason)}` : "—" },
    ],
    narrative,
    charts: [lines, heat],
    table: {
      caption: "Peak month, high season and seasonal index per activity",
      rows: activities.map((a) => ({
        activity: a.activity, category: a.category, workouts: a.workouts, peak_month: MONTHS[a.peakMonth - 1], high_season: monthList(a.highSeason),
        peak_index: a.peakIndex,
      })),
    },
    rowsRead: rows.length,
    findings,
  };
}
