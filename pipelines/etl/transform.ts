/**
 * @module Transform: runs the warehouse models in DuckDB over a run's staged sources and the lake's
 * current state, checks each model, and leaves each mart's delta as a table (`<mart>`) and the
 * warehouse state after it as a view (`cur_<mart>`).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDB } from "../../lib/duckdb.ts";
import { MODELS, type Model } from "../../warehouse/models/index.ts";
import { ACTIVITIES, GOALS } from "../../domain/vocabulary.ts";
import { CheckFailed, readChecks, runChecks } from "./checks.ts";
import { lakeRelation } from "../../warehouse/lake.ts";
import type { MartSchemas } from "../../warehouse/ledger.ts";

const MODELS_DIR = new URL("../../warehouse/models/", import.meta.url);

/** DuckDB column definitions of each mart, read from the MySQL star schema so that the two never drift. */

export type TransformResult = { rows: Record<string, number>; checksPassed: number; unmatched: Record<string, number> };

/** Orders models so that each runs after its dependencies; a cycle or unknown dependency is an error. */
export function runOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const done = new Set<string>();
  const order: Model[] = [];
  const visit = (m: Model, path: string[]) => {
    if (done.has(m.name)) return;
    if (path.includes(m.name)) throw new Error(`model dependency cycle: ${[...path, m.name].join(" → ")}`);
    for (const dep of m.deps) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, m.name]);
      else if (!dep.startsWith("src_")) throw new Error(`model ${m.name} depends on unknown ${dep}`);
    }
    done.add(m.name);
    order.push(m);
  };
  for (const m of models) visit(m, []);
  return order;
}

export async function transform(duck: DuckDB, stagingRun: string, lake: string, schemas: MartSchemas, pseudonymKey: string): Promise<TransformResult> {
  await duck.run(`SET VARIABLE pseudonym_key = '${pseudonymKey.replaceAll("'", "''")}'`);
  for (const src of ["src_states", "src_users", "src_user_goals", "src_activity_logs", "src_sessions"]) {
    await duck.run(`CREATE OR REPLACE VIEW ${src} AS SELECT * FROM read_parquet('${join(stagingRun, `${src}.parquet`)}')`);
  }
  await duck.table("ref_activities", ACTIVITIES.map((a, i) => ({ activity_key: i + 1, activity_type: a.name, category: a.category, intensity: a.intensity })));
  await duck.table("ref_goals", GOALS.map((g, i) => ({ goal_key: i + 1, goal_type: g, description: g.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase()) })));
  await duck.run("CREATE OR REPLACE TABLE ref_activities AS SELECT activity_key::INTEGER AS activity_key, activity_type, category, intensity FROM ref_activities");
  await duck.run("CREATE OR REPLACE TABLE ref_goals AS SELECT goal_key::INTEGER AS goal_key, goal_type, description FROM ref_goals");

  // The warehouse state before this run, from the lake (empty, typed tables on the first run).
  for (const [mart, columns] of Object.entries(schemas)) {
    const relation = lakeRelation(lake, mart);
    if (relation) await duck.run(`CREATE OR REPLACE VIEW lake_${mart} AS SELECT ${columns.map((c) => `"${c.name}"::${c.type} AS "${c.name}"`).join(", ")} FROM ${relation}`);
    else await duck.run(`CREATE OR REPLACE TABLE lake_${mart} (${columns.map((c) => `"${c.name}" ${c.type}`).join(", ")})`);
  }

  const rows: Record<string, number> = {};
  let checksPassed = 0;
  for (const model of runOrder(MODELS)) {
    const sql = await readFile(new URL(`${model.layer}/${model.name}.sql`, MODELS_DIR), "utf8");
    await duck.run(`CREATE OR REPLACE TABLE ${model.name} AS ${sql}`);
    if (model.key) {
      // Conform to the warehouse's column types and order.
      const columns = schemas[model.name];
      await duck.run(`CREATE OR REPLACE TABLE ${model.name} AS SELECT ${columns.map((c) => `"${c.name}"::${c.type} AS "${c.name}"`).join(", ")} FROM ${model.name}`);
      await duck.run(`CREATE OR REPLACE VIEW cur_${model.name} AS
        SELECT * FROM lake_${model.name} WHERE ${model.key} NOT IN (SELECT ${model.key} FROM ${model.name})
        UNION ALL SELECT * FROM ${model.name}`);
    }
    const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${model.name}`);
    rows[model.name] = Number(n);
    checksPassed += await runChecks(duck, model.name, await readChecks(new URL(`${model.layer}/${model.name}.checks.json`, MODELS_DIR)));
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
  return { rows, checksPassed: checksPassed + 1, unmatched };
}
