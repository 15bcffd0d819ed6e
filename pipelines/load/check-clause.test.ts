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
    expect(await evaluate("`a` - -`b` * 2 = 7", { a: "1", b: "3" })).toBe(true);
    // NOT takes the whole comparison; MariaDB prints it as `!`, which takes only what follows.
    expect(await evaluate("`a` > 5 or not `a` > 0", { a: "-1" })).toBe(true);
    expect(await evaluate("`a` > 5 or not `a` > 0", { a: "1" })).toBe(false);
    expect(checkClauseToDuckDB("!(`a` > 0) and `b` <=> 1", quoted)).toBe(`((NOT ("a" > 0)) AND ("b" IS NOT DISTINCT FROM 1))`);
    expect(await evaluate("`score` not between 1 and 10", { score: "11" })).toBe(true);
    expect(await evaluate("`n` % 2 = 1", { n: "3" })).toBe(true);
  });

  it("reads strings as MariaDB and MySQL 8 print them: backslash escapes, doubled quotes, a character set before the quote", async () => {
    expect(await evaluate("`kind` in ('it\\'s', 'a\\\\b')", { kind: "'it''s'" })).toBe(true);
    expect(await evaluate("`kind` in ('it\\'s', 'a\\\\b')", { kind: "'a\\b'" })).toBe(true);
    expect(await evaluate("`kind` = 'it''s'", { kind: "'it''s'" })).toBe(true);
    expect(await evaluate("`kind` = 'line\\nbreak'", { kind: "'line' || chr(10) || 'break'" })).toBe(true);
    expect(await evaluate("(`store_type` = _utf8mb4'physical')", { store_type: "'physical'" })).toBe(true);
  });

  it("takes the schema's own inbound-shipment status rule: delivered exactly when a delivery date is set", async () => {
    const clause = "`status` = 'delivered' = (`delivered_on` is not null)";
    expect(await evaluate(clause, { status: "'delivered'", delivered_on: "DATE '2025-03-02'" })).toBe(true);
    expect(await evaluate(clause, { status: "'in transit'", delivered_on: "NULL::DATE" })).toBe(true);
    expect(await evaluate(clause, { status: "'in transit'", delivered_on: "DATE '2025-03-02'" })).toBe(false);
  });

  it("is unknown, not false, where a column is NULL (MySQL lets such a row pass)", async () => {
    expect(await evaluate("`ends_on` >= `starts_on`", { ends_on: "NULL::DATE", starts_on: "DATE '2025-01-01'" })).toBeNull();
  });

  it("names the clause and where it stopped when it cannot read it", () => {
    expect(() => checkClauseToDuckDB("`a` div 2 = 1", quoted)).toThrow("CHECK clause `a` div 2 = 1: unexpected token at token 2 (div)");
    expect(() => checkClauseToDuckDB("`a` is 3", quoted)).toThrow("expected NULL, TRUE or FALSE after IS");
    expect(() => checkClauseToDuckDB("`a` constructor 3", quoted)).toThrow("unexpected token at token 2 (constructor)");
  });
});
