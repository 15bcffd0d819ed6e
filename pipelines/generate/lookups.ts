/**
 * @module Lookup tables that turn the planted model into SQL joins. A categorical draw becomes an
 * equality join on a bucket number: bucket b of B maps to the category whose cumulative weight
 * covers (b + 0.5) / B, so vectorised SQL samples any distribution with one hash and one join.
 */
import { STATE_TIME_ZONES } from "../../domain/time-zones.ts";
import type { DuckDB } from "../../lib/duckdb.ts";
import { CITIES, STATES } from "./places.ts";
import { ACTIVITIES, AGE_BANDS, GOALS, SALES_CHANNELS, SHOPPING, TIERS } from "../../domain/vocabulary.ts";
import {
  ACTIVITY_SEASONS, AGE_BAND_MULTIPLIER, HISTORY, PURCHASE_BASELINE, SEGMENT_AGE, SEGMENT_PURCHASES, SEGMENTS, STATE_MULTIPLIER, WEEKDAY_WEIGHT,
  historyWindow, hourWeights, monthWeight, salesWeight, segmentAgeMultiplier,
} from "./model.ts";

/** Bucket counts: fine enough that quantisation error stays well under the planted effects. */
export const B = 1000;
export const DAY_B = 16384;

/** For each of `buckets` buckets, the index of the weight whose cumulative share covers its midpoint. */
export function inverseCdf(weights: readonly number[], buckets: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let i = 0;
  let cum = weights[0] / total;
  for (let b = 0; b < buckets; b++) {
    const target = (b + 0.5) / buckets;
    while (cum < target && i < weights.length - 1) cum += weights[++i] / total;
    out.push(i);
  }
  return out;
}

/**
 * `name` (activity_id, b, value): for each activity, its distribution over the days of the history
 * (`weights[activity][day]`) as `DAY_B` buckets of day indexes, the inverse CDF computed in DuckDB
 * (an ASOF join of each bucket's midpoint on the cumulative share), as `inverseCdf` does.
 */
async function dayBuckets(db: DuckDB, name: string, weights: number[][]): Promise<void> {
  await db.table(`${name}_weights`, weights.flatMap((w, activity_id) => w.map((weight, day_idx) => ({ activity_id, day_idx, weight }))));
  await db.run(`
    CREATE OR REPLACE TABLE ${name} AS
    WITH cdf AS (
      SELECT activity_id, day_idx, sum(weight) OVER (PARTITION BY activity_id ORDER BY day_idx) / sum(weight) OVER (PARTITION BY activity_id) AS cum
      FROM ${name}_weights
    ),
    buckets AS (SELECT a.activity_id, r.b::INT AS b, (r.b + 0.5) / ${DAY_B} AS target FROM (SELECT DISTINCT activity_id FROM cdf) a, range(${DAY_B}) r(b))
    SELECT b.activity_id, b.b, c.day_idx AS value FROM buckets b ASOF JOIN cdf c ON b.activity_id = c.activity_id AND b.target <= c.cum
    ORDER BY b.activity_id, b.b`);
  await db.run(`DROP TABLE ${name}_weights`);
}

/** Rows (key..., b, value) for one categorical distribution per key. */
function bucketRows<K extends Record<string, number>>(key: K, weights: readonly number[], buckets = B) {
  return inverseCdf(weights, buckets).map((value, b) => ({ ...key, b, value }));
}

export const ageBandRange = (band: string): [number, number] =>
  band === "65+" ? [65, 85] : (band.split("-").map(Number) as [number, number]);

