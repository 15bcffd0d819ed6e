import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { checkClauseToDuckDB } from "./check-clause.ts";

const quoted = (name: string) => `"${name}"`;

let duck: DuckDB;
beforeAll(async () => {
  duck = await openDuckDB();
});
afterAll(() => duck.close());

/** The clause evaluated by DuckDB over one row of `values`. */
async function evaluate(clause: string, values: Record<string, string>): Promise<boolean | null> {
  const row = Object.entries(values).map(([name, value]) => `${value} AS ${quoted(name)}`).join(", ");
  const [{ ok }] = await duck.all<{ ok: boolean | null }>(`SELECT ${checkClauseToDuckDB(clause, quoted)} AS ok FROM (SELECT ${row})`);
  return ok;
}

describe("checkClauseToDuckDB", () => {
  it("reads chained comparisons as MySQL does, from the left", async () => {
    const clause = "`store_type` = 'physical' = (`channel` = 'in-store')";
    expect(checkClauseToDuckDB(clause, quoted)).toBe(`(("store_type" = 'physical') = ("channel" = 'in-store'))`);
    expect(await evaluate(clause, { store_type: "'physical'", channel: "'in-store'" })).toBe(true);
    expect(await evaluate(clause, { store_type: "'online'", channel: "'web'" })).toBe(true);
    expect(await evaluate(clause, { store_type: "'online'", channel: "'in-store'" })).toBe(false);
  });

  it("keeps MySQL's precedence of AND over OR, arithmetic over comparison, and BETWEEN's own AND", async () => {
    const dates = "`promised_on` >= `shipped_on` and (`delivered_on` is null or `delivered_on` >= `shipped_on`)";
    const row = { promised_on: "DATE '2025-03-20'", shipped_on: "DATE '2025-03-01'" };
    expect(await evaluate(dates, { ...row, delivered_on: "NULL::DATE" })).toBe(true);
    expect(await evaluate(dates, { ...row, delivered_on: "DATE '2025-02-01'" })).toBe(false);
    const net = "`net_amount` = `quantity` * `unit_price` - `discount_amount`";
    expect(await evaluate(net, { net_amount: "19.00::DECIMAL(12,2)", quantity: "2", unit_price: "10.00::DECIMAL(10,2)", discount_amount: "1.00::DECIMAL(10,2)" })).toBe(true);
    expect(await evaluate(net, { net_amount: "20.00::DECIMAL(12,2)", quantity: "2", unit_price: "10.00::DECIMAL(10,2)", discount_amount: "1.00::DECIMAL(10,2)" })).toBe(false);
    expect(await evaluate("`score` between 1 and 10 and `score` <> 5", { score: "10" })).toBe(true);
    expect(await evaluate("`score` between 1 and 10 and `score` <> 5", { score: "5" })).toBe(false);
    expect(await evaluate("`a` - -`b` * 2 = 7 or not `a` > 0", { a: "1", b: "3" })).toBe(true);
    expect(await evaluate("`kind` not in ('a', 'it''s') and `n` % 2 = 1", { kind: "'b'", n: "3" })).toBe(true);
  });

  it("is unknown, not false, where a column is NULL (MySQL lets such a row pass)", async () => {
    expect(await evaluate("`ends_on` >= `starts_on`", { ends_on: "NULL::DATE", starts_on: "DATE '2025-01-01'" })).toBeNull();
  });

  it("names the clause and where it stopped when it cannot read it", () => {
    expect(() => checkClauseToDuckDB("`a` div 2 = 1", quoted)).toThrow("CHECK clause `a` div 2 = 1: unexpected token at token 2 (div)");
    expect(() => checkClauseToDuckDB("`a` is 3", quoted)).toThrow("expected NULL, TRUE or FALSE after IS");
  });
});
