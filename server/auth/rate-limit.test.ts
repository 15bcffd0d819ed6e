import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./rate-limit.ts";

describe("FailureLimiter", () => {
  it("blocks a key after the limit within the window, and lets it go when the window passes", () => {
    const limiter = new FailureLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) limiter.fail("ana", 1_000 + i);
    expect(limiter.retryAfter("ana", 2_000)).toBe(59);
    expect(limiter.retryAfter("bo", 2_000)).toBe(0);
    expect(limiter.retryAfter("ana", 61_001)).toBe(0);
  });

  it("forgets on success, and keeps at most maxKeys keys", () => {
    const limiter = new FailureLimiter(1, 60_000, 2);
    limiter.fail("a", 0);
    limiter.clear("a");
    expect(limiter.retryAfter("a", 1)).toBe(0);
    limiter.fail("b", 0);
    limiter.fail("c", 0);
    limiter.fail("d", 0);
    expect(limiter.retryAfter("b", 1)).toBe(0);
    expect(limiter.retryAfter("d", 1)).toBeGreaterThan(0);
  });
});
