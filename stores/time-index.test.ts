import { describe, expect, it } from "vitest";
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
