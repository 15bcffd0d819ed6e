/**
 * @module Insight 3: k-means segments of users on standardised features (shopping preference, fitness
 * goal, workouts per week, mean intensity, activity mix, age, membership tier). k is chosen by the
 * silhouette on a sample across 2..8; each segment is profiled, named from its traits, and matched
 * to product categories from the catalog.
 */
import { chart, fmt, overview, type Insight } from "./insight.ts";
import { kmeans, silhouetteSample, silhouetteScore, standardise, type KMeansResult, type Matrix } from "./kmeans.ts";
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
  silhouette: Array<{ k: number; score: number }>;
  segments: Segment[];
  /** Segment id per user pseudonym: written back to the warehouse for the app. */
  labels: Map<string, number>;
  features: string[];
};

type UserRow = Row & { id: string; age_band: string; shopping_preference: string; membership_tier: string; goal_type: string | null; workouts: number; intensity_sum: number };

const AGE_MID: Record<string, number> = { "18-24": 21, "25-34": 30, "35-44": 40, "45-54": 50, "55-64": 60, "65+": 70 };
const TIER_RANK: Record<string, number> = { none: 0, Silver: 1, Gold: 2, Platinum: 3 };
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The per-user features: one query, one row per current user, workouts from every version of the user. */
async function userRows(source: WarehouseSource, activities: string[]): Promise<UserRow[]> {
  const perActivity = activities.map((a, i) => `SUM(CASE WHEN a.activity_type = ${sqlString(a)} THEN 1 ELSE 0 END) AS n${i}`).join(",\n      ");
  return source.query<UserRow>(`
    SELECT u.user_pseudonym AS id, u.age_band AS age_band, u.shopping_preference AS shopping_preference,
      u.membership_tier AS membership_tier, g.goal_type AS goal_type, COUNT(f.activity_id) AS workouts,
      SUM(CASE a.intensity WHEN 'low' THEN 1 WHEN 'moderate' THEN 2 WHEN 'high' THEN 3 ELSE 0 END) AS intensity_sum,
      ${perActivity}
    FROM dim_user u
    LEFT JOIN dim_fitness_goal g ON g.goal_key = u.goal_key
    LEFT JOIN dim_user v ON v.user_pseudonym = u.user_pseudonym
    LEFT JOIN fact_activity f ON f.user_key = v.user_key
    LEFT JOIN dim_activity a ON a.activity_key = f.activity_key
    WHERE u.is_current = TRUE
    GROUP BY u.user_pseudonym, u.age_band, u.shopping_preference, u.membership_tier, g.goal_type
    ORDER BY u.user_pseudonym`);
}

type FeatureGroup = { name: string; columns: string[]; weight?: number; value(row: UserRow, column: number): number };

/**
 * Builds the standardised matrix. Each group of columns (a one-hot or a mix) is scaled so that the
 * group as a whole weighs as much as a single numeric feature (six goal columns must not outvote
 * age), except the activity mix, what users actually do, which weighs as two: with it at one, the
 * silhouette settles on two coarse groups (busy and not); from 1.75 to 2.5 it finds the planted five.
 */
function featureMatrix(rows: UserRow[], activities: Array<{ activity_type: string; category: string }>, weeks: number) {
  const categories = [...new Set(activities.map((a) => a.category))];
  // A category gets a column only if at least 1% of users have it: standardising a rarer one-hot
  // column would give its few members huge values and make outliers of them.
  const distinct = (key: keyof UserRow) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(String(r[key] ?? "none"), (counts.get(String(r[key] ?? "none")) ?? 0) + 1);
    return [...counts].filter(([, count]) => count >= rows.length * 0.01).map(([value]) => value).sort();
  };
  const shopping = distinct("shopping_preference");
  const goals = distinct("goal_type");
  const meanIntensity = rows.reduce((s, r) => s + r.intensity_sum, 0) / Math.max(1, rows.reduce((s, r) => s + r.workouts, 0));
  const groups: FeatureGroup[] = [
    { name: "workouts per week", columns: ["log workouts per week"], value: (r) => Math.log1p(r.workouts / weeks) },
    { name: "mean intensity", columns: ["mean intensity"], value: (r) => (r.workouts > 0 ? r.intensity_sum / r.workouts : meanIntensity) },
    { name: "age", columns: ["age"], value: (r) => AGE_MID[r.age_band] ?? 40 },
    { name: "membership tier", columns: ["tier"], value: (r) => TIER_RANK[r.membership_tier] ?? 0 },
    { name: "shopping preference", columns: shopping.map((s) => `shopping ${s}`), value: (r, c) => (String(r.shopping_preference) === shopping[c] ? 1 : 0) },
    { name: "fitness goal", columns: goals.map((g) => `goal ${g}`), value: (r, c) => (String(r.goal_type ?? "none") === goals[c] ? 1 : 0) },
    {
      name: "activity mix",
      weight: 2,
      columns: categories.map((c) => `share ${c}`),
      value: (r, c) => {
        if (r.workouts === 0) return 0;
        let n = 0;
        activities.forEach((a, i) => {
          if (a.category === categories[c]) n += Number(r[`n${i}`]);
        });
        return n / r.workouts;
      },
    },
  ];
  const features = groups.flatMap((g) => g.columns);
  const d = features.length;
  const n = rows.length;
  const data = new Float64Array(n * d);
  rows.forEach((r, i) => {
    let j = 0;
    for (const g of groups) for (let c = 0; c < g.columns.length; c++) data[i * d + j++] = g.value(r, c);
  });
  const matrix: Matrix = { data, n, d };
  standardise(matrix);
  let j = 0;
  for (const g of groups) {
    const w = (g.weight ?? 1) / Math.sqrt(g.columns.length);
    for (let c = 0; c < g.columns.length; c++, j++) for (let i = 0; i < n; i++) data[i * d + j] *= w;
  }
  return { matrix, features };
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

