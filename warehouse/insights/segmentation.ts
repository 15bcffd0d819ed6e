/**
 * @module Insight 3: k-means segments of the users who log workouts, on standardised features
 * (shopping preference, fitness goal, workouts per week, mean intensity, activity mix, age, membership
 * tier, and what they buy: product-line mix, spend per order, channel mix). k is the smallest across
 * 2..8 whose silhouette is within noise of the best; each segment is profiled, named from its traits,
 * and recommended the product lines its members buy more than the average customer (purchase lift).
 */
import { SALES_CHANNELS } from "../../domain/vocabulary.ts";
import { sqlText } from "../../lib/duckdb.ts";
import { fmt, overview, round, type Computed } from "./insight.ts";
import { chooseK, kmeans, silhouetteCurve, standardise, type KMeansResult, type Matrix, type SilhouetteCurve } from "./kmeans.ts";
import type { Row, WarehouseSource } from "./source.ts";

/**
 * A product line's purchases by a segment's members against the average customer's: `lift` is its
 * share of the members' purchase lines over its share of every customer's, `support` the members who
 * bought it, `share` its share of the members' purchase lines.
 */
export type PurchaseLift = { category: string; lift: number; support: number; share: number };

/** A segment is recommended a product line its members buy more of than the average customer, bought by at least this many of them. */
export const MIN_SUPPORT = 10;
/** Recommendations per segment, highest lift first. */
const RECOMMENDATIONS = 3;

export type Segment = {
  id: number;
  name: string;
  size: number;
  share: number;
  workoutsPerWeek: number;
  meanIntensity: number;
  medianAgeBand: string;
  topGoal: string;
  topShopping: string;
  topTier: string;
  activityMix: Record<string, number>;
  /** Mean net amount of the members' orders. */
  spendPerOrder: number;
  topChannel: string;
  traits: string[];
  /** Every product line the members bought, highest lift first. */
  purchaseLift: PurchaseLift[];
  /** The product lines with lift above 1 and at least `MIN_SUPPORT` buyers, highest lift first (at most 3). */
  recommended: PurchaseLift[];
};

export type SegmentFindings = {
  k: number;
  /** Mean silhouette per k tried, with the standard error of its difference from the best. */
  silhouette: SilhouetteCurve;
  segments: Segment[];
  /** Segment id per pseudonym of a user with workouts: written back to the warehouse for the app. */
  labels: Map<string, number>;
  features: string[];
  /** Current users with no workouts: nothing to segment them on, so they have no segment. */
  usersWithoutWorkouts: number;
};

/**
 * A user's features: workouts per activity in `n0`…, and purchases: lines per product line (the
 * activities' order) in `p0`…, orders per channel (`SALES_CHANNELS`' order) in `c0`…, with their
 * count and net spend.
 */
export type UserRow = Row & {
  id: string; age_band: string; shopping_preference: string; membership_tier: string; goal_type: string | null; workouts: number; intensity_sum: number;
  purchases: number; orders: number; spend: number;
};

/** A customer's purchases, as `UserRow` has them. */
type PurchaseRow = Row & { id: string };

/** `UserRow`'s purchase fields for a customer's purchases (none: zeros). */
function purchasesOf(row: PurchaseRow | undefined, sports: number): Row {
  const figure = (key: string) => Number(row?.[key] ?? 0);
  const lines = Array.from({ length: sports }, (_, i) => figure(`p${i}`));
  return {
    // Cents: summed as floating point by one source, as decimals by the other.
    purchases: lines.reduce((a, b) => a + b, 0), orders: figure("orders"), spend: round(figure("spend"), 2),
    ...Object.fromEntries(lines.map((n, i) => [`p${i}`, n])), ...Object.fromEntries(SALES_CHANNELS.map((_, j) => [`c${j}`, figure(`c${j}`)])),
  };
}

const AGE_MID: Record<string, number> = { "18-24": 21, "25-34": 30, "35-44": 40, "45-54": 50, "55-64": 60, "65+": 70 };
const TIER_RANK: Record<string, number> = { none: 0, Silver: 1, Gold: 2, Platinum: 3 };

