/**
 * @module Transform: runs the warehouse models in DuckDB over a run's staged sources and the lake's
 * current state, in the order their refs give (each marker bound to its relation), checks each
 * model, and leaves each mart's delta as a table (`<mart>`) and the warehouse state after it as a
 * view (`cur_<mart>`).
 */
import { join } from "node:path";
import { castTo, createTable, sqlText, type DuckDB } from "../../lib/duckdb.ts";
import { log } from "../../lib/progress.ts";
import { CheckFailed, checkNames, runChecks, type CheckResult } from "./checks.ts";
import { lakeRelation } from "../../warehouse/lake.ts";
import type { MartSchemas } from "../../warehouse/ledger.ts";
import { compiledChecks, compiledSql, loadProject, type Project, type ProjectModel } from "../../warehouse/models/project.ts";
import { checksOf } from "../../warehouse/models/spec.ts";
import { typedTable } from "../../warehouse/models/typed-table.ts";

const SLOW_MODEL_SECONDS = 2;

/** `checks`: every check that ran, named as declared (a run that gets here passed them all). */
export type TransformResult = { rows: Record<string, number>; checksPassed: number; checks: CheckResult[]; unmatched: Record<string, number> };

/** Differences between declared columns and actual ones, as "name: declared TYPE, actual TYPE" phrases. */
function columnDrift(declared: Array<{ name: string; type: string }>, actual: Array<{ name: string; type: string }>): string[] {
  const has = new Map(actual.map((c) => [c.name, c.type]));
  const out = declared.filter((c) => has.get(c.name) !== c.type).map((c) => `${c.name}: declared ${c.type}, ${has.has(c.name) ? `is ${has.get(c.name)}` : "missing"}`);
  for (const c of actual) if (!declared.some((d) => d.name === c.name)) out.push(`${c.name} (${c.type}): not declared`);
  return out;
}

const declared = (model: ProjectModel) => Object.entries(model.spec.columns).map(([name, c]) => ({ name, type: c.type }));

/** Binds each staged source (`src_<name>`) to its Parquet file, which must have exactly the declared columns. */
async function bindSources(duck: DuckDB, project: Project, stagingRun: string): Promise<void> {
  for (const [name, source] of Object.entries(project.sources)) {
    await duck.run(`CREATE OR REPLACE VIEW src_${name} AS SELECT * FROM read_parquet('${join(stagingRun, `src_${name}.parquet`)}')`);
    const actual = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE src_${name}`);
    const drift = columnDrift(Object.entries(source.columns).map(([c, d]) => ({ name: c, type: d.type })), actual.map((c) => ({ name: c.column_name, type: c.column_type })));
    if (drift.length) throw new Error(`staged source src_${name}.parquet does not match its declaration in warehouse/models/sources.ts: ${drift.join("; ")}`);
  }
}

export async function transform(duck: DuckDB, stagingRun: string, lake: string, schemas: MartSchemas, pseudonymKey: string): Promise<TransformResult> {
  const project = await loadProject();
  await duck.run(`SET VARIABLE pseudonym_key = ${sqlText(pseudonymKey)}`);
  await bindSources(duck, project, stagingRun);
  for (const [name, seed] of Object.entries(project.seeds)) await typedTable(duck, name, seed.columns, seed.rows);

  // The warehouse state before this run, from the lake (empty, typed tables on the first run).
  for (const [mart, columns] of Object.entries(schemas)) {
    const relation = lakeRelation(lake, mart);
    if (relation) await duck.run(`CREATE OR REPLACE VIEW lake_${mart} AS SELECT ${castTo(columns)} FROM ${relation}`);
    else await createTable(duck, `lake_${mart}`, Object.fromEntries(columns.map((c) => [c.name, c.type])));
  }

  const rows: Record<string, number> = {};
  const checks: CheckResult[] = [];
  for (const model of project.models) {
    const started = performance.now();
    if (!model.key) await duck.run(`CREATE OR REPLACE TABLE ${model.name} AS ${compiledSql(project, model)}`);
    else {
      // Conform to the warehouse's column types and order as it is built; the spec documents exactly those columns.
      const columns = schemas[model.name];
      const drift = columnDrift(declared(model), columns);
      if (drift.length) throw new Error(`${model.layer}/${model.name}.checks.json declares columns that differ from the star schema: ${drift.join("; ")}`);
      await duck.run(`CREATE OR REPLACE TABLE ${model.name} AS SELECT ${castTo(columns)} FROM (${compiledSql(project, model)})`);
      await duck.run(`CREATE OR REPLACE VIEW cur_${model.name} AS
        SELECT * FROM lake_${model.name} WHERE ${model.key} NOT IN (SELECT ${model.key} FROM ${model.name})
        UNION ALL SELECT * FROM ${model.name}`);
    }
    const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${model.name}`);
    rows[model.name] = Number(n);
    checks.push(...(await runChecks(duck, model.name, compiledChecks(project, model), checkNames(checksOf(model.spec)), rows[model.name])));
    // A model that takes seconds is named, so that a slow run says where its time went.
    const seconds = (performance.now() - started) / 1000;
    if (seconds >= SLOW_MODEL_SECONDS) log(`etl: model ${model.name}: ${rows[model.name].toLocaleString("en-US")} rows, built and checked in ${seconds.toFixed(1)} s`);
  }

  // Workouts and sessions that found no user version are reported, not silently dropped.
  const unmatched: Record<string, number> = {};
  await duck.run(`CREATE OR REPLACE TABLE unmatched_activity AS SELECT activity_id::VARCHAR AS source_id FROM stg_activity_logs WHERE activity_id NOT IN (SELECT activity_id FROM fact_activity)`);
  await duck.run(`CREATE OR REPLACE TABLE unmatched_session AS SELECT session_key AS source_id FROM stg_sessions WHERE session_key NOT IN (SELECT session_key FROM fact_app_session)`);
  for (const t of ["unmatched_activity", "unmatched_session"]) unmatched[t] = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${t}`))[0].n);
  // Source-to-fact reconciliation: every staged workout is a fact or reported unmatched.
  if (rows.stg_activity_logs !== rows.fact_activity + unmatched.unmatched_activity) {
    throw new CheckFailed("fact_activity", `reconciliation(stg_activity_logs ${rows.stg_activity_logs} = fact_activity ${rows.fact_activity} + unmatched ${unmatched.unmatched_activity})`, []);
  }
  checks.push({ model: "fact_activity", check: "reconciliation(stg_activity_logs = fact_activity + unmatched)", status: "pass" });
  return { rows, checksPassed: checks.length, checks, unmatched };
}
