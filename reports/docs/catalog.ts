/**
 * @module What the data docs show, gathered at build time: every model (staging and marts) and the
 * tables `nike report` writes back, with description, columns, SQL, checks and the latest run's
 * results, row counts (MySQL and the lake), Hive DDL and an example query; the staged sources with
 * their freshness; the insights and what they read; the ETL ledger's recent runs.
 */
import { lakeDir, type Config } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { applySchema, connectMysql, type MySql } from "../../stores/mysql.ts";
import { checkNames, type CheckResult } from "../../pipelines/etl/checks.ts";
import { sourceFreshness, type SourceFreshness } from "../../warehouse/freshness.ts";
import { hiveDdl, LAKE_TABLES } from "../../warehouse/hive.ts";
import { INSIGHT_READS, INSIGHT_WRITES, type FindingsOf } from "../../warehouse/insights/index.ts";
import { lakeRelation } from "../../warehouse/lake.ts";
import { STAR_SCHEMA, martSchemas, readWatermarks, recentRuns, type RunRow } from "../../warehouse/ledger.ts";
import { loadProject, type Project } from "../../warehouse/models/project.ts";
import type { Ref } from "../../warehouse/models/refs.ts";
import { checksOf, type Columns } from "../../warehouse/models/spec.ts";
import { VIEWS } from "../insights/index.ts";
import { EXAMPLE_QUERIES } from "./example-queries.ts";

export type CheckStatus = "pass" | "not run";

export type TableDoc = {
  name: string;
  kind: "staging" | "mart" | "write-back";
  description: string;
  columns: Columns;
  /** The model's SQL and where it lives (models only). */
  sql?: string;
  file?: string;
  reads: Ref[];
  /** A mart's key and lake partitioning. */
  key?: string;
  partitionBy?: string;
  /** Rows now in MySQL and in the lake; null where the table is not there (yet). Staging models are computed within each run and stored nowhere. */
  rows?: { mysql: number | null; lake: number | null };
  hive?: string;
  example?: { question: string; sql: string };
  /** Each declared check, with its result in the latest run that recorded results. */
  checks: Array<{ check: string; status: CheckStatus }>;
  /** Insights that read it, or (for a write-back table) that write it. */
  insights: string[];
};

export type SourceDoc = { name: string; description: string; columns: Columns };
export type SeedDoc = SourceDoc & { rows: number };
export type InsightDoc = { key: keyof FindingsOf; id: string; title: string; question: string; marts: string[]; insights: string[] };

export type RunDoc = {
  runId: string;
  mode: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  /** Rows published to the marts. */
  rows: number;
  quarantined: number;
  /** From start to the last finish the ledger recorded, in seconds; null while running. */
  seconds: number | null;
  checksPassed: number | null;
  error: string | null;
};

export type DocsCatalog = {
  generatedAt: string;
  tables: TableDoc[];
  sources: SourceDoc[];
  seeds: SeedDoc[];
  insights: InsightDoc[];
  /** Write-back tables by the insights they come from. */
  writes: Record<string, string[]>;
  runs: RunDoc[];
  /** The run whose check results are shown, or null if no run has recorded them. */
  checkedRun: RunDoc | null;
  freshness: SourceFreshness[];
};

/** The tables `nike report` writes back from the segmentation: not models, so described here. Their types come from the star schema. */
export const WRITE_BACK_DOCS: Record<string, { description: string; columns: Record<string, string> }> = {
  user_segment: {
    description: "One row per user with workouts: the segment the segmentation insight put them in. Rewritten whole by each `nike report`, in MySQL and the lake; the app reads each segment's best notification hour from it.",
    columns: {
      user_pseudonym: "Keyed pseudonym of the user (dim_user.user_pseudonym).",
      segment_id: "The segment, numbered from 0 by size.",
      segment_name: "The segment's name, e.g. Weekday runners.",
      best_hour: "The hour (0–23, local) the segment most often starts a workout; null if it logged none.",
      assigned_at: "When `nike report` assigned the segment (UTC).",
    },
  },
  segment_profile: {
    description: "One row per segment: its size, best notification hour and profile (traits, activity mix, recommended product categories) as JSON. Rewritten whole by each `nike report`; MySQL only.",
    columns: {
      segment_id: "The segment, numbered from 0 by size.",
      segment_name: "The segment's name.",
      users: "Users in the segment.",
      best_hour: "The hour (0–23, local) the segment most often starts a workout; null if it logged none.",
      profile: "Traits, activity mix and recommended product categories (JSON).",
      computed_at: "When `nike report` computed it (UTC).",
    },
  },
};

const parseReport = (r: RunRow) => (typeof r.report === "string" ? JSON.parse(r.report) : r.report) as { loaded?: Record<string, number>; quarantined?: number; checksPassed?: number; checks?: CheckResult[] } | null;
const utc = (mysqlTime: string | null) => (mysqlTime ? new Date(`${String(mysqlTime).replace(" ", "T")}Z`) : null);

export function runDoc(r: RunRow): RunDoc {
  const report = parseReport(r);
  const started = utc(r.started_at)!;
  const finished = utc(r.finished_at ?? r.published_at);
  return {
    runId: r.run_id,
    mode: r.mode,
    status: r.status,
    startedAt: String(r.started_at),
    finishedAt: r.finished_at ?? r.published_at,
    rows: report?.loaded ? Object.values(report.loaded).reduce((a, b) => a + b, 0) : 0,
    quarantined: report?.quarantined ?? 0,
    seconds: finished ? (finished.getTime() - started.getTime()) / 1000 : null,
    checksPassed: report?.checksPassed ?? null,
    error: r.error,
  };
}