/** The per-user features of current users with workouts: one row each, workouts from every version of the user. */
async function userRows(source: WarehouseSource, activities: string[]): Promise<UserRow[]> {
  const perActivity = activities.map((a, i) => `SUM(CASE WHEN a.activity_type = ${sqlText(a)} THEN 1 ELSE 0 END) AS n${i}`).join(",\n      ");
  return source.query<UserRow>(`
    SELECT u.user_pseudonym AS id, u.age_band AS age_band, u.shopping_preference AS shopping_preference,
      u.membership_tier AS membership_tier, g.goal_type AS goal_type, COUNT(*) AS workouts,
      SUM(CASE a.intensity WHEN 'low' THEN 1 WHEN 'moderate' THEN 2 WHEN 'high' THEN 3 ELSE 0 END) AS intensity_sum,
      ${perActivity}
    FROM dim_user u
    LEFT JOIN dim_fitness_goal g ON g.goal_key = u.goal_key
    JOIN dim_user v ON v.user_pseudonym = u.user_pseudonym
    JOIN fact_activity f ON f.user_key = v.user_key
    JOIN dim_activity a ON a.activity_key = f.activity_key
    WHERE u.is_current = TRUE
    GROUP BY u.user_pseudonym, u.age_band, u.shopping_preference, u.membership_tier, g.goal_type
    ORDER BY u.user_pseudonym`);
}

/**
 * Every customer's purchases, by pseudonym: lines per product line (the lines of orders not
 * cancelled, and in-store sale lines), and orders per channel with their net spend.
 */
async function purchaseRows(source: WarehouseSource, sports: string[]): Promise<Map<string, PurchaseRow>> {
  const perSport = sports.map((s, i) => `SUM(CASE WHEN p.sport = ${sqlText(s)} THEN 1 ELSE 0 END) AS p${i}`).join(", ");
  const perChannel = SALES_CHANNELS.map((c, j) => `SUM(CASE WHEN o.channel = ${sqlText(c)} THEN 1 ELSE 0 END) AS c${j}`).join(", ");
  const lines = await source.query<PurchaseRow>(`
    SELECT v.user_pseudonym AS id, ${perSport}
    FROM (
      SELECT user_key, product_key FROM fact_order_line WHERE status <> 'cancelled'
      UNION ALL
      SELECT user_key, product_key FROM fact_store_sale
    ) b
    JOIN dim_user v ON v.user_key = b.user_key
    JOIN dim_product p ON p.product_key = b.product_key
    GROUP BY v.user_pseudonym`);
  const orders = await source.query<PurchaseRow>(`
    SELECT v.user_pseudonym AS id, COUNT(*) AS orders, SUM(o.net) AS spend, ${perChannel}
    FROM (
      SELECT order_id, user_key, channel, SUM(net_amount) AS net FROM fact_order_line WHERE status <> 'cancelled' GROUP BY order_id, user_key, channel
    ) o
    JOIN dim_user v ON v.user_key = o.user_key
    GROUP BY v.user_pseudonym`);
  const byUser = new Map(lines.map((r) => [r.id, r]));
  for (const o of orders) byUser.set(o.id, { ...byUser.get(o.id), ...o });
  return byUser;
}

/**
 * Workouts' worth of the population's activity mix and intensity added to each user's own, so that a
 * user with a few workouts sits near the average rather than at the corner one or two of them make.
 */
const PRIOR_WORKOUTS = 4;
/** Likewise for purchases: lines' worth of the population's product-line mix, orders' worth of its channel mix and spend per order. */
const PRIOR_PURCHASES = 2;
const PRIOR_ORDERS = 1;

/**
 * k-means++ starts per k (scikit-learn's former default `n_init`). About one start in four ends in a
 * poorer optimum at the chosen k; the best of ten is the same optimum whatever the row order.
 */
export const KMEANS_STARTS = 10;

type FeatureGroup = { name: string; columns: string[]; shares?: true; weight?: number; value(row: UserRow, column: number): number };

/**
 * Builds the matrix k-means sees. A numeric feature is standardised. A group of shares (a one-hot, the
 * activity mix) is centred and scaled as a whole to a variance of one, which keeps its geometry: two
 * users who differ in one activity are as far apart whichever activity it is, and a rare category does
 * not make outliers of its few members, as a standardised column of its own would. The activity mix,
 * what users actually do, weighs as two features: at one, the silhouette settles on two coarse groups
 * (busy and not); from 1.5 to 2.5 it finds the planted five.
 */
