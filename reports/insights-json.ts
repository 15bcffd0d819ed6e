/**
 * @module The six insights' findings as one JSON document: printed by `nike report --json` and written
 * into the site as `data/insights.json`. It is built from the findings alone (no chart is drawn), with
 * the narratives written from them; its shape is documented in the README ("Findings as JSON") and versioned.
 */
import type { LocationFindings, StateEngagement } from "../warehouse/insights/activity-by-location.ts";
import type { AgeFindings } from "../warehouse/insights/age-engagement.ts";
import type { RunFindings } from "../warehouse/insights/index.ts";
import { round, type Computed, type Overview } from "../warehouse/insights/insight.ts";
import type { HourProfile } from "../warehouse/insights/peak-hours.ts";
import type { SalesFindings } from "../warehouse/insights/sales-and-seasons.ts";
import type { SeasonFindings } from "../warehouse/insights/seasonal-trends.ts";
import type { Segment } from "../warehouse/insights/segmentation.ts";
import { VIEWS } from "./insights/index.ts";
import type { View } from "./insights/view.ts";

/** Raised when a field is removed or renamed or changes meaning; added fields keep the version. */
export const INSIGHTS_SCHEMA_VERSION = 1;

/** The units every figure of that name is in, stated in the document itself. */
const UNITS = {
  workoutsPerUserMonth: "workouts per active user per month (a month is 30.44 days)",
  minutesPerUserMonth: "workout minutes per active user per month",
  vsAverage: "difference from the average workouts per user per month, as a fraction (0.25 = 25% above)",
  share: "fraction (0 to 1) of the workouts, or users, counted",
  hour: "hour of day a workout started, 0 to 23",
  month: "calendar month, 1 = January to 12 = December",
  weekday: "1 = Monday to 7 = Sunday",
  seasonalIndex: "a month's workouts against the growth trend (1 = on trend)",
  workoutsPerWeek: "workouts per user per week",
  meanMinutes: "mean workout duration in minutes",
  meanIntensity: "mean workout intensity, 1 = low, 2 = moderate, 3 = high",
  salesIndex: "a calendar month's share of a year's units sold, over 1/12 (1 = an average month)",
  activityIndex: "a calendar month's share of a year's workouts, over 1/12 (1 = an average month)",
  salesPeakDay: "day of the year a product line's sales peak, 0 = January 1st (a 365.25-day year)",
  activityPeakDay: "day of the year a sport's workouts peak, 0 = January 1st (a 365.25-day year)",
  leadWeeks: "weeks from a product line's sales peak to its sport's activity peak (negative: sales peak after)",
  onTimeRate: "fraction (0 to 1) of delivered inbound shipments that arrived on or before the promised day",
} as const;

/** The segment profile fields the document carries, named one by one so that the segmentation's own types can change without changing this document unseen. */
const SEGMENT_FIELDS = ["id", "name", "size", "share", "workoutsPerWeek", "meanIntensity", "medianAgeBand", "topGoal", "topShopping", "topTier", "activityMix", "spendPerOrder", "topChannel", "traits", "purchaseLift", "recommended"] as const;
type SegmentProfile = Pick<Segment, (typeof SEGMENT_FIELDS)[number]>;

type About = { title: string; question: string; narrative: string[] };
type Hour = { hour: number; share: number };
type Hours = { workouts: number; peakHours: Hour[]; hourShare: number[] };

export type InsightsDocument = {
  schemaVersion: typeof INSIGHTS_SCHEMA_VERSION;
  generatedAt: string;
  dataAsOf: string;
  source: "lake" | "mysql";
  period: { firstDate: string; lastDate: string; months: number };
  totals: { workouts: number; activeUsers: number; customers: number; appUserShare: number; workoutsPerActiveUserWeek: number; minutes: number };
  units: typeof UNITS;
  insights: {
    "activity-by-location": About & Omit<LocationFindings, "highEngagementStates" | "lowEngagementStates"> & { highEngagementStates: StateEngagement[]; lowEngagementStates: StateEngagement[] };
    "seasonal-trends": About & SeasonFindings;
    "user-segmentation": About & { k: number; silhouette: Array<{ k: number; score: number; se: number }>; features: string[]; users: number; usersWithoutWorkouts: number; segments: SegmentProfile[] };
    "age-engagement": About & AgeFindings;
    "peak-workout-hours": About & Hours & { busiestWeekday: number; weekdayShare: number[]; segments: Array<Hours & { id: number; name: string; bestHour: number; shareAtBestHour: number }> };
    "sales-and-seasons": About & SalesFindings;
  };
};

const about = <F>(view: View<Computed<F>>, findings: F, overview: Overview): About => ({ title: view.title, question: view.question, narrative: view.summary(findings, overview).narrative });
const hours = (p: HourProfile): Hours => ({ workouts: p.workouts, peakHours: p.peakHours.map((hour) => ({ hour, share: p.hourShare[hour] })), hourShare: p.hourShare });

export function insightsDocument(run: RunFindings): InsightsDocument {
  const { overview: o, location, seasons, segments, age, hours: peak, sales } = run;
  const states = new Map(location.findings.states.map((s) => [s.state, s]));
  const named = (codes: string[]) => codes.map((code) => states.get(code) as StateEngagement);
  const { k, silhouette, features, labels, usersWithoutWorkouts } = segments.findings;
  return {
    schemaVersion: INSIGHTS_SCHEMA_VERSION,
    generatedAt: run.generatedAt,
    dataAsOf: o.latestWorkout,
    source: run.source,
    period: { firstDate: o.firstDate, lastDate: o.lastDate, months: round(o.months, 2) },
    totals: { workouts: o.workouts, activeUsers: o.activeUsers, customers: o.customers, appUserShare: o.appUserShare, workoutsPerActiveUserWeek: o.workoutsPerActiveUserWeek, minutes: Math.round(o.minutes) },
    units: UNITS,
    insights: {
      "activity-by-location": {
        ...about(VIEWS.location, location.findings, o),
        ...location.findings,
        highEngagementStates: named(location.findings.highEngagementStates),
        lowEngagementStates: named(location.findings.lowEngagementStates),
      },
      "seasonal-trends": { ...about(VIEWS.seasons, seasons.findings, o), ...seasons.findings },
      "user-segmentation": {
        ...about(VIEWS.segments, segments.findings, o),
        k,
        silhouette,
        features,
        users: labels.size,
        usersWithoutWorkouts,
        segments: segments.findings.segments.map((s) => Object.fromEntries(SEGMENT_FIELDS.map((field) => [field, s[field]])) as SegmentProfile),
      },
      "age-engagement": { ...about(VIEWS.age, age.findings, o), ...age.findings },
      "peak-workout-hours": {
        ...about(VIEWS.hours, peak.findings, o),
        ...hours(peak.findings),
        busiestWeekday: peak.findings.busiestWeekday,
        weekdayShare: peak.findings.weekdayShare,
        segments: peak.findings.bestHourBySegment.map((b) => ({ id: b.segment, name: b.name, bestHour: b.bestHour, shareAtBestHour: b.share, ...hours(b) })),
      },
      "sales-and-seasons": { ...about(VIEWS.sales, sales.findings, o), ...sales.findings },
    },
  };
}

/** The document as written to the site and to stdout: indented, with a final newline. */
export const insightsJson = (run: RunFindings): string => `${JSON.stringify(insightsDocument(run), null, 2)}\n`;
