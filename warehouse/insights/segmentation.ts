/**
 * @module Insight 3: k-means segments of the users who log workouts, on standardised features
 * (shopping preference, fitness goal, workouts per week, mean intensity, activity mix, age, membership
 * tier). k is the smallest across 2..8 whose silhouette is within noise of the best; each segment is
 * profiled, named from its traits, and matched to product categories from the catalog.
 */
import { chart, fmt, overview, type Insight } from "./insight.ts";
import { chooseK, kmeans, silhouetteCurve, standardise, type KMeansResult, type Matrix, type SilhouetteCurve } from "./kmeans.ts";
import type { Row, WarehouseSource } from "./source.ts";

/** A catalog group as the document store's aggregation returns it. */
export type CatalogGroup = { sport: string; category: string; subcategory: string; products: number; example: string };

/** The `$group` pipeline that summarises the catalog (the same document for MongoDB and the embedded store). */
export const CATALOG_PIPELINE = [
  { $group: { _id: { sport: "$sport", category: "$category", subcategory: "$subcategory" }, products: { $sum: 1 }, example: { $first: "$name" } } },
  { $project: { _id: 0, sport: "$_id.sport", category: "$_id.category", subcategory: "$_id.subcategory", products: 1, example: 1 } },
];

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
  traits: string[];
  recommended: Array<{ category: string; subcategory: string; sport: string; products: number; example: string }>;
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

export type UserRow = Row & { id: string; age_band: string; shopping_preference: string; membership_tier: string; goal_type: string | null; workouts: number; intensity_sum: number };