export function featureMatrix(rows: UserRow[], activities: Array<{ activity_type: string; category: string }>, weeks: number) {
  const distinct = (key: keyof UserRow) => [...new Set(rows.map((r) => String(r[key] ?? "none")))].sort();
  const shopping = distinct("shopping_preference");
  const goals = distinct("goal_type");
  const workouts = rows.reduce((s, r) => s + r.workouts, 0);
  const meanIntensity = rows.reduce((s, r) => s + r.intensity_sum, 0) / workouts;
  const mix = activities.map((_, i) => rows.reduce((s, r) => s + Number(r[`n${i}`]), 0) / workouts);
  const purchases = rows.reduce((s, r) => s + r.purchases, 0) || 1;
  const buys = activities.map((_, i) => rows.reduce((s, r) => s + Number(r[`p${i}`]), 0) / purchases);
  const orders = rows.reduce((s, r) => s + r.orders, 0) || 1;
  const spendPerOrder = rows.reduce((s, r) => s + r.spend, 0) / orders;
  const channels = SALES_CHANNELS.map((_, j) => rows.reduce((s, r) => s + Number(r[`c${j}`]), 0) / orders);
  const groups: FeatureGroup[] = [
    { name: "workouts per week", columns: ["log workouts per week"], value: (r) => Math.log1p(r.workouts / weeks) },
    { name: "mean intensity", columns: ["mean intensity"], value: (r) => (r.intensity_sum + PRIOR_WORKOUTS * meanIntensity) / (r.workouts + PRIOR_WORKOUTS) },
    { name: "age", columns: ["age"], value: (r) => AGE_MID[r.age_band] ?? 40 },
    { name: "membership tier", columns: ["tier"], value: (r) => TIER_RANK[r.membership_tier] ?? 0 },
    { name: "shopping preference", shares: true, columns: shopping.map((s) => `shopping ${s}`), value: (r, c) => (String(r.shopping_preference) === shopping[c] ? 1 : 0) },
    { name: "fitness goal", shares: true, columns: goals.map((g) => `goal ${g}`), value: (r, c) => (String(r.goal_type ?? "none") === goals[c] ? 1 : 0) },
    {
      name: "activity mix",
      shares: true,
      weight: 2,
      columns: activities.map((a) => `share ${a.activity_type}`),
      value: (r, c) => (Number(r[`n${c}`]) + PRIOR_WORKOUTS * mix[c]) / (r.workouts + PRIOR_WORKOUTS),
    },
    {
      name: "purchase mix",
      shares: true,
      columns: activities.map((a) => `buys ${a.activity_type}`),
      value: (r, c) => (Number(r[`p${c}`]) + PRIOR_PURCHASES * buys[c]) / (r.purchases + PRIOR_PURCHASES),
    },
    { name: "spend per order", columns: ["spend per order"], value: (r) => (r.spend + PRIOR_ORDERS * spendPerOrder) / (r.orders + PRIOR_ORDERS) },
    {
      name: "channel mix",
      shares: true,
      columns: SALES_CHANNELS.map((c) => `channel ${c}`),
      value: (r, c) => (Number(r[`c${c}`]) + PRIOR_ORDERS * channels[c]) / (r.orders + PRIOR_ORDERS),
    },
  ];
  const features = groups.flatMap((g) => g.columns);
  const d = features.length;
  const n = rows.length;
  // Shared memory, so that k-means's worker threads read the rows without a copy.
  const data = new Float64Array(new SharedArrayBuffer(n * d * Float64Array.BYTES_PER_ELEMENT));
  rows.forEach((r, i) => {
    let j = 0;
    for (const g of groups) for (let c = 0; c < g.columns.length; c++) data[i * d + j++] = g.value(r, c);
  });
  const matrix: Matrix = { data, n, d };
  const { deviations } = standardise(matrix);
  let j = 0;
  for (const g of groups) {
    const spread = Math.hypot(...deviations.subarray(j, j + g.columns.length));
    for (let c = 0; c < g.columns.length; c++, j++) {
      // Undoing a column's standardisation and dividing by the group's spread gives the group a variance of one.
      const w = (g.weight ?? 1) * (g.shares ? (spread > 0 ? deviations[j] / spread : 0) : 1);
      for (let i = 0; i < n; i++) data[i * d + j] *= w;
    }
  }
  return { matrix, features };
}

export type ClusterOptions = { seed?: number; kRange?: [number, number]; starts?: number; samples?: number; sampleSize?: number };

/**
 * Clusters the feature rows for every k in the range and chooses k (see `chooseK`). Several starts per
 * k and several silhouette samples make the answer depend on the rows, not on the order they come in.
 */
