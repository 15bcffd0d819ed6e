/** The lineage from marts to insights is declared once (INSIGHT_READS) and checked here against the SQL each insight runs. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishedWorld } from "../../test-support/published-world.ts";
import type { World } from "../../test-support/world.ts";
import { MARTS } from "../models/index.ts";
import { activityByLocation } from "./activity-by-location.ts";
import { ageEngagement } from "./age-engagement.ts";
import { INSIGHT_READS, type FindingsOf } from "./index.ts";
import { peakWorkoutHours } from "./peak-hours.ts";
import { salesAndSeasons } from "./sales-and-seasons.ts";
import { seasonalTrends } from "./seasonal-trends.ts";
import { userSegmentation } from "./segmentation.ts";
import { openLakeSource, type WarehouseSource } from "./source.ts";

let world: World;
beforeAll(async () => {
  world = await publishedWorld(5, "tiny");
});
afterAll(async () => {
  await world?.dispose();
});

/** Runs `work` on a fresh lake source (nothing cached from another insight) and returns the marts its SQL named. */
async function martsRead(work: (source: WarehouseSource) => Promise<unknown>): Promise<string[]> {
  const source = await openLakeSource(world.config);
  const named = new Set<string>();
  const recording: WarehouseSource = {
    ...source,
    query: (sql) => {
      for (const mart of MARTS) if (new RegExp(`\\b${mart.name}\\b`).test(sql)) named.add(mart.name);
      return source.query(sql);
    },
    register: (...args) => source.register(...args),
    close: () => source.close(),
  };
  try {
    await work(recording);
  } finally {
    await source.close();
  }
  return [...named].sort();
}

describe("INSIGHT_READS", () => {
  it("names exactly the marts each insight's SQL reads", async () => {
    const source = await openLakeSource(world.config);
    const segments = await userSegmentation(source, { seed: 1 }).finally(() => source.close());
    const runs: { [K in keyof FindingsOf]: (s: WarehouseSource) => Promise<unknown> } = {
      location: activityByLocation,
      seasons: seasonalTrends,
      segments: (s) => userSegmentation(s, { seed: 1 }),
      age: ageEngagement,
      hours: (s) => peakWorkoutHours(s, segments.findings),
      sales: salesAndSeasons,
    };
    for (const [name, run] of Object.entries(runs) as Array<[keyof FindingsOf, (s: WarehouseSource) => Promise<unknown>]>) {
      expect(await martsRead(run), name).toEqual([...INSIGHT_READS[name].marts].sort());
    }
  });
});
