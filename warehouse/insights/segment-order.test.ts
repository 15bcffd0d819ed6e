/**
 * Segments depend on the users, not on the order the warehouse lists them in. Another PSEUDONYM_KEY
 * changes nothing but the pseudonyms, so the user rows come sorted differently (and samples draw
 * other rows): each of ten keys must give the same k, and segments that agree with the planted ones.
 * Small reads the real warehouse. A medium warehouse takes minutes to load, so at medium the same
 * rows are computed from the generated files, by a query that the first test checks gives the
 * warehouse's rows at small.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { pseudonym } from "../../lib/pseudonym.ts";
import { parseScale } from "../../lib/scale.ts";
import { FIXED_UNTIL, type World } from "../../test-support/world.ts";
import { publishedWorld } from "../../test-support/published-world.ts";
import { generate } from "../../pipelines/generate/index.ts";
import { ACTIVITIES, SALES_CHANNELS } from "../../domain/vocabulary.ts";
import { adjustedRandIndex } from "./kmeans.ts";
import { clusterUsers, featureMatrix, segmentationFeatures, type UserRow } from "./segmentation.ts";
import { openSource } from "./source.ts";

const KEYS = Array.from({ length: 10 }, (_, i) => `row-order-key-${i}`);
const INTENSITY = { low: 1, moderate: 2, high: 3 } as const;

/** What segmentation reads, with each row's source user id (to re-key it and to find its planted segment). */
type Users = { rows: Array<UserRow & { userId: number }>; activities: Array<{ activity_type: string; category: string }>; weeks: number; planted: Map<number, string> };

async function plantedSegments(dir: string): Promise<Map<number, string>> {
  const duck = await openDuckDB();
  try {
    const rows = await duck.all<{ user_id: bigint; segment: string }>(`SELECT user_id, segment FROM '${join(dir, "planted", "user_segments.parquet")}'`);
    return new Map(rows.map((r) => [Number(r.user_id), r.segment]));
  } finally {
    duck.close();
  }
}

/** The warehouse's rows of users with workouts, each matched to its user id through the world's key. */
async function warehouseUsers(world: World): Promise<Users> {
  const planted = await plantedSegments(rawDir(world.config));
  const userOf = new Map([...planted.keys()].map((id) => [pseudonym(world.config.pseudonymKey, id), id]));
  const source = await openSource(world.config);
  try {
    const { rows, activities, weeks } = await segmentationFeatures(source);
    return { rows: rows.map((r) => ({ ...r, userId: userOf.get(r.id) as number })), activities, weeks, planted };
  } finally {
    await source.close();
  }
}

/**
 * The same rows from the generated files, by the warehouse's rules: age band at sign-up, tier or none,
 * intensity per activity; purchases are the lines of orders not cancelled and in-store sale lines.
 */
