import { describe, expect, it } from "vitest";
import { lengthOf, LONG_LINE, offsetOf, pack } from "./log-positions.ts";

describe("log positions", () => {
  it("give back every offset and length exactly, past the 8 GiB a large collection's log reaches", () => {
    for (const offset of [0, 1, 2 ** 33 - 1, 2 ** 33 + 1, 9_123_456_789, 2 ** 36 + 12_345]) {
      for (const length of [1, 301, 4_097, LONG_LINE - 1]) {
        const at = pack(offset, length);
        expect([offsetOf(at), lengthOf(at)], `${offset}, ${length}`).toEqual([offset, length]);
      }
    }
  });

  it("mark a line too long to pack to be read up to its newline, and refuse an offset they cannot hold", () => {
    expect(lengthOf(pack(2 ** 34, 5_000_000))).toBe(LONG_LINE);
    expect(() => pack(2 ** 40, 300)).toThrow(/cannot pass/);
  });
});
