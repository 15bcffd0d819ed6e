/**
 * @module The model project: every model's SQL and spec, what each reads (from its markers and its
 * checks' markers), the order they run in, and the relation each marker is bound to when the ETL
 * runs them. The ETL and the examples both go through here, so they read the same graph.
 */
import { readFile } from "node:fs/promises";
import { MODELS, type Model } from "./index.ts";
import { compile, dependencyOrder, refText, refsIn, unmarkedNames, type Ref } from "./refs.ts";
import { SEEDS, type Seed } from "./seeds.ts";
import { STAGED_SOURCES, type Relation } from "./sources.ts";
import { checkTexts, checksOf, readSpec, type Checks, type Columns, type ModelSpec } from "./spec.ts";

const MODELS_DIR = new URL("./", import.meta.url);

export type ModelSource = Model & { sql: string; spec: ModelSpec };
/** A model with what it reads: `reads` are its SQL's markers, `deps` the models it runs after (its SQL's and its checks' refs). */
export type ProjectModel = ModelSource & { reads: Ref[]; deps: string[] };
export type Project = { models: ProjectModel[]; sources: Record<string, Relation>; seeds: Record<string, Seed> };

export const modelFile = (model: Model, ext: "sql" | "checks.json") => new URL(`${model.layer}/${model.name}.${ext}`, MODELS_DIR);

/** Reads every model's SQL and spec and orders them. */
export async function loadProject(models: Model[] = MODELS): Promise<Project> {
  const sources = await Promise.all(models.map(async (m) => ({ ...m, sql: await readFile(modelFile(m, "sql"), "utf8"), spec: await readSpec(modelFile(m, "checks.json")) })));
  return plan(sources);
}

/** Derives what each model reads and the run order; an unknown name, an unmarked relation or a cycle is an error naming the model. */
export function plan(models: ModelSource[], sources: Record<string, Relation> = STAGED_SOURCES, seeds: Record<string, Seed> = SEEDS): Project {
  const relations = [
    ...models.flatMap((m) => (m.key ? [m.name, `cur_${m.name}`, `lake_${m.name}`] : [m.name])),
    ...Object.keys(sources).map((s) => `src_${s}`),
    ...Object.keys(seeds),
  ];
  const nodes = models.map((m) => {
    const reads = refsIn(m.sql, `${m.name}.sql`);
    const checks = checkTexts(m.spec);
    const unmarked = unmarkedNames([m.sql, ...checks].join("\n"), relations);
    if (unmarked.length) throw new Error(`model ${m.name} names ${unmarked.join(", ")} directly: read a model or seed with {{ ref('name') }}, a source with {{ source('name') }}, a mart's earlier rows with {{ this }}`);
    if (!m.key && reads.some((r) => r.kind === "this")) throw new Error(`model ${m.name} reads {{ this }}, which only a mart (a model with a key) has`);
    // A check may read the warehouse state of the model it checks (ref to itself); other refs must run first.
    const checkReads = refsIn(checks.join("\n"), `${m.name}.checks.json`).filter((r) => !(r.kind === "ref" && r.name === m.name));
    return { model: m, reads, node: { name: m.name, reads: [...reads, ...checkReads] } };
  });
  const order = dependencyOrder(nodes.map((n) => n.node), { sources: new Set(Object.keys(sources)), seeds: new Set(Object.keys(seeds)) });
  const byName = new Map(nodes.map((n) => [n.model.name, n]));
  return { models: order.map(({ name, deps }) => ({ ...byName.get(name)!.model, reads: byName.get(name)!.reads, deps })), sources, seeds };
}

/** The relation a marker in `model` is bound to in a run: a mart's ref reads the warehouse state after this run (`cur_<mart>`), `this` the state before it (`lake_<mart>`). */
export function relationOf(project: Project, model: Model, ref: Ref): string {
  if (ref.kind === "source") return `src_${ref.name}`;
  if (ref.kind === "this") return `lake_${model.name}`;
  if (ref.name in project.seeds) return ref.name;
  const target = project.models.find((m) => m.name === ref.name);
  if (!target) throw new Error(`model ${model.name}: unknown {{ ${refText(ref)} }}`);
  return target.key ? `cur_${target.name}` : target.name;
}

/** The columns of what a marker reads, as declared (staged source, seed, or the model's own spec). */
export function columnsOf(project: Project, model: ProjectModel, ref: Ref): Columns {
  if (ref.kind === "source") return project.sources[ref.name].columns;
  if (ref.kind === "this") return model.spec.columns;
  if (ref.name in project.seeds) return project.seeds[ref.name].columns;
  return project.models.find((m) => m.name === ref.name)!.spec.columns;
}

export const compiledSql = (project: Project, model: ProjectModel) => compile(model.sql, (ref) => relationOf(project, model, ref), `${model.name}.sql`);

export const compiledChecks = (project: Project, model: ProjectModel): Checks =>
  checksOf(model.spec, (sql, what) => compile(sql, (ref) => relationOf(project, model, ref), `${model.name}.checks.json ${what}`));
