/** @module How seasonal trends are shown: peak months and launch windows, the monthly workouts per activity and a heatmap of the seasonal index. */
import { MONTHS, fmt } from "../../warehouse/insights/insight.ts";
import type { ComputedSeasons, SeasonFindings } from "../../warehouse/insights/seasonal-trends.ts";
import { chart, type Chart, type Summary, type View } from "./view.ts";

export const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));
const monthList = (months: number[]) => months.map((m) => SHORT_MONTHS[m - 1]).join("–");

function summary({ years, activities, launchWindows }: SeasonFindings): Summary {
  const strongest = [...activities].sort((a, b) => b.peakIndex - a.peakIndex)[0];
  return {
    headline: [
      { label: "Activities tracked", value: String(activities.length) },
      { label: "Biggest season", value: strongest ? `${strongest.activity}, ${monthList(strongest.highSeason)}` : "—" },
    ],
    narrative: [
      `${activities.length} activity types over ${years} years of workouts. Peak months: ${activities.map((a) => `${a.activity} in ${MONTHS[a.peakMonth - 1]}`).join(", ")}.`,
      strongest ? `The strongest season is ${strongest.activity}'s: ${monthList(strongest.highSeason)}, peaking at ${fmt.dec(strongest.peakIndex, 1)}× its trend level.` : "",
      `Suggested launch windows: ${launchWindows.map((w) => `${w.category} in ${MONTHS[w.launchMonth - 1]} (ahead of ${monthList(w.highSeason)})`).join("; ")}.`,
    ].filter(Boolean),
    table: {
      caption: "Peak month, high season and seasonal index per activity",
      rows: activities.map((a) => ({
        activity: a.activity, category: a.category, workouts: a.workouts, peak_month: MONTHS[a.peakMonth - 1], high_season: monthList(a.highSeason),
        peak_index: a.peakIndex,
      })),
    },
  };
}

function charts({ findings, monthly }: ComputedSeasons): Chart[] {
  const monthRows = monthly.map((r) => ({ activity_type: r.activity_type, category: r.category, month: `${r.year}-${String(r.month).padStart(2, "0")}`, workouts: r.workouts }));
  const indexRows = findings.activities.flatMap((a) => a.seasonalIndex.map((v, m) => ({ activity_type: a.activity, month: SHORT_MONTHS[m], month_number: m + 1, seasonal_index: v })));
  const lines = chart("monthly-workouts", "Monthly workouts per activity", monthRows, {
    height: 320,
    mark: { type: "line", point: { size: 16 }, tooltip: true },
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
      x: { field: "month", type: "ordinal", sort: SHORT_MONTHS, title: null },
      y: { field: "activity_type", type: "nominal", title: null },
      color: { field: "seasonal_index", type: "quantitative", title: "Index", scale: { scheme: "redblue", reverse: true, domainMid: 1 } },
      tooltip: [{ field: "activity_type", title: "Activity" }, { field: "month" }, { field: "seasonal_index", format: ".2f", title: "Seasonal index" }],
    },
  });
  return [lines, heat];
}

export const seasonalTrendsView: View<ComputedSeasons> = {
  id: "seasonal-trends",
  title: "Seasonal fitness trends",
  question: "When does each activity peak, and when should each category launch?",
  summary,
  charts,
};
