/** @module Runs a model's declared data-quality checks; a failure names the model, the check and sample rows. */
import { sqlText, type DuckDB } from "../../lib/duckdb.ts";
import type { Checks } from "../../warehouse/models/spec.ts";

export class CheckFailed extends Error {
  constructor(readonly model: string, readonly check: string, readonly sample: unknown[]) {
    super(`data-quality check failed: ${model}: ${check}; sample: ${JSON.stringify(sample, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    this.name = "CheckFailed";
  }
}

const quote = (v: string | number | boolean) => (typeof v === "string" ? sqlText(v) : String(v));

/** The checks as (name, SQL returning offending rows); all but the model expressions test each row of the model. */
function queries(model: string, checks: Checks): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of checks.unique ?? []) out.push([`unique(${c})`, `SELECT ${c}, count(*) AS n FROM ${model} GROUP BY ${c} HAVING count(*) > 1`]);
  for (const c of checks.not_null ?? []) out.push([`not_null(${c})`, `SELECT * FROM ${model} WHERE ${c} IS NULL`]);
  for (const [c, values] of Object.entries(checks.accepted_values ?? {})) {
    out.push([`accepted_values(${c})`, `SELECT * FROM ${model} WHERE ${c} IS NOT NULL AND ${c} NOT IN (${values.map(quote).join(", ")})`]);
  }
  for (const r of checks.relationships ?? []) {
    out.push([`relationships(${r.column} → ${r.to}.${r.field})`, `SELECT * FROM ${model} m WHERE m.${r.column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${r.to} t WHERE t.${r.field} = m.${r.column})`]);
  }
  for (const e of checks.expressions ?? []) out.push([`expression(${e})`, `SELECT * FROM ${model} WHERE NOT coalesce((${e}), false)`]);
  for (const e of checks.model_expressions ?? []) out.push([`model_expression(${e})`, `SELECT 'violated' AS result WHERE NOT coalesce((${e}), false)`]);
  return out;
}

/** A check that passed in a run, as the run's report records it (the data docs show them). */
export type CheckResult = { model: string; check: string; status: "pass" };

/** The names of `checks`, in the order they run; from a model's declared checks, they name relations by their markers. */
export const checkNames = (checks: Checks): string[] => queries("", checks).map(([name]) => name);

/**
 * Runs every check; returns each one passed, named as in `names` (by default as bound, e.g. the
 * declared checks' names), or throws on the first failure. A model with no rows passes the row checks
 * vacuously, so they are not run: each relationship check still built its hash table from the whole
 * dimension, and an incremental run's two dozen empty deltas spent a third of its transform on them.
 */
export async function runChecks(duck: DuckDB, model: string, checks: Checks, names: string[] = checkNames(checks), rows?: number): Promise<CheckResult[]> {
  const list = queries(model, checks);
  const firstModelExpression = list.length - (checks.model_expressions?.length ?? 0);
  for (const [name, sql] of rows === 0 ? list.slice(firstModelExpression) : list) {
    const sample = await duck.all(`${sql} LIMIT 5`);
    if (sample.length) throw new CheckFailed(model, name, sample);
  }
  return list.map((_, i) => ({ model, check: names[i], status: "pass" }));
}
