/** @module Insight 4: engagement by age band: how often, how long, and at what each band trains. */
import { AGE_BANDS } from "../../domain/vocabulary.ts";
import { chart, fmt, overview, round, type Insight } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";

export type AgeBand = {
  ageBand: string;
  /** Current users in the band; `activeUsers` counts those who logged a workout while in it. */
  users: number;
  activeUsers: number;
  workoutsPerUserMonth: number;
  meanMinutes: number;
  topActivity: string;
  /** Share of the band's workouts per activity. */
  activityMix: Record<string, number>;
};
export type AgeFindings = {
  /** Youngest first. */
  bands: AgeBand[];
  /** The bands that train most and least often, and the one with the longest sessions. */
  mostFrequent: string;
  leastFrequent: string;
  longestSessions: string;
};

const BAND_ORDER: readonly string[] = AGE_BANDS;

export async function ageEngagement(source: WarehouseSource): Promise<Insight<AgeFindings>> {
  const { months } = await overview(source);
  const totals = await source.query<{ age_band: string; workouts: number; active_users: number; minutes: number }>(`
    SELECT u.age_band AS age_band, COUNT(*) AS workouts, COUNT(DISTINCT u.user_pseudonym) AS active_users, SUM(f.duration_min) AS minutes
    FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key
    GROUP BY u.age_band
    ORDER BY u.age_band`);
  const registered = await source.query<{ age_band: string; users: number }>(
    "SELECT age_band, COUNT(*) AS users FROM dim_user WHERE is_current = TRUE GROUP BY age_band ORDER BY age_band",
  );
  const mix = await source.query<{ age_band: string; activity_type: string; workouts: number }>(`
    SELECT u.age_band AS age_band, a.activity_type AS activity_type, COUNT(*) AS workouts
    FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key JOIN dim_activity a ON a.activity_key = f.activity_key
    GROUP BY u.age_band, a.activity_type
    ORDER BY u.age_band, a.activity_type`);

  const order = (band: string) => (BAND_ORDER.indexOf(band) + 1 || 99);
  const bands: AgeBand[] = totals.sort((a, b) => order(a.age_band) - order(b.age_band)).map((t) => {
    const mine = mix.filter((m) => m.age_band === t.age_band).sort((a, b) => b.workouts - a.workouts);
    return {
      ageBand: t.age_band,
      users: registered.find((r) => r.age_band === t.age_band)?.users ?? 0,
      activeUsers: t.active_users,
      workoutsPerUserMonth: round(t.workouts / t.active_users / months, 3),
      meanMinutes: round(Number(t.minutes) / t.workouts, 1),
      topActivity: mine[0]?.activity_type ?? "—",
      activityMix: Object.fromEntries(mine.map((m) => [m.activity_type, round(m.workouts / t.workouts, 4)])),
    };
  });
  const byFrequency = [...bands].sort((a, b) => b.workoutsPerUserMonth - a.workoutsPerUserMonth);
  const findings: AgeFindings = {
    bands,
    mostFrequent: byFrequency[0].ageBand,
    leastFrequent: byFrequency[byFrequency.length - 1].ageBand,
    longestSessions: [...bands].sort((a, b) => b.meanMinutes - a.meanMinutes)[0].ageBand,
  };

  const band = (name: string) => bands.find((b) => b.ageBand === name) as AgeBand;
  const top = band(findings.mostFrequent);
  const bottom = band(findings.leastFrequent);
  const longest = band(findings.longestSessions);
  const mixRows = bands.flatMap((b) => Object.entries(b.activityMix).map(([activity, share]) => ({ age_band: b.ageBand, activity, share })));
  const rows = bands.map((b) => ({ age_band: b.ageBand, users: b.users, active_users: b.activeUsers, workouts_per_user_month: b.workoutsPerUserMonth, mean_minutes: b.meanMinutes, top_activity: b.topActivity }));
  const narrative = [
    `${top.ageBand} year-olds train most often (${fmt.dec(top.workoutsPerUserMonth, 2)} workouts per active user per month), ${fmt.dec(top.workoutsPerUserMonth / bottom.workoutsPerUserMonth, 1)}× as often as ${bottom.ageBand} (${fmt.dec(bottom.workoutsPerUserMonth, 2)}).`,
    `The longest sessions are in the ${longest.ageBand} band (${fmt.dec(longest.meanMinutes, 0)} minutes on average).`,
    `Favourite activity by band: ${bands.map((b) => `${b.ageBand} ${b.topActivity}`).join(", ")}.`,
  ];
  const frequency = chart("age-frequency", "Workouts per active user per month, by age band", rows, {
    height: 240,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "age_band", type: "ordinal", sort: BAND_ORDER, title: "Age band" },
      y: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { value: "#2563eb" },
      tooltip: [{ field: "age_band" }, { field: "workouts_per_user_month", format: ".2f" }, { field: "mean_minutes", format: ".0f" }, { field: "active_users", format: "," }],
    },
  });
  const duration = chart("age-duration", "Mean workout duration (minutes), by age band", rows, {
    height: 200,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "age_band", type: "ordinal", sort: BAND_ORDER, title: "Age band" },
      y: { field: "mean_minutes", type: "quantitative", title: "Minutes" },
      color: { value: "#0d9488" },
      tooltip: [{ field: "age_band" }, { field: "mean_minutes", format: ".1f" }],
    },
  });
  const mixChart = chart("age-activity-mix", "Activity mix by age band", mixRows, {
    height: 220,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "age_band", type: "ordinal", sort: BAND_ORDER, title: "Age band" },
      y: { field: "share", type: "quantitative", stack: "normalize", title: "Share of workouts", axis: { format: "%" } },
      color: { field: "activity", type: "nominal", title: "Activity", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "age_band" }, { field: "activity" }, { field: "share", format: ".1%" }],
    },
  });
  return {
    id: "age-engagement",
    title: "Age-based engagement",
    question: "How do frequency, duration and activity choice change with age?",
    headline: [{ label: "Most active age band", value: top.ageBand }],
    narrative,
    charts: [frequency, duration, mixChart],
    table: { caption: "Engagement by age band", rows },
    rowsRead: totals.length + registered.length + mix.length,
    findings,
  };
}
