/**
 * @module All six insights in one pass over the warehouse, in dependency order (segments before peak
 * hours): their findings, and the rows their charts need. Shown by `reports/insights/`.
 */
import type { Config } from "../../lib/config.ts";
import { log } from "../../lib/progress.ts";
import { activityByLocation, type ComputedLocation, type LocationFindings } from "./activity-by-location.ts";
import { ageEngagement, type AgeFindings } from "./age-engagement.ts";
import { overview, type Computed, type Overview } from "./insight.ts";
import { peakWorkoutHours, type ComputedHours, type PeakHourFindings } from "./peak-hours.ts";
import { salesAndSeasons, type ComputedSales, type SalesFindings } from "./sales-and-seasons.ts";
import { seasonalTrends, type ComputedSeasons, type SeasonFindings } from "./seasonal-trends.ts";
import { userSegmentation, type SegmentFindings } from "./segmentation.ts";
import { openSource } from "./source.ts";

export type InsightsRun = {
  source: "lake" | "mysql";
  generatedAt: string;
  overview: Overview;
  location: ComputedLocation;
  seasons: ComputedSeasons;
  segments: Computed<SegmentFindings>;
  age: Computed<AgeFindings>;
  hours: ComputedHours;
  sales: ComputedSales;
  /** Seconds per insight. */
  timings: Record<string, number>;
};

/** Each insight's findings, by its name in a run. */
export type FindingsOf = { location: LocationFindings; seasons: SeasonFindings; segments: SegmentFindings; age: AgeFindings; hours: PeakHourFindings; sales: SalesFindings };

/**
 * What each insight reads from the warehouse, by its name in a run, and the insights whose findings
 * it takes: the lineage the data docs draw from marts to insights. `reads.test.ts` runs every insight
 * and checks this against the tables its SQL names, so it cannot drift.
 */
export const INSIGHT_READS: { [K in keyof FindingsOf]: { marts: string[]; insights: Array<keyof FindingsOf> } } = {
  location: { marts: ["fact_activity", "dim_user", "dim_location"], insights: [] },
  seasons: { marts: ["fact_activity", "dim_activity", "dim_date"], insights: [] },
  segments: { marts: ["fact_activity", "dim_user", "dim_activity", "dim_fitness_goal", "fact_order_line", "fact_store_sale", "dim_product"], insights: [] },
  age: { marts: ["fact_activity", "dim_user", "dim_activity"], insights: [] },
  hours: { marts: ["fact_activity", "dim_user", "dim_date"], insights: ["segments"] },
  sales: { marts: ["fact_order_line", "fact_store_sale", "dim_product", "fact_activity", "dim_activity", "fact_inbound_shipment", "dim_vendor"], insights: [] },
};

/** The tables `nike report` writes back to the warehouse (`publish-segments.ts`), and the insights they come from. */
export const INSIGHT_WRITES: Record<string, Array<keyof FindingsOf>> = {
  user_segment: ["segments", "hours"],
  segment_profile: ["segments", "hours"],
};

/** A run as the JSON document and the app read it: the overview and each insight's findings, nothing drawn. */
export type RunFindings = Pick<InsightsRun, "source" | "generatedAt" | "overview"> & { [K in keyof FindingsOf]: { findings: FindingsOf[K] } };

export async function runInsights(config: Config, { source: kind = "lake", seed = 42 }: { source?: "lake" | "mysql"; seed?: number } = {}): Promise<InsightsRun> {
  const source = await openSource(config, kind);
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[name] = (performance.now() - started) / 1000;
    log(`insights: ${name} in ${timings[name].toFixed(2)} s`);
    return result;
  };
  try {
    const summary = await overview(source);
    const location = await timed("activity by location", () => activityByLocation(source));
    const seasons = await timed("seasonal trends", () => seasonalTrends(source));
    const segments = await timed("user segmentation", () => userSegmentation(source, { seed }));
    const age = await timed("age-based engagement", () => ageEngagement(source));
    const hours = await timed("peak workout hours", () => peakWorkoutHours(source, segments.findings));
    const sales = await timed("sales and seasons", () => salesAndSeasons(source));
    return { source: kind, generatedAt: new Date().toISOString(), overview: summary, location, seasons, segments, age, hours, sales, timings };
  } finally {
    await source.close();
  }
}
