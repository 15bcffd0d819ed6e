import { describe, expect, it } from "vitest";
import { UserError } from "./errors.ts";
import { parseScale } from "./scale.ts";

describe("parseScale", () => {
  it("returns the preset sizes", () => {
    expect(parseScale("medium")).toEqual({ name: "medium", users: 100_000 });
  });
  it("names the valid presets when the scale is unknown", () => {
    expect(() => parseScale("huge")).toThrow(UserError);
    expect(() => parseScale("huge")).toThrow(/tiny, small, medium, large/);
  });
});