async function mysqlCounts(db: MySql, tables: string[]): Promise<Record<string, number | null>> {
  const counts: Record<string, number | null> = {};
  for (const t of tables) {
    try {
      const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${t}\``);
      counts[t] = Number((rows as Array<{ n: number }>)[0].n);
    } catch {
      counts[t] = null;
    }
  }
  return counts;
}

async function lakeCounts(config: Config): Promise<Record<string, number | null>> {
  const duck = await openDuckDB({ threads: "2" });
  try {
    const counts: Record<string, number | null> = {};
    for (const t of LAKE_TABLES) {
      const relation = lakeRelation(lakeDir(config), t.name);
      counts[t.name] = relation ? Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${relation}`))[0].n) : null;
    }
    return counts;
  } finally {
    duck.close();
  }
}

/** Each model's declared checks, with the result `checked` recorded for it (or "not run"). */
function checksWithResults(project: Project, checked: CheckResult[] | undefined) {
  const byModel = new Map<string, Set<string>>();
  for (const c of checked ?? []) (byModel.get(c.model) ?? byModel.set(c.model, new Set()).get(c.model)!).add(c.check);
  return (model: string): TableDoc["checks"] => {
    const spec = project.models.find((m) => m.name === model)!.spec;
    const passed = byModel.get(model) ?? new Set();
    const declared = checkNames(checksOf(spec));
    // Checks the run adds beyond the declared ones (the source-to-fact reconciliation).
    const extra = [...passed].filter((c) => !declared.includes(c));
    return [...declared, ...extra].map((check) => ({ check, status: passed.has(check) ? "pass" : "not run" }));
  };
}

/** Gathers the docs from the model project, MySQL (star schema and ledger) and the lake, as of `now`. */
export async function collectDocs(config: Config, now: Date = new Date()): Promise<DocsCatalog> {
  const project = await loadProject();
  const db = await connectMysql(config.mysqlUrl, 1);
  let ledger: { rows: RunRow[]; watermarks: Awaited<ReturnType<typeof readWatermarks>>; schemas: Awaited<ReturnType<typeof martSchemas>>; counts: Record<string, number | null> };
  try {
    await applySchema(db, STAR_SCHEMA);
    const writeBack = Object.keys(WRITE_BACK_DOCS);
    const schemas = await martSchemas(db, [...project.models.filter((m) => m.key).map((m) => m.name), ...writeBack]);
    ledger = { rows: await recentRuns(db, 10), watermarks: await readWatermarks(db), schemas, counts: await mysqlCounts(db, Object.keys(schemas)) };
  } finally {
    await db.end();
  }
  const lake = await lakeCounts(config);
  const runs = ledger.rows.map(runDoc);
  const checkedRow = ledger.rows.find((r) => parseReport(r)?.checks);
  const checks = checksWithResults(project, checkedRow ? parseReport(checkedRow)!.checks : undefined);
  const hive = hiveDdl(ledger.schemas);

  const insights: InsightDoc[] = (Object.keys(INSIGHT_READS) as Array<keyof FindingsOf>).map((key) => ({
    key,
    id: VIEWS[key].id,
    title: VIEWS[key].title,
    question: VIEWS[key].question,
    marts: INSIGHT_READS[key].marts,
    insights: INSIGHT_READS[key].insights.map((k) => VIEWS[k].id),
  }));
  const readers = (table: string) => insights.filter((i) => i.marts.includes(table)).map((i) => i.id);
  const writes = Object.fromEntries(Object.entries(INSIGHT_WRITES).map(([t, keys]) => [t, keys.map((k) => VIEWS[k].id)]));

  const models: TableDoc[] = project.models.map((m) => ({
    name: m.name,
    kind: m.layer === "marts" ? "mart" : "staging",
    description: m.spec.description,
    columns: m.spec.columns,
    sql: m.sql,
    file: `warehouse/models/${m.layer}/${m.name}.sql`,
    reads: m.reads,
    key: m.key,
    partitionBy: m.partitionBy,
    rows: m.key ? { mysql: ledger.counts[m.name] ?? null, lake: lake[m.name] ?? null } : undefined,
    hive: hive[`${m.name}.hql`],
    example: EXAMPLE_QUERIES[m.name],
    checks: checks(m.name),
    insights: readers(m.name),
  }));
  const writeBack: TableDoc[] = Object.entries(WRITE_BACK_DOCS).map(([name, doc]) => ({
    name,
    kind: "write-back",
    description: doc.description,
    columns: Object.fromEntries((ledger.schemas[name] ?? []).map((c) => [c.name, { type: c.type, description: doc.columns[c.name] ?? "" }])),
    reads: [],
    rows: { mysql: ledger.counts[name] ?? null, lake: name in lake ? lake[name] : null },
    hive: hive[`${name}.hql`],
    example: EXAMPLE_QUERIES[name],
    checks: [],
    insights: writes[name] ?? [],
  }));
  // Marts first (in publishing order), then what the report writes back, then staging.
  const tables = [...models.filter((t) => t.kind === "mart"), ...writeBack, ...models.filter((t) => t.kind === "staging")];

  return {
    generatedAt: now.toISOString(),
    tables,
    sources: Object.entries(project.sources).map(([name, s]) => ({ name, ...s })),
    seeds: Object.entries(project.seeds).map(([name, s]) => ({ name, description: s.description, columns: s.columns, rows: s.rows.length })),
    insights,
    writes,
    runs,
    checkedRun: checkedRow ? runDoc(checkedRow) : null,
    freshness: sourceFreshness(ledger.watermarks, now),
  };
}