async function generatedUsers(dir: string): Promise<Users> {
  const activities = [...ACTIVITIES].sort((a, b) => a.name.localeCompare(b.name)).map((a) => ({ activity_type: a.name, category: a.category }));
  const file = (table: string) => `'${join(dir, `${table}.parquet`)}'`;
  const duck = await openDuckDB();
  try {
    const rows = await duck.all<Record<string, unknown>>(`
      WITH intensity (activity_type, level) AS (VALUES ${ACTIVITIES.map((a) => `('${a.name}', ${INTENSITY[a.intensity]})`).join(", ")}),
      signup AS (
        SELECT user_id, shopping_preference,
          date_diff('year', date_of_birth, created_at::DATE) - CASE WHEN strftime(created_at, '%m%d') < strftime(date_of_birth, '%m%d') THEN 1 ELSE 0 END AS age
        FROM ${file("users")}
      ),
      bought AS (
        SELECT l.user_id, count(*)::INT AS purchases,
          ${activities.map((a, i) => `(count(*) FILTER (p.sport = '${a.activity_type}'))::INT AS p${i}`).join(", ")}
        FROM (
          SELECT o.user_id, i.product_id FROM ${file("orders")} o JOIN ${file("order_items")} i USING (order_id) WHERE o.status <> 'cancelled'
          UNION ALL
          SELECT user_id, product_id FROM ${file("sales")} WHERE user_id IS NOT NULL
        ) l
        JOIN ${file("products")} p USING (product_id)
        GROUP BY ALL
      ),
      ordered AS (
        SELECT o.user_id, count(*)::INT AS orders, sum(t.net)::DOUBLE AS spend,
          ${SALES_CHANNELS.map((c, j) => `(count(*) FILTER (s.channel = '${c}'))::INT AS c${j}`).join(", ")}
        FROM ${file("orders")} o
        JOIN (SELECT order_id, sum(net_amount) AS net FROM ${file("order_items")} GROUP BY order_id) t USING (order_id)
        JOIN ${file("stores")} s USING (store_id)
        WHERE o.status <> 'cancelled'
        GROUP BY ALL
      )
      SELECT u.user_id AS id,
        CASE WHEN u.age < 25 THEN '18-24' WHEN u.age < 35 THEN '25-34' WHEN u.age < 45 THEN '35-44'
             WHEN u.age < 55 THEN '45-54' WHEN u.age < 65 THEN '55-64' ELSE '65+' END AS age_band,
        u.shopping_preference, coalesce(m.tier, 'none') AS membership_tier, g.goal_type,
        count(*)::INT AS workouts, sum(i.level)::INT AS intensity_sum,
        ${activities.map((a, i) => `(count(*) FILTER (l.activity_type = '${a.activity_type}'))::INT AS n${i}`).join(", ")},
        coalesce(b.purchases, 0) AS purchases, coalesce(o.orders, 0) AS orders, coalesce(o.spend, 0) AS spend,
        ${activities.map((_, i) => `coalesce(b.p${i}, 0) AS p${i}`).join(", ")}, ${SALES_CHANNELS.map((_, j) => `coalesce(o.c${j}, 0) AS c${j}`).join(", ")}
      FROM ${file("activity_logs")} l
      JOIN signup u USING (user_id)
      JOIN intensity i USING (activity_type)
      LEFT JOIN ${file("memberships")} m USING (user_id)
      LEFT JOIN ${file("user_goals")} g USING (user_id)
      LEFT JOIN bought b USING (user_id)
      LEFT JOIN ordered o USING (user_id)
      GROUP BY ALL`);
    const [{ days }] = await duck.all<{ days: bigint }>(`SELECT date_diff('day', min(started_at)::DATE, max(started_at)::DATE) + 1 AS days FROM ${file("activity_logs")}`);
    return {
      rows: rows.map((r) => ({ ...(r as UserRow), id: String(r.id), userId: Number(r.id) })),
      activities,
      weeks: Number(days) / 7,
      planted: await plantedSegments(dir),
    };
  } finally {
    duck.close();
  }
}

/** Per key: the rows in that key's pseudonym order, clustered; k and the agreement with the planted segments. */
function underEachKey({ rows, activities, weeks, planted }: Users) {
  const names = [...new Set(planted.values())];
  return KEYS.map((key) => {
    const ordered = rows.map((r) => ({ r, p: pseudonym(key, r.userId) })).sort((a, b) => (a.p < b.p ? -1 : 1)).map(({ r }) => r);
    const { k, result } = clusterUsers(featureMatrix(ordered, activities, weeks).matrix);
    const ari = adjustedRandIndex(result.labels, ordered.map((r) => names.indexOf(planted.get(r.userId) as string)));
    return { key, k, ari: Number(ari.toFixed(3)) };
  });
}

let world: World;
let medium: string;
const users: Partial<Record<"small" | "medium", Users>> = {};

beforeAll(async () => {
  world = await publishedWorld(42, "small");
  users.small = await warehouseUsers(world);
  medium = await mkdtemp(join(tmpdir(), "nike-segment-order-"));
  await generate({ scale: parseScale("medium"), seed: 42, until: FIXED_UNTIL, outDir: join(medium, "raw") });
  users.medium = await generatedUsers(join(medium, "raw"));
}, 600_000);
afterAll(async () => {
  await world?.dispose();
  if (medium) await rm(medium, { recursive: true, force: true });
});

describe("segments under ten pseudonym keys", () => {
  it("at small, the rows computed from the generated files are the warehouse's", async () => {
    const generated = await generatedUsers(rawDir(world.config));
    const byUser = (u: Users) => new Map(u.rows.map(({ id: _id, ...r }) => [r.userId, r]));
    const warehouse = byUser(users.small as Users);
    expect(warehouse.size).toBeGreaterThan(100);
    expect(byUser(generated)).toEqual(warehouse);
    expect(generated.activities).toEqual(users.small?.activities);
  });

  // Ten keys × seven k × ten starts on about 9,000 users with 41 features at medium: minutes on a shared machine.
  for (const scale of ["small", "medium"] as const) {
    it(`at ${scale}: the same k every time, and segments that agree with the planted ones (ARI ≥ 0.85)`, () => {
      const runs = underEachKey(users[scale] as Users);
      expect(new Set(runs.map((r) => r.k)), JSON.stringify(runs)).toEqual(new Set([runs[0].k]));
      for (const r of runs) expect(r.ari, r.key).toBeGreaterThanOrEqual(0.85);
    }, 600_000);
  }
});
