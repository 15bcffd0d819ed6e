import { describe, expect, it } from "vitest";
import { inQuietHours, sendTime, zonedTime } from "./schedule.ts";

describe("notification timing", () => {
  it("finds the UTC instant of a local hour, across daylight saving", () => {
    expect(zonedTime("2026-11-25", 7, "America/Denver").toISOString()).toBe("2026-11-25T14:00:00.000Z");
    expect(zonedTime("2026-07-01", 7, "America/Denver").toISOString()).toBe("2026-07-01T13:00:00.000Z");
    expect(zonedTime("2026-11-25", 18, "UTC").toISOString()).toBe("2026-11-25T18:00:00.000Z");
    // The days clocks change: 07:00 stays 07:00 on the wall, an hour apart in UTC.
    expect(zonedTime("2026-03-07", 7, "America/Denver").toISOString()).toBe("2026-03-07T14:00:00.000Z");
    expect(zonedTime("2026-03-08", 7, "America/Denver").toISOString()).toBe("2026-03-08T13:00:00.000Z");
    expect(zonedTime("2026-10-31", 7, "America/Denver").toISOString()).toBe("2026-10-31T13:00:00.000Z");
    expect(zonedTime("2026-11-01", 7, "America/Denver").toISOString()).toBe("2026-11-01T14:00:00.000Z");
    expect(zonedTime("2026-03-08", 7, "Pacific/Honolulu").toISOString()).toBe("2026-03-08T17:00:00.000Z");
  });

  it("knows quiet hours that wrap past midnight", () => {
    const quiet = { start: 22, end: 7 };
    expect([21, 22, 23, 0, 6, 7].map((h) => inQuietHours(h, quiet))).toEqual([false, true, true, true, true, false]);
    expect(inQuietHours(13, { start: 12, end: 14 })).toBe(true);
    expect(inQuietHours(5, undefined)).toBe(false);
  });

  it("moves a send out of quiet hours and never into the past", () => {
    const early = new Date("2026-11-25T00:00:00Z");
    expect(sendTime("2026-11-25", 6, "UTC", { start: 22, end: 7 }, early).toISOString()).toBe("2026-11-25T07:00:00.000Z");
    expect(sendTime("2026-11-25", 18, "UTC", { start: 22, end: 7 }, early).toISOString()).toBe("2026-11-25T18:00:00.000Z");
    // Quiet hours are local too: 06:00 in Denver moves to 07:00 Denver time on the day clocks go forward.
    expect(sendTime("2026-03-08", 6, "America/Denver", { start: 22, end: 7 }, new Date("2026-03-08T00:00:00Z")).toISOString()).toBe("2026-03-08T13:00:00.000Z");
    const late = new Date("2026-11-25T20:00:00Z");
    expect(sendTime("2026-11-25", 18, "UTC", undefined, late)).toEqual(late);
  });
});
