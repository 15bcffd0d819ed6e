import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { FIXED_UNTIL } from "../../test-support/world.ts";
import { createLookups } from "./lookups.ts";

let duck: DuckDB;

beforeAll(async () => {
  duck = await openDuckDB();
  await createLookups(duck, FIXED_UNTIL);
});
afterAll(() => duck.close());

describe("zone_hours", () => {
  it("starts each local hour where the zone's own conversion puts every second of it, clock changes included", async () => {
    const [result] = await duck.all<{ change_days: bigint; checked: bigint; differ: bigint }>(`
      WITH change_days AS (
        SELECT zh.time_zone, zh.day_idx FROM zone_hours zh JOIN days d USING (day_idx)
        GROUP BY ALL HAVING count(DISTINCT zh.utc_start - (d.day + to_hours(zh.hour))) > 1
      ),
      -- Every second of the hours on days the clock changes, and three seconds of every other hour.
      seconds AS (
        SELECT zh.*, s.sec FROM zone_hours zh JOIN change_days USING (time_zone, day_idx), range(3600) s(sec)
        UNION ALL
        SELECT zh.*, s.sec FROM zone_hours zh ANTI JOIN change_days USING (time_zone, day_idx), (VALUES (0), (1799), (3599)) s(sec)
      )
      SELECT (SELECT count(*) FROM change_days) AS change_days, count(*) AS checked,
        count(*) FILTER (WHERE timezone('UTC', timezone(time_zone, d.day + to_hours(hour) + to_seconds(sec::INT))) <> utc_start + to_seconds(sec::INT)) AS differ
      FROM seconds JOIN days d USING (day_idx)`);
    // Two years of history hold four clock changes in each zone that keeps daylight time.
    expect(Number(result.change_days)).toBeGreaterThanOrEqual(4 * 8);
    expect(result.checked).toBeGreaterThan(0n);
    expect(result.differ).toBe(0n);
  });
});