/** Every day of the history ending on `until`, with its month and ISO weekday. */
export function historyDays(until: string): Array<{ date: string; month: number; isoDow: number; years: number; dayOfYear: number }> {
  const days = [];
  const { start: first, end: last } = historyWindow(until);
  const start = new Date(`${first}T00:00:00Z`);
  const end = new Date(`${last}T00:00:00Z`);
  for (let t = start.getTime(); t <= end.getTime(); t += 86_400_000) {
    const d = new Date(t);
    days.push({
      date: d.toISOString().slice(0, 10),
      month: d.getUTCMonth() + 1,
      isoDow: ((d.getUTCDay() + 6) % 7) + 1,
      years: (t - start.getTime()) / (365.25 * 86_400_000),
      dayOfYear: (t - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000,
    });
  }
  return days;
}

/** The population-weighted mean state multiplier: dividing by it keeps the mean rate at the planted one. */
export const MEAN_STATE_MULTIPLIER =
  CITIES.reduce((sum, [, state, population]) => sum + population * (STATE_MULTIPLIER[state] ?? 1), 0) / CITIES.reduce((sum, c) => sum + c[2], 0);

const pick = <T extends string>(shares: Partial<Record<T, number>>, names: readonly T[]) => names.map((n) => shares[n] ?? 0);

/** Creates every lookup table the generator's SQL joins against, for the history ending on `until`. */
export async function createLookups(db: DuckDB, until: string): Promise<void> {
  await db.table("states", Object.entries(STATES).map(([code, s]) => ({ state: code, state_name: s.name, region: s.region, multiplier: STATE_MULTIPLIER[code] ?? 1 })));
  await db.table("cities", CITIES.map(([city, state, population], i) => ({ city_id: i + 1, city, state, population })));
  await db.table("city_bucket", bucketRows({}, CITIES.map((c) => c[2]), 4096).map(({ b, value }) => ({ b, city_id: value + 1 })));
  await db.table("segments", SEGMENTS.map((s, i) => ({ segment_id: i, segment: s.name, workouts_per_week: s.workoutsPerWeek, age_norm: segmentAgeMultiplier(s.name), effort: s.effort, hr_shift: s.hrShift })));
  await db.table("state_zones", Object.entries(STATE_TIME_ZONES).map(([state, time_zone]) => ({ state, time_zone })));
  await db.table("segment_bucket", bucketRows({}, SEGMENTS.map((s) => s.share)).map(({ b, value }) => ({ b, segment_id: value })));
  await db.table("age_bands", AGE_BANDS.map((band, i) => {
    const [lo, hi] = ageBandRange(band);
    return { age_band_id: i, age_band: band, min_age: lo, max_age: hi, multiplier: AGE_BAND_MULTIPLIER[band] };
  }));
  await db.table("activities", ACTIVITIES.map((a, i) => ({ activity_id: i, activity: a.name, category: a.category, intensity: a.intensity, minutes: a.minutes, kmh: a.kmh, met: a.met })));

  const perSegment = (f: (s: (typeof SEGMENTS)[number], segmentId: number) => Array<Record<string, number>>) => SEGMENTS.flatMap(f);
  await db.table("age_bucket", perSegment((s, id) => bucketRows({ segment_id: id }, SEGMENT_AGE[s.name])));
  await db.table("activity_bucket", perSegment((s, id) => bucketRows({ segment_id: id }, pick(s.mix, ACTIVITIES.map((a) => a.name)))));
  await db.table("goal_bucket", perSegment((s, id) => bucketRows({ segment_id: id }, pick(s.goals, GOALS))));
  await db.table("shopping_bucket", perSegment((s, id) => bucketRows({ segment_id: id }, pick(s.shopping, SHOPPING))));
  await db.table("tier_bucket", perSegment((s, id) => bucketRows({ segment_id: id }, pick(s.tiers, TIERS))));
  await db.table("hour_bucket", perSegment((s, id) => [
    ...bucketRows({ segment_id: id, weekend: 0 }, hourWeights(s.hours.weekday)),
    ...bucketRows({ segment_id: id, weekend: 1 }, hourWeights(s.hours.weekend)),
  ]));
  // App sessions peak in the morning commute, at lunch and in the evening.
  await db.table("session_hour_bucket", bucketRows({}, hourWeights([21, 8]).map((w, h) => w + (h === 12 ? 0.6 : 0))));
  await db.table("goal_names", GOALS.map((g, i) => ({ id: i, goal: g })));
  await db.table("shopping_names", SHOPPING.map((g, i) => ({ id: i, name: g })));
  await db.table("tier_names", TIERS.map((g, i) => ({ id: i, name: g })));

  const days = historyDays(until);
  await db.table("days", days.map((d, i) => ({ day_idx: i, day: d.date, weekend: d.isoDow >= 6 ? 1 : 0 })));
  await db.run("CREATE OR REPLACE TABLE days AS SELECT day_idx, day::DATE AS day, weekend FROM days");
  // The UTC instant each local hour of the history starts at, per zone: US zones change offset only on the
  // hour, so a local time within the hour is this plus its seconds. A join, not a zone conversion per row.
  await db.run(`CREATE OR REPLACE TABLE zone_hours AS
    SELECT z.time_zone, d.day_idx, h.hour::INT AS hour, timezone('UTC', timezone(z.time_zone, d.day + to_hours(h.hour::INT))) AS utc_start
    FROM (SELECT DISTINCT time_zone FROM state_zones) z, days d, range(24) h(hour)`);
  const growth = (d: (typeof days)[number]) => WEEKDAY_WEIGHT[d.isoDow - 1] * (1 + HISTORY.yearlyGrowth) ** d.years;
  await dayBuckets(db, "day_bucket", ACTIVITIES.map((a) => days.map((d) => monthWeight(ACTIVITY_SEASONS[a.name].peakMonth, ACTIVITY_SEASONS[a.name].kappa, d.month) * growth(d))));

  await createPurchaseLookups(db, days);
}

/**
 * What purchases join against: each segment's sport mix (`segment_id` -1 is the population's, for
 * shoppers who are not members), its channel mix, its spend, and the day a sport's products sell on,
 * over the whole history (`sale_day_bucket`) and over the history less its last two weeks
 * (`order_day_bucket`: orders then have time to ship).
 */
async function createPurchaseLookups(db: DuckDB, days: ReturnType<typeof historyDays>): Promise<void> {
  const sports = ACTIVITIES.map((a) => a.name);
  const mix = (s: (typeof SEGMENTS)[number]) => sports.map((sport) => (SEGMENT_PURCHASES[s.name].sports[sport] ?? 0) + PURCHASE_BASELINE);
  const population = sports.map((_, c) => SEGMENTS.reduce((sum, s) => sum + s.share * (mix(s)[c] / mix(s).reduce((a, b) => a + b, 0)), 0));
  await db.table("sport_bucket", [...SEGMENTS.flatMap((s, id) => bucketRows({ segment_id: id }, mix(s))), ...bucketRows({ segment_id: -1 }, population)]);
  await db.table("channel_bucket", SEGMENTS.flatMap((s, id) => bucketRows({ segment_id: id }, SALES_CHANNELS.map((c) => SEGMENT_PURCHASES[s.name].channels[c]))));
  await db.table("channel_names", SALES_CHANNELS.map((channel, id) => ({ id, channel })));
  await db.table("segment_spend", SEGMENTS.map((s, id) => ({ segment_id: id, spend: SEGMENT_PURCHASES[s.name].spend })));
  const weights = sports.map((sport) => days.map((d) => salesWeight(sport, d.dayOfYear) * WEEKDAY_WEIGHT[d.isoDow - 1] * (1 + HISTORY.yearlyGrowth) ** d.years));
  await dayBuckets(db, "sale_day_bucket", weights);
  await dayBuckets(db, "order_day_bucket", weights.map((w) => w.slice(0, -14)));
}