export function clusterUsers(matrix: Matrix, { seed = 42, kRange = [2, 8], starts = KMEANS_STARTS, samples = 5, sampleSize = 2000 }: ClusterOptions = {}) {
  const runs: KMeansResult[] = [];
  for (let k = kRange[0]; k <= Math.min(kRange[1], matrix.n - 1); k++) runs.push(kmeans(matrix, k, { seed, starts }));
  const curve = silhouetteCurve(matrix, runs, { samples, sampleSize, seed });
  const k = chooseK(curve);
  return { k, curve, result: runs.find((r) => r.k === k) as KMeansResult };
}

const mode = (values: string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "—";
};

const NOUN: Record<string, string> = { cardio: "cardio", "mind-body": "mind-body", strength: "strength", "team sport": "team-sport", racket: "racket", outdoor: "outdoor", other: "mixed" };

/** A name from the segment's traits: how often it trains, and the category it over-indexes on most. */
function nameOf(workoutsPerWeek: number, overallPerWeek: number, categoryLift: Array<[string, number, number]>): string {
  const frequency = workoutsPerWeek >= overallPerWeek * 1.25 ? "Frequent" : workoutsPerWeek <= overallPerWeek * 0.6 ? "Occasional" : "Regular";
  const [category] = categoryLift.find(([, , share]) => share >= 0.2) ?? categoryLift[0] ?? ["mixed"];
  return `${frequency} ${NOUN[category] ?? category}`;
}

/**
 * The feature rows of every current user with workouts, as k-means sees them, how many current users
 * have none, and every customer's purchase lines per product line (what lift is measured against).
 */
export async function segmentationFeatures(source: WarehouseSource) {
  const { months } = await overview(source);
  const weeks = (months * 30.44) / 7;
  const activities = await source.query<{ activity_type: string; category: string }>("SELECT activity_type, category FROM dim_activity ORDER BY activity_type");
  const sports = activities.map((a) => a.activity_type);
  const rows = await userRows(source, sports);
  const bought = await purchaseRows(source, sports);
  for (const r of rows) Object.assign(r, purchasesOf(bought.get(r.id), sports.length));
  const customerLines = sports.map((_, i) => [...bought.values()].reduce((s, r) => s + Number(r[`p${i}`] ?? 0), 0));
  const [{ users }] = await source.query<{ users: number }>("SELECT COUNT(*) AS users FROM dim_user WHERE is_current = TRUE");
  return { activities, rows, weeks, customerLines, usersWithoutWorkouts: users - rows.length, ...featureMatrix(rows, activities, weeks) };
}

/** What a segment is measured against: the whole population of users with workouts, and every customer's purchases. */
type Population = {
  activities: Array<{ activity_type: string; category: string }>;
  categories: string[];
  /** Workouts per category, over everyone. */
  categoryWorkouts: number[];
  totalWorkouts: number;
  users: number;
  weeks: number;
  overallPerWeek: number;
  /** Purchase lines per product line (the activities' order), over every customer. */
  customerLines: number[];
};

export async function userSegmentation(source: WarehouseSource, options: ClusterOptions = {}): Promise<Computed<SegmentFindings>> {
  const all = await overview(source);
  const { activities, rows, weeks, customerLines, usersWithoutWorkouts, matrix, features } = await segmentationFeatures(source);
  const { k, curve, result } = clusterUsers(matrix, options);
  const categories = [...new Set(activities.map((a) => a.category))];
  const categoryWorkouts = categories.map((c) => activities.reduce((s, a, i) => s + (a.category === c ? rows.reduce((t, r) => t + Number(r[`n${i}`]), 0) : 0), 0));
  const population: Population = {
    activities, categories, categoryWorkouts, totalWorkouts: categoryWorkouts.reduce((a, b) => a + b, 0) || 1,
    users: rows.length, weeks, overallPerWeek: all.workouts / all.activeUsers / weeks, customerLines,
  };
  const segments = Array.from({ length: result.k }, (_, id) => profile(id, rows.filter((_, i) => result.labels[i] === id), population));
  // Same names: tell them apart by goal.
  for (const s of segments) if (segments.filter((t) => t.name === s.name).length > 1) s.name = `${s.name} (${s.topGoal.replaceAll("_", " ")})`;
  const labels = new Map<string, number>();
  rows.forEach((r, i) => labels.set(r.id, result.labels[i]));
  const silhouette = curve.map((c) => ({ k: c.k, score: Number(c.score.toFixed(4)), se: Number(c.se.toFixed(4)) }));
  return { findings: { k, silhouette, segments, labels, features, usersWithoutWorkouts }, rowsRead: rows.length };
}

