import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { CheckFailed, runChecks } from "./checks.ts";

describe("runChecks", () => {
  let duck: DuckDB;
  beforeAll(async () => {
    duck = await openDuckDB();
    await duck.run("CREATE TABLE dim_x AS SELECT 1 AS k");
    await duck.run("CREATE TABLE fact_x (k INTEGER, n INTEGER)");
  });
  afterAll(() => duck.close());

  it("names the first failing row check with sample rows", async () => {
    await duck.run("INSERT INTO fact_x VALUES (1, 5), (2, NULL)");
    const checks = { not_null: ["k"], relationships: [{ column: "k", to: "dim_x", field: "k" }], expressions: ["n > 0"] };
    const error = await runChecks(duck, "fact_x", checks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as CheckFailed).check).toBe("relationships(k → dim_x.k)");
    expect((error as CheckFailed).sample).toEqual([{ k: 2, n: null }]);
    await duck.run("DELETE FROM fact_x");
  });

  it("passes an empty model's row checks without running them, and still runs its model expressions", async () => {
    // A relationship to a table that does not exist fails if it runs: on an empty model it must not.
    const rowChecks = { unique: ["k"], relationships: [{ column: "k", to: "no_such_table", field: "k" }] };
    const passed = await runChecks(duck, "fact_x", rowChecks, undefined, 0);
    expect(passed.map((c) => c.check)).toEqual(["unique(k)", "relationships(k → no_such_table.k)"]);
    await expect(runChecks(duck, "fact_x", rowChecks)).rejects.toThrow(/no_such_table/);
    const failing = await runChecks(duck, "fact_x", { ...rowChecks, model_expressions: ["(SELECT count(*) FROM fact_x) > 0"] }, undefined, 0).catch((e: unknown) => e);
    expect((failing as CheckFailed).check).toBe("model_expression((SELECT count(*) FROM fact_x) > 0)");
  });
});
