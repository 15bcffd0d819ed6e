/**
 * @module Insight 1: engagement (active users, workouts and minutes per user) by state and city,
 * on a US map and a ranking. Users count where they live (their dimension version at workout time),
 * not where a workout happened, so travellers do not inflate a state's user count.
 */
import { chart, fmt, overview, type Insight } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";
import { STATE_FIPS } from "./us-states.ts";

/** Map shapes, served beside the pages (copied from `vega-datasets`); inlined for single-file pages and notebooks. */
export const US_SHAPES_URL = "data/us-10m.json";

type StateRow = { state: string; state_name: string; census_region: string; workouts: number; active_users: number; minutes: number };
type CityRow = { city: string; state: string; workouts: number; active_users: number; minutes: number };

/** Regions need this many active users before they are ranked, so that a handful of keen users do not top the list. */
const MIN_USERS = 25;

export type LocationFindings = { overallPerUserMonth: number; highEngagementStates: string[]; lowEngagementStates: string[] };

export async function activityByLocation(source: WarehouseSource): Promise<Insight<LocationFindings>> {
  const all = await overview(source);
  const { months } = all;
  const states = await source.query<StateRow>(`
    SELECT l.state AS state, l.state_name AS state_name, l.region AS census_region, COUNT(*) AS workouts,
           COUNT(DISTINCT u.user_pseudonym) AS active_users, SUM(f.duration_min) AS minutes
    FROM fact_activity f
    JOIN dim_user u ON u.user_key = f.user_key
    JOIN dim_location l ON l.location_key = u.location_key
    GROUP BY l.state, l.state_name, l.region
    ORDER BY l.state`);
  const cities = await source.query<CityRow>(`
    SELECT l.city AS city, l.state AS state, COUNT(*) AS workouts,
           COUNT(DISTINCT u.user_pseudonym) AS active_users, SUM(f.duration_min) AS minutes
    FROM fact_activity f
    JOIN dim_user u ON u.user_key = f.user_key
    JOIN dim_location l ON l.location_key = u.location_key
    GROUP BY l.city, l.state
    ORDER BY l.state, l.city`);

  const perUser = <T extends { workouts: number; active_users: number; minutes: number }>(r: T) => ({
    ...r,
    minutes: Math.round(Number(r.minutes)),
    workouts_per_user_month: Number((r.workouts / r.active_users / months).toFixed(3)),
    minutes_per_user_month: Number((Number(r.minutes) / r.active_users / months).toFixed(1)),
  });
  const byEngagement = <T extends { workouts_per_user_month: number }>(a: T, b: T) => b.workouts_per_user_month - a.workouts_per_user_month;
  const stateRows = states.map((s) => ({ ...perUser(s), fips: STATE_FIPS[s.state] ?? null })).sort(byEngagement);
  const cityRows = cities.map(perUser).sort(byEngagement);

  const overall = all.workouts / all.activeUsers / months;
  const ranked = stateRows.filter((s) => s.active_users >= Math.min(MIN_USERS, Math.max(...stateRows.map((r) => r.active_users))));
  const high = ranked.filter((s) => s.workouts_per_user_month >= overall * 1.1).slice(0, 6);
  const low = [...ranked].reverse().filter((s) => s.workouts_per_user_month <= overall * 0.9).slice(0, 3);
  const topCities = cityRows.filter((c) => c.active_users >= MIN_USERS).slice(0, 5);
  const lift = (s: { workouts_per_user_month: number }) => fmt.pct(s.workouts_per_user_month / overall - 1);

  const narrative = [
    `Across ${states.length} states, ${fmt.int(all.activeUsers)} active users logged ${fmt.int(all.workouts)} workouts: ${fmt.dec(overall, 2)} workouts per user per month on average.`,
    high.length > 0
      ? `High-engagement regions: ${high.map((s) => `${s.state_name} (${fmt.dec(s.workouts_per_user_month, 2)}/month, +${lift(s)})`).join(", ")}.`
      : "No state stands more than 10% above the average.",
    low.length > 0 ? `Least engaged: ${low.map((s) => `${s.state_name} (${fmt.dec(s.workouts_per_user_month, 2)}/month, ${lift(s)})`).join(", ")}.` : "",
    topCities.length > 0 ? `Most engaged cities: ${topCities.map((c) => `${c.city}, ${c.state} (${fmt.dec(c.workouts_per_user_month, 2)}/month)`).join("; ")}.` : "",
  ].filter(Boolean);

  const tooltip = [
    { field: "state_name", title: "State" },
    { field: "workouts_per_user_month", title: "Workouts / user / month", format: ".2f" },
    { field: "minutes_per_user_month", title: "Minutes / user / month", format: ".0f" },
    { field: "active_users", title: "Active users", format: "," },
    { field: "workouts", title: "Workouts", format: "," },
  ];
  const shapes = { url: US_SHAPES_URL, format: { type: "topojson", feature: "states" } };
  const map = chart("engagement-map", "Workouts per active user per month, by state", stateRows, {
    height: 400,
    projection: { type: "albersUsa" },
    layer: [
      { data: shapes, mark: { type: "geoshape", fill: "#e5e7eb", stroke: "white" } },
      {
        data: shapes,
        transform: [
          { lookup: "id", from: { data: { values: stateRows }, key: "fips", fields: ["state", "state_name", "workouts_per_user_month", "minutes_per_user_month", "active_users", "workouts"] } },
          { filter: "datum.state != null" },
        ],
        mark: { type: "geoshape", stroke: "white" },
        encoding: {
          color: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts/user/month", scale: { scheme: "oranges" } },
          tooltip,
        },
      },
    ],
  });
  const bars = chart("engagement-ranking", "States ranked by workouts per active user per month", stateRows, {
    height: { step: 16 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "state_name", type: "nominal", sort: "-x", title: null },
      x: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { field: "census_region", type: "nominal", title: "Census region" },
      tooltip,
    },
  });
  const cityChart = chart("city-ranking", `Top cities by engagement (at least ${MIN_USERS} active users)`, cityRows.filter((c) => c.active_users >= MIN_USERS).slice(0, 15), {
    height: { step: 16 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "city", type: "nominal", sort: "-x", title: null },
      x: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { value: "#f97316" },
      tooltip: [{ field: "city" }, { field: "state" }, { field: "workouts_per_user_month", format: ".2f" }, { field: "active_users", format: "," }],
    },
  });

  return {
    id: "activity-by-location",
    title: "Activity by location",
    question: "Where are our users most active, and which regions should campaigns target?",
    headline: [
      { label: "Workouts per user per month", value: fmt.dec(overall, 2) },
      { label: "Most engaged state", value: high[0]?.state_name ?? ranked[0]?.state_name ?? "—" },
    ],
    narrative,
    charts: [map, bars, cityChart],
    table: { caption: "Engagement by state", rows: stateRows.map(({ fips: _fips, ...r }) => r) },
    rowsRead: states.length + cities.length,
    findings: { overallPerUserMonth: overall, highEngagementStates: high.map((s) => s.state), lowEngagementStates: low.map((s) => s.state) },
  };
}