/** A segment's profile: its size, how often and how hard it trains, what it does and buys most, its name and traits, and product lines for it. */
function profile(id: number, members: UserRow[], population: Population): Segment {
  const { activities, categories, weeks, overallPerWeek } = population;
  const workouts = members.reduce((s, r) => s + r.workouts, 0);
  const activityMix = Object.fromEntries(activities.map((a, i) => [a.activity_type, workouts > 0 ? Number((members.reduce((s, r) => s + Number(r[`n${i}`]), 0) / workouts).toFixed(3)) : 0]));
  const categoryShare = categories.map((c) => activities.reduce((s, a) => s + (a.category === c ? activityMix[a.activity_type] : 0), 0));
  const lift = categories
    .map((c, j) => [c, categoryShare[j] / (population.categoryWorkouts[j] / population.totalWorkouts || 1), categoryShare[j]] as [string, number, number])
    .sort((a, b) => b[1] - a[1]);
  const perWeek = members.length > 0 ? workouts / members.length / weeks : 0;
  const topActivities = Object.entries(activityMix).sort((a, b) => b[1] - a[1]).slice(0, 3);
  const ageBands = members.map((r) => r.age_band).sort((a, b) => (AGE_MID[a] ?? 0) - (AGE_MID[b] ?? 0));
  const orders = members.reduce((s, r) => s + r.orders, 0);
  const bought = purchaseLift(members, population);
  return {
    id,
    name: nameOf(perWeek, overallPerWeek, lift),
    size: members.length,
    share: members.length / population.users,
    workoutsPerWeek: Number(perWeek.toFixed(2)),
    meanIntensity: Number((members.reduce((s, r) => s + r.intensity_sum, 0) / Math.max(1, workouts)).toFixed(2)),
    medianAgeBand: ageBands[Math.floor(ageBands.length / 2)] ?? "—",
    topGoal: mode(members.map((r) => String(r.goal_type ?? "none"))),
    topShopping: mode(members.map((r) => String(r.shopping_preference))),
    topTier: mode(members.map((r) => String(r.membership_tier))),
    activityMix,
    spendPerOrder: round(members.reduce((s, r) => s + r.spend, 0) / Math.max(1, orders), 2),
    topChannel: orders > 0 ? SALES_CHANNELS[maxIndex(SALES_CHANNELS.map((_, j) => members.reduce((s, r) => s + Number(r[`c${j}`]), 0)))] : "—",
    traits: [
      `${fmt.dec(perWeek, 2)} workouts/week (${fmt.dec(perWeek / overallPerWeek, 1)}× average)`,
      `mostly ${topActivities.filter(([, s]) => s > 0).map(([a, s]) => `${a} ${fmt.pct(s)}`).join(", ")}`,
      `${lift[0][0]} at ${fmt.dec(lift[0][1], 1)}× the average share`,
      ...(bought.length > 0 ? [`buys ${bought[0].category} products at ${fmt.dec(bought[0].lift, 1)}× the average customer`] : []),
    ],
    purchaseLift: bought,
    recommended: bought.filter((l) => l.lift > 1 && l.support >= MIN_SUPPORT).slice(0, RECOMMENDATIONS),
  };
}

const maxIndex = (values: number[]) => values.indexOf(Math.max(...values));

/** Each product line the members bought, against every customer's purchases: highest lift first (then most buyers). */
function purchaseLift(members: UserRow[], { activities, customerLines }: Population): PurchaseLift[] {
  const lines = activities.map((_, i) => members.reduce((s, r) => s + Number(r[`p${i}`]), 0));
  const memberLines = lines.reduce((a, b) => a + b, 0);
  const customerTotal = customerLines.reduce((a, b) => a + b, 0);
  if (memberLines === 0 || customerTotal === 0) return [];
  return activities
    .map((a, i) => ({
      category: a.activity_type,
      lift: round(lines[i] / memberLines / (customerLines[i] / customerTotal), 2),
      support: members.filter((r) => Number(r[`p${i}`]) > 0).length,
      share: round(lines[i] / memberLines, 3),
    }))
    .filter((l) => l.support > 0)
    .sort((a, b) => b.lift - a.lift || b.support - a.support);
}
