/** @module The six insights of a run, shown: what each says and draws, in reading order. */
import type { FindingsOf, InsightsRun } from "../../warehouse/insights/index.ts";
import { activityByLocationView } from "./activity-by-location.ts";
import { ageEngagementView } from "./age-engagement.ts";
import { peakWorkoutHoursView } from "./peak-hours.ts";
import { salesAndSeasonsView } from "./sales-and-seasons.ts";
import { seasonalTrendsView } from "./seasonal-trends.ts";
import { userSegmentationView } from "./segmentation.ts";
import { present, type Insight } from "./view.ts";

/** How each insight is shown, by its name in a run. */
export const VIEWS = {
  location: activityByLocationView,
  seasons: seasonalTrendsView,
  segments: userSegmentationView,
  age: ageEngagementView,
  hours: peakWorkoutHoursView,
  sales: salesAndSeasonsView,
};

/** A run with every insight shown: what the pages, the digest and the single file are made from. */
export type InsightsReport = Pick<InsightsRun, "source" | "generatedAt" | "overview" | "timings"> & { [K in keyof FindingsOf]: Insight<FindingsOf[K]> } & {
  /** The six, in reading order. */
  all: Insight[];
};

export function presentInsights(run: InsightsRun): InsightsReport {
  const location = present(VIEWS.location, run.location, run.overview);
  const seasons = present(VIEWS.seasons, run.seasons, run.overview);
  const segments = present(VIEWS.segments, run.segments, run.overview);
  const age = present(VIEWS.age, run.age, run.overview);
  const hours = present(VIEWS.hours, run.hours, run.overview);
  const sales = present(VIEWS.sales, run.sales, run.overview);
  const { source, generatedAt, overview, timings } = run;
  return { source, generatedAt, overview, timings, location, seasons, segments, age, hours, sales, all: [location, seasons, segments, age, hours, sales] };
}
