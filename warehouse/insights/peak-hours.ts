/**
 * @module Insight 5: when people work out: a weekday × hour heatmap, the peak hours overall, and the
 * best notification hour per segment (the hour its members most often start a workout).
 */
import { WEEKDAYS, chart, fmt, hourLabel, type Insight } from "./insight.ts";
import type { Segment } from "./segmentation.ts";
import type { WarehouseSource } from "./source.ts";

export type PeakHourFindings = { peakHours: number[]; hourShare: number[]; bestHourBySegment: Array<{ segment: number; name: string; bestHour: number; share: number }> };

export async function peakWorkoutHours(source: WarehouseSource, segmentation?: { labels: Map<string, number>; segments: Segment[] }): Promise<Insight<PeakHourFindings>> {
  const cells = await source.query<{ weekday: number; hour: number; workouts: number }>(`
    SELECT d.weekday AS weekday, f.time_key AS hour, COUNT(*) AS workouts
    FROM fact_activity f JOIN dim_date d ON d.date_key = f.date_key
    GROUP BY d.weekday, f.time_key
    ORDER BY d.weekday, f.time_key`);
  const total = cells.reduce((s, c) => s + c.workouts, 0);
  const byHour = Array.from({ length: 24 }, (_, h) => cells.filter((c) => c.hour === h).reduce((s, c) => s + c.workouts, 0) / total);
  const peakHours = byHour.map((share, hour) => ({ share, hour })).sort((a, b) => b.share - a.share).slice(0, 3).map((p) => p.hour);
  const byWeekday = Array.from({ length: 7 }, (_, d) => cells.filter((c) => c.weekday === d + 1).reduce((s, c) => s + c.workouts, 0));
  const busiestDay = byWeekday.indexOf(Math.max(...byWeekday));

  let bestHourBySegment: PeakHourFindings["bestHourBySegment"] = [];
  let segmentRows: Array<{ segment: string; hour: number; share: number }> = [];
  if (segmentation) {
    await source.register("insight_user_segment", { user_pseudonym: "text", segment_id: "int" }, [...segmentation.labels].map(([p, s]) => [p, s]));
    const rows = await source.query<{ segment_id: number; hour: number; workouts: number }>(`
      SELECT s.segment_id AS segment_id, f.time_key AS hour, COUNT(*) AS workouts
      FROM fact_activity f
      JOIN dim_user u ON u.user_key = f.user_key
      JOIN insight_user_segment s ON s.user_pseudonym = u.user_pseudonym
      GROUP BY s.segment_id, f.time_key
      ORDER BY s.segment_id, f.time_key`);
    bestHourBySegment = segmentation.segments.map((seg) => {
      const mine = rows.filter((r) => r.segment_id === seg.id);
      const sum = mine.reduce((s, r) => s + r.workouts, 0) || 1;
      const top = mine.reduce((a, b) => (b.workouts > a.workouts ? b : a), { hour: 12, workouts: 0, segment_id: seg.id });
      return { segment: seg.id, name: seg.name, bestHour: top.hour, share: top.workouts / sum };
    });
    const names = new Map(segmentation.segments.map((s) => [s.id, s.name]));
    const sums = new Map<number, number>();
    for (const r of rows) sums.set(r.segment_id, (sums.get(r.segment_id) ?? 0) + r.workouts);
    segmentRows = rows.map((r) => ({ segment: names.get(r.segment_id) ?? String(r.segment_id), hour: r.hour, share: Number((r.workouts / (sums.get(r.segment_id) ?? 1)).toFixed(4)) }));
  }

  const heatRows = cells.map((c) => ({ weekday: WEEKDAYS[c.weekday - 1], weekday_number: c.weekday, hour: c.hour, workouts: c.workouts }));
  const heatmap = chart("weekday-hour-heatmap", "Workouts by weekday and hour started", heatRows, {
    height: 220,
    mark: { type: "rect", tooltip: true },
    encoding: {
      x: { field: "hour", type: "ordinal", title: "Hour of day" },
      y: { field: "weekday", type: "ordinal", sort: WEEKDAYS, title: null },
      color: { field: "workouts", type: "quantitative", title: "Workouts", scale: { scheme: "viridis" } },
      tooltip: [{ field: "weekday" }, { field: "hour" }, { field: "workouts", format: "," }],
    },
  });
  const charts = [heatmap];
  if (segmentRows.length > 0) {
    charts.push(chart("segment-hours", "Share of each segment's workouts by hour", segmentRows, {
      height: 260,
      mark: { type: "line", point: true, tooltip: true },
      encoding: {
        x: { field: "hour", type: "ordinal", title: "Hour of day" },
        y: { field: "share", type: "quantitative", title: "Share of the segment's workouts", axis: { format: "%" } },
        color: { field: "segment", type: "nominal", title: "Segment" },
        tooltip: [{ field: "segment" }, { field: "hour" }, { field: "share", format: ".1%" }],
      },
    }));
  }
  const narrative = [
    `Peak workout hours: ${peakHours.map((h) => `${hourLabel(h)} (${fmt.pct(byHour[h], 1)} of workouts)`).join(", ")}. ${WEEKDAYS[busiestDay]} is the busiest day.`,
    ...(bestHourBySegment.length > 0
      ? [`Best notification hour per segment (send just before it): ${bestHourBySegment.map((b) => `${b.name} at ${hourLabel(b.bestHour)}`).join("; ")}.`]
      : []),
  ];
  return {
    id: "peak-workout-hours",
    title: "Peak workout hours",
    question: "When do users work out, and when should each segment be notified?",
    headline: [
      { label: "Peak hour", value: hourLabel(peakHours[0]) },
      { label: "Busiest day", value: WEEKDAYS[busiestDay] },
    ],
    narrative,
    charts,
    table: {
      caption: bestHourBySegment.length > 0 ? "Best notification hour per segment" : "Share of workouts by hour",
      rows: bestHourBySegment.length > 0
        ? bestHourBySegment.map((b) => ({ segment: b.name, best_hour: hourLabel(b.bestHour), share_at_that_hour: Number(b.share.toFixed(3)) }))
        : byHour.map((share, hour) => ({ hour: hourLabel(hour), share: Number(share.toFixed(4)) })),
    },
    rowsRead: cells.length,
    findings: { peakHours, hourShare: byHour, bestHourBySegment },
  };
}