/** Every current user's standardised feature row, as k-means sees it. */
export async function segmentationFeatures(source: WarehouseSource) {
  const { months } = await overview(source);
  const activities = await source.query<{ activity_type: string; category: string }>("SELECT activity_type, category FROM dim_activity ORDER BY activity_type");
  const rows = await userRows(source, activities.map((a) => a.activity_type));
  return { activities, rows, ...featureMatrix(rows, activities, (months * 30.44) / 7) };
}

export async function userSegmentation(
  source: WarehouseSource,
  { catalog = [], seed = 42, kRange = [2, 8] as [number, number], sampleSize = 2000 }: { catalog?: CatalogGroup[]; seed?: number; kRange?: [number, number]; sampleSize?: number } = {},
): Promise<Insight<SegmentFindings>> {
  const all = await overview(source);
  const weeks = (all.months * 30.44) / 7;
  const { activities, rows, matrix, features } = await segmentationFeatures(source);

  const runs: KMeansResult[] = [];
  const curve: Array<{ k: number; score: number }> = [];
  const sample = silhouetteSample(matrix, sampleSize, seed);
  for (let k = kRange[0]; k <= Math.min(kRange[1], matrix.n - 1); k++) {
    const run = kmeans(matrix, k, { seed });
    runs.push(run);
    curve.push({ k, score: Number(silhouetteScore(sample, run.labels, k).toFixed(4)) });
  }
  const best = curve.reduce((a, b) => (b.score > a.score ? b : a));
  const result = runs.find((r) => r.k === best.k) as KMeansResult;

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
      { transform: [{ filter: `datum.k == ${best.k}` }], mark: { type: "point", size: 160, color: "#dc2626", filled: true }, encoding: { x: { field: "k", type: "ordinal" }, y: { field: "score", type: "quantitative" } } },
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
    `${fmt.int(rows.length)} users clustered on ${features.length} standardised features; the silhouette is highest at k = ${best.k} (${best.score.toFixed(2)}), so there are ${best.k} segments.`,
    `Largest: ${biggest.name}, ${fmt.pct(biggest.share)} of users (${biggest.traits.join("; ")}).`,
    `Most active: ${keenest.name}, ${fmt.dec(keenest.workoutsPerWeek, 2)} workouts per week, mostly aiming to ${keenest.topGoal.replaceAll("_", " ")}.`,
    ...segments.filter((s) => s.recommended.length > 0).map((s) => `For ${s.name}: ${s.recommended.slice(0, 3).map((r) => `${r.subcategory} (${r.category})`).join(", ")}.`),
  ];

  return {
    id: "user-segmentation",
    title: "User segmentation",
    question: "Which kinds of users do we have, and what should we offer each?",
    headline: [
      { label: "Segments", value: String(best.k) },
      { label: "Largest segment", value: `${biggest.name} (${fmt.pct(biggest.share)})` },
    ],
    narrative,
    charts: [sizeChart, mixChart, silhouetteChart],
    table: { caption: "Segment profiles", rows: profileRows },
    rowsRead: rows.length,
    findings: { k: best.k, silhouette: curve, segments: [...byId.values()].sort((a, b) => a.id - b.id), labels, features },
  };
}