const AGE_MID: Record<string, number> = { "18-24": 21, "25-34": 30, "35-44": 40, "45-54": 50, "55-64": 60, "65+": 70 };
const TIER_RANK: Record<string, number> = { none: 0, Silver: 1, Gold: 2, Platinum: 3 };
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The per-user features of current users with workouts: one row each, workouts from every version of the user. */
async function userRows(source: WarehouseSource, activities: string[]): Promise<UserRow[]> {
  const perActivity = activities.map((a, i) => `SUM(CASE WHEN a.activity_type = ${sqlString(a)} THEN 1 ELSE 0 END) AS n${i}`).join(",\n      ");
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
 * Workouts' worth of the population's activity mix and intensity added to each user's own, so that a
 * user with a few workouts sits near the average rather than at the corner one or two of them make.
 */
const PRIOR_WORKOUTS = 4;

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

/** The feature rows of every current user with workouts, as k-means sees them, and how many current users have none. */
export async function segmentationFeatures(source: WarehouseSource) {
  const { months } = await overview(source);
  const weeks = (months * 30.44) / 7;
  const activities = await source.query<{ activity_type: string; category: string }>("SELECT activity_type, category FROM dim_activity ORDER BY activity_type");
  const rows = await userRows(source, activities.map((a) => a.activity_type));
  const [{ users }] = await source.query<{ users: number }>("SELECT COUNT(*) AS users FROM dim_user WHERE is_current = TRUE");
  return { activities, rows, weeks, usersWithoutWorkouts: users - rows.length, ...featureMatrix(rows, activities, weeks) };
}

export async function userSegmentation(
  source: WarehouseSource,
  { catalog = [], ...options }: { catalog?: CatalogGroup[] } & ClusterOptions = {},
): Promise<Insight<SegmentFindings>> {
  const all = await overview(source);
  const { activities, rows, weeks, usersWithoutWorkouts, matrix, features } = await segmentationFeatures(source);
  const { k, curve: exact, result } = clusterUsers(matrix, options);
  const curve = exact.map((c) => ({ k: c.k, score: Number(c.score.toFixed(4)), se: Number(c.se.toFixed(4)) }));
  const best = curve.reduce((a, b) => (b.score > a.score ? b : a));
  const chosen = curve.find((c) => c.k === k) as SilhouetteCurve[number];

  const overallPerWeek = all.workouts / all.activeUsers / weeks;
  const categories = [...new Set(activities.map((a) => a.category))];
  const totalMix = categories.map((c) => activities.reduce((s, a, i) => s + (a.category === c ? rows.reduce((t, r) => t + Number(r[`n${i}`]), 0) : 0), 0));
  const totalWorkouts = totalMix.reduce((a, b) => a + b, 0) || 1;

  let segments: Segment[] = Array.from({ length: result.k }, (_, id) => {
    const members = rows.filter((_, i) => result.labels[i] === id);
    const workouts = members.reduce((s, r) => s + r.workouts, 0);
    const activityMix = Object.fromEntries(activities.map((a, i) => [a.activity_type, workouts > 0 ? Number((members.reduce((s, r) => s + Number(r[`n${i}`]), 0) / workouts).toFixed(3)) : 0]));
    const categoryShare = categories.map((c) => activities.reduce((s, a) => s + (a.category === c ? activityMix[a.activity_type] : 0), 0));
    const lift = categories.map((c, j) => [c, categoryShare[j] / (totalMix[j] / totalWorkouts || 1), categoryShare[j]] as [string, number, number]).sort((a, b) => b[1] - a[1]);
    const perWeek = members.length > 0 ? workouts / members.length / weeks : 0;
    const topActivities = Object.entries(activityMix).sort((a, b) => b[1] - a[1]).slice(0, 3);
    const recommended = catalog
      .map((g) => ({ ...g, score: (activityMix[g.sport] ?? 0) * g.products }))
      .filter((g) => g.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 5)
      .map(({ score: _score, ...g }) => g);
    const ageBands = members.map((r) => r.age_band).sort((a, b) => (AGE_MID[a] ?? 0) - (AGE_MID[b] ?? 0));
    const segment: Segment = {
      id,
      name: nameOf(perWeek, overallPerWeek, lift),
      size: members.length,
      share: members.length / rows.length,
      workoutsPerWeek: Number(perWeek.toFixed(2)),
      meanIntensity: Number((members.reduce((s, r) => s + r.intensity_sum, 0) / Math.max(1, workouts)).toFixed(2)),
      medianAgeBand: ageBands[Math.floor(ageBands.length / 2)] ?? "—",
      topGoal: mode(members.map((r) => String(r.goal_type ?? "none"))),
      topShopping: mode(members.map((r) => String(r.shopping_preference))),
      topTier: mode(members.map((r) => String(r.membership_tier))),
      activityMix,
      traits: [
        `${fmt.dec(perWeek, 2)} workouts/week (${fmt.dec(perWeek / overallPerWeek, 1)}× average)`,
        `mostly ${topActivities.filter(([, s]) => s > 0).map(([a, s]) => `${a} ${fmt.pct(s)}`).join(", ")}`,
        `${lift[0][0]} at ${fmt.dec(lift[0][1], 1)}× the average share`,
      ],
      recommended,
    };
    return segment;
  });
  // Same names: tell them apart by goal.
  for (const s of segments) if (segments.filter((t) => t.name === s.name).length > 1) s.name = `${s.name} (${s.topGoal.replaceAll("_", " ")})`;
  segments = segments.sort((a, b) => b.size - a.size);

  const labels = new Map<string, number>();
  rows.forEach((r, i) => labels.set(r.id, result.labels[i]));
  const byId = new Map(segments.map((s) => [s.id, s]));
  const profileRows = segments.map((s) => ({
    segment: s.name, users: s.size, share: Number(s.share.toFixed(3)), workouts_per_week: s.workoutsPerWeek, mean_intensity: s.meanIntensity,
    median_age_band: s.medianAgeBand, top_goal: s.topGoal, shopping: s.topShopping, tier: s.topTier,
    recommended: s.recommended.map((r) => r.subcategory).join(", "),
  }));
  const mixRows = segments.flatMap((s) => Object.entries(s.activityMix).filter(([, v]) => v > 0).map(([activity, share]) => ({ segment: s.name, activity, share })));

  const silhouetteChart = chart("silhouette", "Silhouette score by number of segments (k)", curve, {
    height: 220,
    layer: [
      { mark: { type: "line", point: true, tooltip: true }, encoding: { x: { field: "k", type: "ordinal", title: "k" }, y: { field: "score", type: "quantitative", title: "Mean silhouette", scale: { zero: false } } } },
      { transform: [{ filter: `datum.k == ${k}` }], mark: { type: "point", size: 160, color: "#dc2626", filled: true }, encoding: { x: { field: "k", type: "ordinal" }, y: { field: "score", type: "quantitative" } } },
    ],
  });
  const sizeChart = chart("segment-sizes", "Segment size and training frequency", profileRows, {
    height: { step: 28 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", sort: "-x", title: null },
      x: { field: "users", type: "quantitative", title: "Users" },
      color: { field: "workouts_per_week", type: "quantitative", title: "Workouts/week", scale: { scheme: "greens" } },
      tooltip: [{ field: "segment" }, { field: "users", format: "," }, { field: "share", format: ".1%" }, { field: "workouts_per_week", format: ".2f" }, { field: "top_goal" }, { field: "recommended" }],
    },
  });
  const mixChart = chart("segment-mix", "Activity mix per segment", mixRows, {
    height: { step: 28 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", title: null },
      x: { field: "share", type: "quantitative", stack: "normalize", title: "Share of workouts", axis: { format: "%" } },
      color: { field: "activity", type: "nominal", title: "Activity", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "segment" }, { field: "activity" }, { field: "share", format: ".1%" }],
    },
  });

  const biggest = segments[0];
  const keenest = [...segments].sort((a, b) => b.workoutsPerWeek - a.workoutsPerWeek)[0];
  const narrative = [
    `${fmt.int(rows.length)} users with workouts clustered on ${features.length} standardised features: ` +
      (k === best.k
        ? `the silhouette is highest at k = ${k} (${best.score.toFixed(2)}), so there are ${k} segments.`
        : `the silhouette is highest at k = ${best.k} (${best.score.toFixed(2)}), but k = ${k} (${chosen.score.toFixed(2)}) is within two standard errors of it (${chosen.se.toFixed(3)}) and the smaller k is taken, so there are ${k} segments.`),
    `${fmt.int(usersWithoutWorkouts)} current users have no workouts, so nothing to segment them on.`,
    `Largest: ${biggest.name}, ${fmt.pct(biggest.share)} of users (${biggest.traits.join("; ")}).`,
    `Most active: ${keenest.name}, ${fmt.dec(keenest.workoutsPerWeek, 2)} workouts per week, mostly aiming to ${keenest.topGoal.replaceAll("_", " ")}.`,
    ...segments.filter((s) => s.recommended.length > 0).map((s) => `For ${s.name}: ${s.recommended.slice(0, 3).map((r) => `${r.subcategory} (${r.category})`).join(", ")}.`),
  ];

  return {
    id: "user-segmentation",
    title: "User segmentation",
    question: "Which kinds of users do we have, and what should we offer each?",
    headline: [
      { label: "Segments", value: String(k) },
      { label: "Largest segment", value: `${biggest.name} (${fmt.pct(biggest.share)})` },
    ],
    narrative,
    charts: [sizeChart, mixChart, silhouetteChart],
    table: { caption: "Segment profiles", rows: profileRows },
    rowsRead: rows.length,
    findings: { k, silhouette: curve, segments: [...byId.values()].sort((a, b) => a.id - b.id), labels, features, usersWithoutWorkouts },
  };
}
