import { describe, expect, it } from "vitest";
import { KeyMap, uniqueKeys } from "./key-map.ts";

describe("KeyMap", () => {
  it("holds more entries than one Map can (2^24), and finds, replaces and deletes each", () => {
    const count = 2 ** 24 + 1000;
    expect(() => {
      const one = new Map<number, number>();
      for (let i = 0; i < count; i++) one.set(i, i);
    }).toThrow(/Map maximum size exceeded/);
    const map = new KeyMap<number>();
    for (let i = 0; i < count; i++) map.set(i, i);
    expect(map.size).toBe(count);
    for (const i of [0, 1, 15, 16, 2 ** 24 - 1, 2 ** 24, count - 1]) expect(map.get(i)).toBe(i);
    map.set(2 ** 24, -1);
    expect(map.delete(7)).toBe(true);
    expect(map.delete(7)).toBe(false);
    expect([map.get(2 ** 24), map.has(7), map.get(count), map.size]).toEqual([-1, false, undefined, count - 1]);
  });

  it("keeps numbers, text, negative and fractional keys apart, as a Map does", () => {
    const map = new KeyMap<string>();
    const keys = [1, "1", "s1", -3, 2.5, "o65a1b2c3d4e5f6a7b8c9d0e1", "", Number.MAX_SAFE_INTEGER + 2];
    keys.forEach((k, i) => map.set(k, `v${i}`));
    expect(keys.map((k) => map.get(k))).toEqual(keys.map((_, i) => `v${i}`));
    expect(new Set(map.keys())).toEqual(new Set(keys));
  });
});

describe("uniqueKeys", () => {
  it("drops repeats and keeps the first order", () => {
    expect(uniqueKeys([3, "a", 3, 1, "a", 2])).toEqual([3, "a", 1, 2]);
  });
});
