import { afterEach, describe, expect, it, vi } from "vitest";
import { lowerBound, TimeIndex } from "./time-index.ts";

describe("TimeIndex", () => {
  it("finds ids at or after a time, whatever order they were added in, each once", () => {
    const index = new TimeIndex();
    index.add(30, "c");
    index.add(10, "a");
    index.add(20, "b");
    index.add(40, "c");
    expect(index.since(20).sort()).toEqual(["b", "c"]);
    expect(index.since(41)).toEqual([]);
    index.add(5, "z");
    expect(index.since(0).sort()).toEqual(["a", "b", "c", "z"]);
  });

  afterEach(() => vi.useRealTimers());

  it("answers as a full scan would, for times in millisecond range, spanning centuries, or fractional, sorted at a lookup or after a quiet second", () => {
    vi.useFakeTimers();
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const spans = { milliseconds: () => 1.7e12 + Math.floor(random() * 6.3e10), centuries: () => Math.floor((random() - 0.5) * 2 ** 53), fractional: () => random() * 1e6 };
    for (const [name, time] of Object.entries(spans)) {
      for (const settle of [false, true]) {
        const index = new TimeIndex();
        const entries = Array.from({ length: 5000 }, (_, i) => ({ time: time(), id: i % 3000 }));
        for (const { time: t, id } of entries) index.add(t, id);
        if (settle) vi.advanceTimersByTime(1000);
        for (const probe of [entries[17].time, entries[4000].time, Math.min(...entries.map((e) => e.time))]) {
          const expected = [...new Set(entries.filter((e) => e.time >= probe).map((e) => e.id))].sort((a, b) => a - b);
          expect(index.since(probe).map(Number).sort((a, b) => a - b), `${name}, ${settle ? "settled" : "at lookup"}`).toEqual(expected);
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
