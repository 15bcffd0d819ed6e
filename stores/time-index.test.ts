import { describe, expect, it } from "vitest";
import { lowerBound, TimeIndex } from "./time-index.ts";

describe("TimeIndex", () => {
  it("finds ids at or after a time, whatever order they were added in", () => {
    const index = new TimeIndex();
    index.add(30, "c");
    index.add(10, "a");
    index.add(20, "b");
    index.add(40, "c");
    expect(index.since(20).sort()).toEqual(["b", "c", "c"]);
    expect(index.since(40)).toEqual(["c"]);
    expect(index.since(41)).toEqual([]);
    index.add(5, "z");
    expect(index.since(0).sort()).toEqual(["a", "b", "c", "c", "z"]);
  });

  it("answers as a full scan would, for times in millisecond range, spanning centuries, or fractional, with hours added between lookups", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const hour = 3_600_000;
    const spans = { milliseconds: () => 1.7e12 + Math.floor(random() * 6.3e10), centuries: () => Math.floor((random() - 0.5) * 2 ** 53), fractional: () => random() * 1e6 };
    for (const [name, time] of Object.entries(spans)) {
      const index = new TimeIndex();
      const entries: Array<{ time: number; id: number }> = [];
      for (const part of [0, 1]) {
        // The second part adds hours after the first lookups, before and after the ones seen.
        for (let i = 0; i < 5000; i++) entries.push({ time: time(), id: (part * 5000 + i) % 3000 });
        for (const { time: t, id } of entries.slice(part * 5000)) index.add(t, id);
        const sample = entries[part * 5000 + 17].time;
        for (const probe of [sample, Math.floor(sample / hour) * hour, Math.floor(sample / hour) * hour - 1, sample + 1e-3, entries[4000].time, Math.min(...entries.map((e) => e.time))]) {
          const expected = entries.filter((e) => e.time >= probe).map((e) => e.id).sort((a, b) => a - b);
          expect(index.since(probe).map(Number).sort((a, b) => a - b), `${name}, part ${part}, from ${probe}`).toEqual(expected);
        }
      }
    }
  });
});

describe("lowerBound", () => {
  const t = new Date(1000);
  it("reads equality, $gt/$gte and $or branches", () => {
    expect(lowerBound({ updated_at: t }, "updated_at")).toBe(1000);
    expect(lowerBound({ updated_at: { $gt: t } }, "updated_at")).toBe(1000);
    expect(lowerBound({ $or: [{ updated_at: { $gt: t } }, { updated_at: new Date(900), _id: { $gt: 4 } }] }, "updated_at")).toBe(900);
  });
  it("gives none when some way to match is unbounded", () => {
    expect(lowerBound({ $or: [{ updated_at: { $gt: t } }, { user_id: 4 }] }, "updated_at")).toBeUndefined();
    expect(lowerBound({ updated_at: { $lt: t } }, "updated_at")).toBeUndefined();
    expect(lowerBound({}, "updated_at")).toBeUndefined();
  });
});
