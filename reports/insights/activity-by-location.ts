/** @module How activity by location is shown: the states named against the cut-offs, a US map, the state ranking and the top cities. */
import { HIGH_FACTOR, MAX_RELATIVE_ERROR, type CityEngagement, type ComputedLocation, type LocationFindings, type StateEngagement } from "../../warehouse/insights/activity-by-location.ts";
import { fmt, type Overview } from "../../warehouse/insights/insight.ts";
import { STATE_FIPS } from "./us-states.ts";
import { CHART_ROWS, chart, type Chart, type Summary, type View } from "./view.ts";

/** Map shapes, served beside the pages (copied from `vega-datasets`); inlined for single-file pages and notebooks. */
export const US_SHAPES_URL = "data/us-10m.json";
/** How many of the most engaged cities the city chart ranks. */
export const CHARTED_CITIES = 15;

const signed = (fraction: number) => `${fraction >= 0 ? "+" : ""}${fmt.pct(fraction)}`;
const perMonth = (x: number) => `${fmt.dec(x, 2)}/month`;
const stateFigures = (s: StateEngagement) => `${s.name} (${perMonth(s.workoutsPerUserMonth)}, ${signed(s.vsAverage)})`;

function narrative(findings: LocationFindings, all: Overview): string[] {
  const { averageWorkoutsPerUserMonth: average, cutoffs, states } = findings;
  const byCode = new Map(states.map((s) => [s.state, s]));
  const named = (codes: string[]) => codes.map((c) => byCode.get(c) as StateEngagement);
  const high = named(findings.highEngagementStates);
  const low = named(findings.lowEngagementStates);
  const unranked = states.filter((s) => s.engagement === "unranked").length;
  return [
    `Across ${states.length} states, ${fmt.int(all.activeUsers)} active users logged ${fmt.int(all.workouts)} workouts: ${fmt.dec(average, 2)} workouts per user per month on average.`,
    high.length > 0
      ? `High-engagement states (at least ${cutoffs.highAtLeast} workouts per user per month, ${fmt.pct(HIGH_FACTOR - 1)} above the average): ${high.map(stateFigures).join(", ")}.`
      : `No ranked state reaches ${cutoffs.highAtLeast} workouts per user per month (${fmt.pct(HIGH_FACTOR - 1)} above the average).`,
    low.length > 0 ? `Least engaged (at most ${cutoffs.lowAtMost}): ${low.map(stateFigures).join(", ")}.` : "",
    unranked > 0 ? `${unranked} ${unranked === 1 ? "state has" : "states have"} fewer than ${cutoffs.minActiveUsers} active users, too few to know their figure within ${fmt.pct(MAX_RELATIVE_ERROR)}: listed, not ranked.` : "",
    findings.topCities.length > 0 ? `Most engaged cities: ${findings.topCities.map((c) => `${c.city}, ${c.state} (${perMonth(c.workoutsPerUserMonth)})`).join("; ")}.` : "",
  ].filter(Boolean);
}

/** One row per state: the table, the ranking chart and (with FIPS codes) the map. */
const stateRows = (states: StateEngagement[]) =>
  states.map((s) => ({
    rank: s.rank, state: s.state, state_name: s.name, census_region: s.censusRegion, active_users: s.activeUsers, workouts: s.workouts, minutes: s.minutes,
    workouts_per_user_month: s.workoutsPerUserMonth, minutes_per_user_month: s.minutesPerUserMonth, vs_average: s.vsAverage, engagement: s.engagement,
  }));

function summary(findings: LocationFindings, all: Overview): Summary {
  return {
    headline: [
      { label: "Workouts per user per month", value: fmt.dec(findings.averageWorkoutsPerUserMonth, 2) },
      { label: "Most engaged state", value: findings.states.find((s) => s.rank === 1)?.name ?? "—" },
    ],
    narrative: narrative(findings, all),
    table: { caption: "Engagement by state: ranked states first (rank 1 = most engaged), then those with too few active users", rows: stateRows(findings.states) },
  };
}

const STATE_TOOLTIP = [
  { field: "state_name", title: "State" },
  { field: "workouts_per_user_month", title: "Workouts / user / month", format: ".2f" },
  { field: "minutes_per_user_month", title: "Minutes / user / month", format: ".0f" },
  { field: "active_users", title: "Active users", format: "," },
  { field: "workouts", title: "Workouts", format: "," },
  { field: "engagement", title: "Engagement" },
];

function stateMap(rows: ReturnType<typeof stateRows>): Chart {
  const chartRows = rows.map((r) => ({ ...r, fips: STATE_FIPS[r.state] ?? null }));
  const shapes = { url: US_SHAPES_URL, format: { type: "topojson", feature: "states" } };
  return chart("engagement-map", "Workouts per active user per month, by state", chartRows, {
    height: 400,
    // A fixed scale, not one fitted to the data: a filter then redraws the states' colours only, and the
    // map does not zoom to the states that have workouts.
    projection: { type: "albersUsa", scale: 760, translate: [320, 190] },
    layer: [
      { data: shapes, mark: { type: "geoshape", fill: "#e5e7eb", stroke: "white" } },
      {
        data: shapes,
        transform: [
          { lookup: "id", from: { data: { name: CHART_ROWS }, key: "fips", fields: ["state", "state_name", "workouts_per_user_month", "minutes_per_user_month", "active_users", "workouts", "engagement"] } },
          { filter: "datum.state != null" },
        ],
        mark: { type: "geoshape", stroke: "white" },
        encoding: {
          color: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts/user/month", scale: { scheme: "oranges" }, legend: { format: ".1f" } },
          tooltip: STATE_TOOLTIP,
        },
      },
    ],
  });
}

const stateRanking = (rows: ReturnType<typeof stateRows>): Chart =>
  chart("engagement-ranking", "States ranked by workouts per active user per month", rows, {
    height: { step: 16 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "state_name", type: "nominal", sort: "-x", title: null },
      x: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { field: "census_region", type: "nominal", title: "Census region" },
      tooltip: STATE_TOOLTIP,
    },
  });

function cityRanking(cities: CityEngagement[], minActiveUsers: number): Chart {
  const rows = cities.slice(0, CHARTED_CITIES).map((c) => ({ city: c.city, state: c.state, active_users: c.activeUsers, workouts: c.workouts, minutes: c.minutes, workouts_per_user_month: c.workoutsPerUserMonth, minutes_per_user_month: c.minutesPerUserMonth }));
  return chart("city-ranking", `Top cities by engagement (at least ${minActiveUsers} active users)`, rows, {
    height: { step: 16 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "city", type: "nominal", sort: "-x", title: null },
      x: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { value: "#f97316" },
      tooltip: [{ field: "city" }, { field: "state" }, { field: "workouts_per_user_month", format: ".2f" }, { field: "active_users", format: "," }],
    },
  });
}

export const activityByLocationView: View<ComputedLocation> = {
  id: "activity-by-location",
  title: "Activity by location",
  question: "Where are our users most active, and which regions should campaigns target?",
  summary,
  charts: ({ findings, cities }) => {
    const rows = stateRows(findings.states);
    return [stateMap(rows), stateRanking(rows), cityRanking(cities, findings.cutoffs.minCityActiveUsers)];
  },
};
