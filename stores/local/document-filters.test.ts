import { Query } from "mingo";
import { describe, expect, it } from "vitest";
import { matcher } from "./document-filters.ts";

describe("matcher", () => {
  it("matches an $in list beside a date range as mingo does", () => {
    const filter = { user_id: { $in: [1, 2] }, started_at: { $gte: new Date(10), $lte: new Date(30) } };
    const docs = [
      { user_id: 1, started_at: new Date(5) },
      { user_id: 1, started_at: new Date(20) },
      { user_id: 3, started_at: new Date(20) },
      { user_id: [2, 7], started_at: new Date(25) },
      { user_id: 2, started_at: new Date(40) },
    ];
    const query = new Query(filter);
    expect(docs.filter(matcher(filter))).toEqual(docs.filter((d) => query.test(d)));
    expect(docs.filter(matcher(filter))).toHaveLength(2);
  });
});
