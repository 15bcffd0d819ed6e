import { describe, expect, it } from "vitest";
import { FRESHNESS, freshnessStatus, humanAge, sourceFreshness } from "./freshness.ts";

const HOUR = 3_600_000;
const now = new Date("2026-07-01T12:00:00.000Z");
const ago = (ms: number) => ({ updatedAt: new Date(now.getTime() - ms).toISOString(), lastId: "1" });

describe("source freshness", () => {
  it("passes below the warn threshold, warns from it, errs from the error threshold; never loaded without a watermark", () => {
    const rule = { warnAfterMs: HOUR, errorAfterMs: 24 * HOUR };
    expect(freshnessStatus(HOUR - 1, rule)).toBe("pass");
    expect(freshnessStatus(HOUR, rule)).toBe("warn");
    expect(freshnessStatus(24 * HOUR - 1, rule)).toBe("warn");
    expect(freshnessStatus(24 * HOUR, rule)).toBe("error");
    expect(freshnessStatus(null, rule)).toBe("never loaded");
  });

  it("rates every watermarked source by the age of its newest loaded record at the given time", () => {
    const rows = sourceFreshness({ activity_logs: ago(2 * HOUR), users: ago(8 * 24 * HOUR), sessions: ago(5 * 60_000), user_goals: ago(-HOUR) }, now);
    expect(rows.map((r) => r.source).sort()).toEqual(Object.keys(FRESHNESS).sort());
    const by = Object.fromEntries(rows.map((r) => [r.source, r]));
    expect(by.activity_logs).toMatchObject({ status: "warn", ageMs: 2 * HOUR, newestLoaded: "2026-07-01T10:00:00.000Z" });
    expect(by.users.status).toBe("error");
    expect(by.sessions.status).toBe("pass");
    expect(by.user_goals).toMatchObject({ status: "pass", ageMs: 0 }); // a record stamped after `now` (clock skew) is fresh, not negative
    expect(by.memberships).toMatchObject({ status: "never loaded", ageMs: null, newestLoaded: null });
  });

  it("prints ages as people read them", () => {
    expect([45 * 60_000, HOUR, 5 * HOUR + 10 * 60_000, 24 * HOUR, 3 * 24 * HOUR + 4 * HOUR].map(humanAge)).toEqual(["45m", "1h", "5h 10m", "1d", "3d 4h"]);
  });
});
