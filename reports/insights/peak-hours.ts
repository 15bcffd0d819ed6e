/** @module How peak workout hours are shown: the peak hours and busiest day, each segment's best notification hour, a weekday × hour heatmap and each segment's hours. */
import { WEEKDAYS, fmt, hourLabel } from "../../warehouse/insights/insight.ts";
import type { ComputedHours, HourProfile, PeakHourFindings, SegmentHours } from "../../warehouse/insights/peak-hours.ts";
import { chart, type Chart, type Summary, type View } from "./view.ts";

const hoursRow = (segment: string, p: HourProfile) => ({
  segment, workouts: p.workouts, peak_hours: p.peakHours.map(hourLabel).join(", "), best_hour: hourLabel(p.peakHours[0]), share_at_best_hour: p.hourShare[p.peakHours[0]],
});

function summary(findings: PeakHourFindings): Summary {
  const { peakHours, hourShare, busiestWeekday, bestHourBySegment } = findings;
  return {
    headline: [
      { label: "Peak hour", value: hourLabel(peakHours[0]) },
      { label: "Busiest day", value: WEEKDAYS[busiestWeekday - 1] },
    ],
    narrative: [
      `Peak workout hours: ${peakHours.map((h) => `${hourLabel(h)} (${fmt.pct(hourShare[h], 1)} of workouts)`).join(", ")}. ${WEEKDAYS[busiestWeekday - 1]} is the busiest day.`,
      ...(bestHourBySegment.length > 0
        ? [`Best notification hour per segment (send just before it): ${bestHourBySegment.map((b) => `${b.name} at ${hourLabel(b.bestHour)}`).join("; ")}.`]
        : []),
    ],
    table: { caption: "Peak hours (busiest first), overall and per segment", rows: [hoursRow("All users", findings), ...bestHourBySegment.map((b) => hoursRow(b.name, b))] },
  };
}

function heatmap(heat: number[][]): Chart {
  const rows = heat.flatMap((day, d) => day.map((workouts, hour) => ({ weekday: WEEKDAYS[d], weekday_number: d + 1, hour, workouts })).filter((r) => r.workouts > 0));
  return chart("weekday-hour-heatmap", "Workouts by weekday and hour started", rows, {
    height: 220,
    mark: { type: "rect", tooltip: true },
    encoding: {
      x: { field: "hour", type: "ordinal", title: "Hour of day" },
      y: { field: "weekday", type: "ordinal", sort: WEEKDAYS, title: null },
      color: { field: "workouts", type: "quantitative", title: "Workouts", scale: { scheme: "viridis" } },
      tooltip: [{ field: "weekday" }, { field: "hour" }, { field: "workouts", format: "," }],
    },
  });
}

function segmentHours(segments: SegmentHours[]): Chart {
  const rows = segments.flatMap((b) => b.hourShare.map((share, hour) => ({ segment: b.name, hour, share })));
  return chart("segment-hours", "Share of each segment's workouts by hour", rows, {
    height: 260,
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "hour", type: "ordinal", title: "Hour of day" },
      y: { field: "share", type: "quantitative", title: "Share of the segment's workouts", axis: { format: "%" } },
      color: { field: "segment", type: "nominal", title: "Segment" },
      tooltip: [{ field: "segment" }, { field: "hour" }, { field: "share", format: ".1%" }],
    },
  });
}

export const peakWorkoutHoursView: View<ComputedHours> = {
  id: "peak-workout-hours",
  title: "Peak workout hours",
  question: "When do users work out, and when should each segment be notified?",
  summary,
  charts: ({ findings, heat }) => [heatmap(heat), ...(findings.bestHourBySegment.length > 0 ? [segmentHours(findings.bestHourBySegment)] : [])],
};
