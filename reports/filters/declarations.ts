/**
 * @module What each report page filters: for the summary and every insight page, which cubes it loads,
 * which rows (a builder of `filters.js`) feed each chart and its table, which headline figure each card
 * shows, and which field of a clicked mark filters by what. Charts and cards left out keep their
 * unfiltered content (a page without a declaration has no filters).
 */
import { HIGH_FACTOR, LOW_FACTOR } from "../../warehouse/insights/activity-by-location.ts";
import { MONTHS, WEEKDAYS } from "../../warehouse/insights/insight.ts";
import { CHARTED_CITIES } from "../insights/activity-by-location.ts";
import type { InsightsReport } from "../insights/index.ts";
import { dayLabel, monthOfDay } from "../insights/sales-and-seasons.ts";
import { SHORT_MONTHS } from "../insights/seasonal-trends.ts";
import { STATE_FIPS } from "../insights/us-states.ts";
import type { Insight } from "../insights/view.ts";

export type CubeName = "workouts" | "hours" | "users" | "customers" | "sales";
/** A filter a clicked mark sets, and the field of its datum that holds the value (a product line sets the activity of its sport). */
export type MarkFilter = { field: string; filter: "state" | "activity" | "age" | "segment" | "month" };

export type FilterPage = {
  cubes: CubeName[];
  /** By the chart's element id (`<insight>-<chart>`): the builder that makes its rows. */
  charts: Record<string, { rows: string }>;
  table?: string;
  /** By chart element id, or "table": said under it while a filter holds, what in it shows all data. */
  notes?: Record<string, string>;
  figures: Array<{ label: string; figure: string }>;
  clicks: Record<string, MarkFilter>;
  params: Record<string, unknown>;
};

type Declaration = Omit<FilterPage, "params" | "charts" | "clicks" | "notes"> & { charts: Record<string, string>; clicks?: Record<string, MarkFilter>; notes?: Record<string, string> };

const STATE: MarkFilter = { field: "state", filter: "state" };
const AGE: MarkFilter = { field: "age_band", filter: "age" };
const SEGMENT: MarkFilter = { field: "segment", filter: "segment" };
const MONTH: MarkFilter = { field: "month", filter: "month" };
const PRODUCT_LINE: MarkFilter = { field: "category", filter: "activity" };

/** Each insight page's declaration, by its view's id; chart keys are the view's chart ids. */
const INSIGHT_PAGES: Record<string, Declaration> = {
  "activity-by-location": {
    cubes: ["workouts", "users"],
    charts: { "engagement-map": "stateMap", "engagement-ranking": "states", "city-ranking": "cities" },
    table: "states",
    figures: [{ label: "Workouts per user per month", figure: "workoutsPerUserMonth" }, { label: "Most engaged state", figure: "mostEngagedState" }],
    clicks: { "engagement-map": STATE, "engagement-ranking": STATE, "city-ranking": STATE },
  },
  "seasonal-trends": {
    cubes: ["workouts"],
    charts: { "monthly-workouts": "monthly", "seasonal-index": "seasonalIndex" },
    table: "seasonTable",
    figures: [{ label: "Activities tracked", figure: "activitiesTracked" }, { label: "Biggest season", figure: "biggestSeason" }],
    clicks: { "monthly-workouts": MONTH },
  },
  "age-engagement": {
    cubes: ["workouts", "users", "customers"],
    charts: { "age-frequency": "bands", "age-duration": "bands", "age-activity-mix": "bandMix" },
    table: "bands",
    figures: [{ label: "Most active age band", figure: "mostActiveAgeBand" }],
    clicks: { "age-frequency": AGE, "age-duration": AGE, "age-activity-mix": AGE },
  },
  "user-segmentation": {
    cubes: ["workouts", "users"],
    charts: { "segment-sizes": "segmentSizes", "segment-mix": "segmentMix" },
    table: "segmentSizes",
    figures: [{ label: "Segments", figure: "segmentCount" }, { label: "Largest segment", figure: "largestSegment" }],
    clicks: { "segment-sizes": SEGMENT, "segment-mix": SEGMENT },
  },
  "peak-workout-hours": {
    cubes: ["hours"],
    charts: { "weekday-hour-heatmap": "heat", "segment-hours": "segmentHours" },
    table: "hoursTable",
    figures: [{ label: "Peak hour", figure: "peakHour" }, { label: "Busiest day", figure: "busiestDay" }],
    clicks: { "segment-hours": SEGMENT },
  },
  // The sales peaks and the lead are estimated over every day of the years (a phase round the year),
  // and deliveries have no customer: the lead chart, the vendors' chart and their cards show all data.
  "sales-and-seasons": {
    cubes: ["sales", "workouts"],
    charts: { "sales-vs-activity": "salesSeasons", "monthly-sales": "monthlySales" },
    table: "salesTable",
    notes: {
      "sales-vs-activity": "The ▲ marks each sport's activity peak over all data.",
      table: "Units and revenue follow the filters; the sales and activity peaks and the lead between them are estimated over all data.",
    },
    figures: [{ label: "Units sold", figure: "unitsSold" }, { label: "Revenue", figure: "revenue" }],
    clicks: { "sales-vs-activity": PRODUCT_LINE, "sales-lead": PRODUCT_LINE, "monthly-sales": MONTH },
  },
};

