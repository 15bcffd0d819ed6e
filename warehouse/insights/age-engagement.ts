/** @module Insight 4: engagement by age band: how often, how long, and at what each band trains. */
import { AGE_BANDS } from "../../domain/vocabulary.ts";
import { overview, round, type Computed } from "./insight.ts";
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

export async function ageEngagement(source: WarehouseSource): Promise<Computed<AgeFindings>> {
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
  return { findings, rowsRead: totals.length + registered.length + mix.length };
}
