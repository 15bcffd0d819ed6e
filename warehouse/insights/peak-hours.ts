/**
 * @module Insight 5: when people work out: workouts per weekday and hour, the peak hours overall, and
 * each segment's peak hours and best notification hour (the hour its members most often start a workout).
 */
import { round, type Computed } from "./insight.ts";
import type { Segment } from "./segmentation.ts";
import type { WarehouseSource } from "./source.ts";

/** How many of the busiest hours count as peak hours. */
const PEAK_HOURS = 3;

/** Hours are 0–23 (the hour a workout started); shares are fractions of the workouts counted, to 4 decimals. */
export type HourProfile = { workouts: number; peakHours: number[]; hourShare: number[] };
export type SegmentHours = HourProfile & { segment: number; name: string; bestHour: number; share: number };
export type PeakHourFindings = HourProfile & {
  /** 1 = Monday … 7 = Sunday. */
  busiestWeekday: number;
  weekdayShare: number[];
  /** One entry per segment whose members logged workouts, in the segmentation's order. */
  bestHourBySegment: SegmentHours[];
};

type Cell = { segment_id: number | null; weekday: number; hour: number; workouts: number };

const SEGMENT_TABLE = "insight_user_segment";

/** Workouts per hour of day: the share of each hour and the busiest hours, busiest first (ties: the earlier hour). */
function hourProfile(counts: number[]): HourProfile {
  const workouts = counts.reduce((a, b) => a + b, 0);
  const hourShare = counts.map((n) => round(n / workouts, 4));
  const peakHours = counts.map((n, hour) => ({ n, hour })).sort((a, b) => b.n - a.n).slice(0, PEAK_HOURS).map((p) => p.hour);
  return { workouts, peakHours, hourShare };
}

/** The findings, and the workouts per weekday (Monday first) and hour that the heatmap shows. */
export type ComputedHours = Computed<PeakHourFindings> & { heat: number[][] };

export async function peakWorkoutHours(source: WarehouseSource, segmentation?: { labels: Map<string, number>; segments: Segment[] }): Promise<ComputedHours> {
  // One pass over the facts: workouts per segment, weekday and hour; the overall figures are sums of these cells.
  if (segmentation) await source.register(SEGMENT_TABLE, { user_pseudonym: "text", segment_id: "int" }, [...segmentation.labels]);
  const cells = await source.query<Cell>(`
    SELECT ${segmentation ? "s.segment_id" : "NULL"} AS segment_id, d.weekday AS weekday, f.time_key AS hour, COUNT(*) AS workouts
    FROM fact_activity f
    JOIN dim_date d ON d.date_key = f.date_key
    ${segmentation ? `JOIN dim_user u ON u.user_key = f.user_key LEFT JOIN ${SEGMENT_TABLE} s ON s.user_pseudonym = u.user_pseudonym` : ""}
    GROUP BY ${segmentation ? "s.segment_id, " : ""}d.weekday, f.time_key`);

  const heat = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const bySegment = new Map<number, number[]>();
  for (const c of cells) {
    heat[c.weekday - 1][c.hour] += c.workouts;
    if (c.segment_id === null) continue;
    const counts = bySegment.get(c.segment_id) ?? new Array<number>(24).fill(0);
    counts[c.hour] += c.workouts;
    bySegment.set(c.segment_id, counts);
  }
  const overall = hourProfile(Array.from({ length: 24 }, (_, h) => heat.reduce((s, day) => s + day[h], 0)));
  const byWeekday = heat.map((day) => day.reduce((a, b) => a + b, 0));
  const findings: PeakHourFindings = {
    ...overall,
    busiestWeekday: byWeekday.indexOf(Math.max(...byWeekday)) + 1,
    weekdayShare: byWeekday.map((n) => round(n / overall.workouts, 4)),
    bestHourBySegment: (segmentation?.segments ?? []).flatMap((seg) => {
      const counts = bySegment.get(seg.id);
      if (!counts) return [];
      const profile = hourProfile(counts);
      return [{ segment: seg.id, name: seg.name, ...profile, bestHour: profile.peakHours[0], share: profile.hourShare[profile.peakHours[0]] }];
    }),
  };
  return { findings, heat, rowsRead: cells.length };
}
