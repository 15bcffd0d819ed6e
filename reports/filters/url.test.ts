/** A filter as a link carries it: keys in the pages' order, and a clear error for anything a page would not read. */
import { describe, expect, it } from "vitest";
import { filterHash } from "./url.ts";

describe("filterHash", () => {
  it("writes the filter as the pages' hash, keys in their order, values encoded", () => {
    expect(filterHash("state=CO&dates=90d")).toBe("#dates=90d&state=CO");
    expect(filterHash("#segment=Weekend warriors&age=65%2B&from=2025-01&to=2025-03")).toBe("#from=2025-01&to=2025-03&age=65%2B&segment=Weekend+warriors");
    expect(filterHash("")).toBe("");
  });

  it("refuses an unknown key or a malformed value, naming each", () => {
    expect(() => filterHash("state=Colorado&colour=red&dates=7d")).toThrow(/not valid: state=Colorado, colour=red, dates=7d\.$/);
  });
});