/** The summary's cards (labels from `headline()`) that follow the filters. */
const SUMMARY_FIGURES = [
  { label: "Workouts logged", figure: "workouts" },
  { label: "App users (logging workouts)", figure: "appUsers" },
  { label: "Workouts per app user per week", figure: "workoutsPerUserWeek" },
  { label: "Hours trained", figure: "hoursTrained" },
  { label: "Period", figure: "period" },
  { label: "Most engaged state", figure: "mostEngagedState" },
  { label: "Peak workout hour", figure: "peakHour" },
  { label: "Most active age band", figure: "mostActiveAgeBand" },
];

/** Figures and limits the builders need, from the run's findings and the views' constants. */
function params(run: InsightsReport): Record<string, unknown> {
  const location = run.location.findings;
  const sales = run.sales.findings;
  return {
    minActiveUsers: location.cutoffs.minActiveUsers,
    minCityActiveUsers: location.cutoffs.minCityActiveUsers,
    highFactor: HIGH_FACTOR,
    lowFactor: LOW_FACTOR,
    top: CHARTED_CITIES,
    fips: STATE_FIPS,
    months: MONTHS,
    shortMonths: SHORT_MONTHS,
    weekdays: WEEKDAYS,
    highSeasonShare: run.seasons.findings.cutoffs.highSeasonShareOfPeak,
    // A segment's profile (its traits and recommendations) stays as clustered; its counts follow the filters.
    profiles: Object.fromEntries(run.segments.table.rows.map((r) => [String(r.segment), r])),
    // The product lines the sales page shows (those whose sport has workouts), with their peaks and lead over all data.
    salesLines: sales.categories.map((c) => ({
      category: c.category, sales_peak: dayLabel(c.salesPeakDay), activity_peak: dayLabel(c.activityPeakDay), lead_weeks: c.leadWeeks, activity_peak_month: monthOfDay(c.activityPeakDay),
    })),
  };
}

const chartKey = (insight: Insight, chartId: string) => `${insight.id}-${chartId}`;

function resolve(insight: Insight, declaration: Declaration): Pick<FilterPage, "charts" | "clicks" | "notes"> {
  const charts: FilterPage["charts"] = {};
  const clicks: FilterPage["clicks"] = {};
  const notes: Record<string, string> = {};
  for (const [id, rows] of Object.entries(declaration.charts)) if (insight.charts.some((c) => c.id === id)) charts[chartKey(insight, id)] = { rows };
  for (const [id, click] of Object.entries(declaration.clicks ?? {})) if (insight.charts.some((c) => c.id === id)) clicks[chartKey(insight, id)] = click;
  for (const [id, note] of Object.entries(declaration.notes ?? {})) if (id === "table" || insight.charts.some((c) => c.id === id)) notes[id === "table" ? id : chartKey(insight, id)] = note;
  return { charts, clicks, notes };
}

/** Every page's declaration, by page id ("index" for the summary, else the insight's id). */
export function filterPages(run: InsightsReport, extra: Record<string, Declaration> = {}): Record<string, FilterPage> {
  const shared = params(run);
  const declarations = { ...INSIGHT_PAGES, ...extra };
  const pages: Record<string, FilterPage> = {};
  const summary: FilterPage = { cubes: ["workouts", "users", "customers", "hours"], charts: {}, figures: SUMMARY_FIGURES, clicks: {}, params: shared };
  for (const insight of run.all) {
    const declaration = declarations[insight.id];
    if (!declaration) continue;
    const { charts, clicks, notes } = resolve(insight, declaration);
    pages[insight.id] = { ...declaration, charts, clicks, notes, params: shared };
    // The summary shows each insight's first chart: it follows the filters as on the insight's page.
    // Only with the summary's own cubes, though: one more would take the summary past its 5 MB.
    const lead = chartKey(insight, insight.charts[0].id);
    if (!declaration.cubes.every((c) => summary.cubes.includes(c))) continue;
    if (charts[lead]) summary.charts[lead] = charts[lead];
    if (clicks[lead]) summary.clicks[lead] = clicks[lead];
  }
  pages.index = summary;
  return pages;
}
