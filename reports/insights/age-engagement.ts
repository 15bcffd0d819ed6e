/** @module How age-based engagement is shown: who trains most often and longest, and charts of frequency, duration and activity mix per age band. */
import { AGE_BANDS } from "../../domain/vocabulary.ts";
import type { AgeBand, AgeFindings } from "../../warehouse/insights/age-engagement.ts";
import { fmt, type Computed } from "../../warehouse/insights/insight.ts";
import { chart, type Chart, type Summary, type View } from "./view.ts";

const BAND_ORDER: readonly string[] = AGE_BANDS;

/** One row per band: the table, and the frequency and duration charts. */
const bandRows = (bands: AgeBand[]) =>
  bands.map((b) => ({ age_band: b.ageBand, users: b.users, active_users: b.activeUsers, workouts_per_user_month: b.workoutsPerUserMonth, mean_minutes: b.meanMinutes, top_activity: b.topActivity }));

function summary(findings: AgeFindings): Summary {
  const band = (name: string) => findings.bands.find((b) => b.ageBand === name) as AgeBand;
  const top = band(findings.mostFrequent);
  const bottom = band(findings.leastFrequent);
  const longest = band(findings.longestSessions);
  return {
    headline: [{ label: "Most active age band", value: top.ageBand }],
    narrative: [
      `${top.ageBand} year-olds train most often (${fmt.dec(top.workoutsPerUserMonth, 2)} workouts per active user per month), ${fmt.dec(top.workoutsPerUserMonth / bottom.workoutsPerUserMonth, 1)}× as often as ${bottom.ageBand} (${fmt.dec(bottom.workoutsPerUserMonth, 2)}).`,
      `The longest sessions are in the ${longest.ageBand} band (${fmt.dec(longest.meanMinutes, 0)} minutes on average).`,
      `Favourite activity by band: ${findings.bands.map((b) => `${b.ageBand} ${b.topActivity}`).join(", ")}.`,
    ],
    table: { caption: "Engagement by age band", rows: bandRows(findings.bands) },
  };
}

function charts({ findings: { bands } }: Computed<AgeFindings>): Chart[] {
  const rows = bandRows(bands);
  const mixRows = bands.flatMap((b) => Object.entries(b.activityMix).map(([activity, share]) => ({ age_band: b.ageBand, activity, share })));
  const ageBand = { field: "age_band", type: "ordinal", sort: BAND_ORDER, title: "Age band" };
  const frequency = chart("age-frequency", "Workouts per active user per month, by age band", rows, {
    height: 240,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: ageBand,
      y: { field: "workouts_per_user_month", type: "quantitative", title: "Workouts per active user per month" },
      color: { value: "#2563eb" },
      tooltip: [{ field: "age_band" }, { field: "workouts_per_user_month", format: ".2f" }, { field: "mean_minutes", format: ".0f" }, { field: "active_users", format: "," }],
    },
  });
  const duration = chart("age-duration", "Mean workout duration (minutes), by age band", rows, {
    height: 200,
    mark: { type: "bar", tooltip: true },
    encoding: { x: ageBand, y: { field: "mean_minutes", type: "quantitative", title: "Minutes" }, color: { value: "#0d9488" }, tooltip: [{ field: "age_band" }, { field: "mean_minutes", format: ".1f" }] },
  });
  const mix = chart("age-activity-mix", "Activity mix by age band", mixRows, {
    height: 220,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: ageBand,
      y: { field: "share", type: "quantitative", stack: "normalize", title: "Share of workouts", axis: { format: "%" } },
      color: { field: "activity", type: "nominal", title: "Activity", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "age_band" }, { field: "activity" }, { field: "share", format: ".1%" }],
    },
  });
  return [frequency, duration, mix];
}

export const ageEngagementView: View<Computed<AgeFindings>> = {
  id: "age-engagement",
  title: "Age-based engagement",
  question: "How do frequency, duration and activity choice change with age?",
  summary,
  charts,
};
