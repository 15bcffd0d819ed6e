/**
 * @module Evaluates one alert rule against the MySQL star schema and the ETL ledger: a metric over the
 * latest complete period (against a bound, or against the period before), a source's watermark age,
 * or the last run's quarantined share. Reads only; what was found is recorded by `events.ts`.
 */
import type { MySql } from "../../stores/mysql.ts";
import { FRESHNESS, humanAge, sourceFreshness, type FreshnessRule } from "../freshness.ts";
import { readWatermarks, recentRuns, type Source } from "../ledger.ts";
import { completePeriod, dateKey, previousPeriod, type Period } from "./periods.ts";
import type { Dimension, MetricName, MetricRule, Rule } from "./rules.ts";

/** One group (a state, an activity type, an age band; `null` for the whole) whose figure crossed the rule's bound. */
export type Breach = { group: string | null; value: number; previous?: number; change?: number };
export type Evaluation = { rule: Rule; period: string; firing: boolean; summary: string; breaches: Breach[] };

type Fact = "fact_activity" | "fact_app_session";
/** `perUser`: the metric counts people, so the facts are first reduced to one row per user version and group (see `metricSql`). */
const METRICS: Record<MetricName, { fact: Fact; value: (inPeriod: string) => string; joins?: string[]; perUser?: boolean }> = {
  workouts: { fact: "fact_activity", value: (p) => `COUNT(CASE WHEN ${p} THEN 1 END)` },
  active_users: { fact: "fact_activity", value: (p) => `COUNT(DISTINCT CASE WHEN ${p} THEN u.user_pseudonym END)`, joins: ["user"], perUser: true },
  minutes: { fact: "fact_activity", value: (p) => `COALESCE(SUM(CASE WHEN ${p} THEN f.duration_min END), 0)` },
  sessions: { fact: "fact_app_session", value: (p) => `COUNT(CASE WHEN ${p} THEN 1 END)` },
};
const JOINS: Record<string, { sql: string; key: string }> = {
  user: { sql: "JOIN dim_user u ON u.user_key = f.user_key", key: "user_key" },
  location: { sql: "JOIN dim_location l ON l.location_key = f.location_key", key: "location_key" },
  activity: { sql: "JOIN dim_activity a ON a.activity_key = f.activity_key", key: "activity_key" },
};
/** Each dimension's column, and the join it needs, per fact. Workouts are placed where they happened; sessions where the user lives. */
const DIMENSION_COLUMNS: Record<Dimension, Record<Fact, { column: string; join: string } | undefined>> = {
  state: { fact_activity: { column: "l.state", join: "location" }, fact_app_session: { column: "u.region", join: "user" } },
  activity_type: { fact_activity: { column: "a.activity_type", join: "activity" }, fact_app_session: undefined },
  age_band: { fact_activity: { column: "u.age_band", join: "user" }, fact_app_session: { column: "u.age_band", join: "user" } },
};

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });
const signed = (pct: number) => `${pct > 0 ? "+" : ""}${fmt(pct)}%`;
const between = (p: Period) => `f.date_key BETWEEN ${dateKey(p.first)} AND ${dateKey(p.last)}`;
const periodLabel = (p: Period) => `${p.kind} ${p.key} (${p.first === p.last ? p.first : `${p.first} – ${p.last}`})`;

/**
 * The query of a metric per group over `current` and `previous`. It reads the fact by its date index:
 * InnoDB samples a few pages for its statistics, and at large counted 23,322 locations where there
 * are 75, so MariaDB planned from each location to all its facts (28 million random reads) instead.
 */
export function metricSql(rule: MetricRule, current: Period, previous: Period): string {
  const metric = METRICS[rule.metric];
  const dimension = rule.by ? DIMENSION_COLUMNS[rule.by][metric.fact] : undefined;
  const joins = [...new Set([...(metric.joins ?? []), ...(dimension ? [dimension.join] : [])])].map((j) => JOINS[j]);
  const facts = `${metric.fact} f FORCE INDEX (ix_${metric.fact}_date)`;
  const range = `f.date_key BETWEEN ${dateKey(previous.first)} AND ${dateKey(current.last)}`;
  const select = (inCurrent: string, inPrevious: string) => `SELECT ${dimension?.column ?? "NULL"} AS grp, ${metric.value(inCurrent)} AS current, ${metric.value(inPrevious)} AS previous`;
  if (!metric.perUser) return `${select(between(current), between(previous))} FROM ${facts} ${joins.map((j) => j.sql).join(" ")} WHERE ${range} GROUP BY grp ORDER BY grp`;
  // Each joined row reads a page of a dimension; at large two months were 2.3 million workouts but 89,000
  // users (36 s against 2 s), so the facts are reduced to one row per user version and joined key first.
  const keys = joins.map((j) => `f.${j.key}`).join(", ");
  return `${select("f.in_current", "f.in_previous")}
     FROM (SELECT ${keys}, MAX(${between(current)}) AS in_current, MAX(${between(previous)}) AS in_previous FROM ${facts} WHERE ${range} GROUP BY ${keys}) f
     ${joins.map((j) => j.sql).join(" ")} GROUP BY grp ORDER BY grp`;
}

/** The metric per group over `current` and `previous`, groups present in either. */
async function metricRows(db: MySql, rule: MetricRule, current: Period, previous: Period): Promise<Array<{ grp: string | null; current: number; previous: number }>> {
  const [rows] = await db.query(metricSql(rule, current, previous));
  return (rows as Array<{ grp: string | null; current: number | string; previous: number | string }>).map((r) => ({ grp: r.grp, current: Number(r.current), previous: Number(r.previous) }));
}

/** The latest date with facts (`YYYY-MM-DD`), or null when the fact table is empty. */
async function latestDate(db: MySql, fact: Fact): Promise<string | null> {
  const [rows] = await db.query(`SELECT MAX(date_key) AS d FROM ${fact}`);
  const d = (rows as Array<{ d: number | null }>)[0]?.d;
  return d ? `${String(d).slice(0, 4)}-${String(d).slice(4, 6)}-${String(d).slice(6, 8)}` : null;
}

function describeBreaches(breaches: Breach[], show: (b: Breach) => string): string {
  const shown = breaches.slice(0, 8).map(show).join(", ");
  return breaches.length > 8 ? `${shown} and ${breaches.length - 8} more` : shown;
}

async function evaluateMetric(db: MySql, rule: MetricRule): Promise<Evaluation> {
  const latest = await latestDate(db, METRICS[rule.metric].fact);
  if (!latest) return { rule, period: "none", firing: false, summary: `no ${METRICS[rule.metric].fact} rows yet`, breaches: [] };
  const current = completePeriod(rule.period, latest);
  const previous = previousPeriod(current);
  let rows = await metricRows(db, rule, current, previous);
  if (rows.length === 0 && !rule.by) rows = [{ grp: null, current: 0, previous: 0 }];
  const crosses = (n: number) => (rule.above !== undefined && n > rule.above) || (rule.below !== undefined && n < rule.below);
  const what = `${rule.metric.replace("_", " ")}${rule.by ? ` by ${rule.by.replace("_", " ")}` : ""}`;
  const bound = [rule.above !== undefined ? `above ${rule.kind === "percent_change" ? signed(rule.above) : fmt(rule.above)}` : "", rule.below !== undefined ? `below ${rule.kind === "percent_change" ? signed(rule.below) : fmt(rule.below)}` : ""].filter(Boolean).join(" or ");
  const name = (b: Breach) => b.group ?? "all";

  let breaches: Breach[];
  let summary: string;
  if (rule.kind === "threshold") {
    breaches = rows.filter((r) => crosses(r.current)).map((r) => ({ group: r.grp, value: r.current }));
    summary = `${what}, ${periodLabel(current)}: ${breaches.length ? describeBreaches(breaches, (b) => `${rule.by ? `${name(b)} ` : ""}${fmt(b.value)}`) : "none"} ${bound}`;
  } else {
    breaches = rows
      .filter((r) => r.previous >= Math.max(1, rule.min_previous))
      .map((r) => ({ group: r.grp, value: r.current, previous: r.previous, change: round(((r.current - r.previous) / r.previous) * 100) }))
      .filter((b) => crosses(b.change))
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
    summary = `${what}, ${periodLabel(current)} against the ${rule.period} before: ${breaches.length ? describeBreaches(breaches, (b) => `${rule.by ? `${name(b)} ` : ""}${signed(b.change ?? 0)} (${fmt(b.previous ?? 0)} → ${fmt(b.value)})`) : "none"} ${bound}`;
  }
  return { rule, period: current.key, firing: breaches.length > 0, summary, breaches };
}

async function evaluateFreshness(db: MySql, rule: Extract<Rule, { kind: "freshness" }>, now: Date): Promise<Evaluation> {
  const limitMs = rule.older_than ?? FRESHNESS[rule.source].errorAfterMs;
  const [state] = sourceFreshness(await readWatermarks(db), now, { [rule.source]: { warnAfterMs: limitMs, errorAfterMs: limitMs } } as Record<Source, FreshnessRule>);
  const period = now.toISOString().slice(0, 10); // while stale, at most one e-mail a day
  const limit = `limit ${humanAge(limitMs)}`;
  if (state.ageMs === null) return { rule, period, firing: true, summary: `${rule.source} has never been loaded (${limit})`, breaches: [{ group: rule.source, value: -1 }] };
  const firing = state.status === "error";
  const summary = `${rule.source}: newest loaded change ${state.newestLoaded}, ${humanAge(state.ageMs)} old (${limit})`;
  return { rule, period, firing, summary, breaches: firing ? [{ group: rule.source, value: round(state.ageMs / 3_600_000) }] : [] };
}

type RunReport = { extracted?: Record<string, number>; quarantined?: number };

async function evaluateQuarantine(db: MySql, rule: Extract<Rule, { kind: "quarantine_ratio" }>): Promise<Evaluation> {
  const run = (await recentRuns(db, 50)).find((r) => r.status === "complete" || r.status === "published");
  if (!run) return { rule, period: "none", firing: false, summary: "no ETL run yet", breaches: [] };
  const report = (typeof run.report === "string" ? JSON.parse(run.report) : run.report) as RunReport | null;
  // The same share ETL_MAX_QUARANTINE_RATIO limits: set-aside rows over the workouts and sessions read.
  const read = (report?.extracted?.activity_logs_read ?? 0) + (report?.extracted?.sessions ?? 0);
  const quarantined = report?.quarantined ?? 0;
  const ratio = quarantined / Math.max(1, read);
  const firing = ratio > rule.above;
  return {
    rule,
    period: `run ${run.run_id}`,
    firing,
    summary: `run ${run.run_id} quarantined ${fmt(quarantined)} of ${fmt(read)} source rows (${(ratio * 100).toFixed(3)}%; limit ${(rule.above * 100).toFixed(3)}%)`,
    breaches: firing ? [{ group: null, value: Number(ratio.toPrecision(3)) }] : [],
  };
}

/** Evaluates `rule` now (`now` matters only to freshness: metric periods follow the data's own dates). */
export function evaluateRule(db: MySql, rule: Rule, now: Date): Promise<Evaluation> {
  if (rule.kind === "freshness") return evaluateFreshness(db, rule, now);
  if (rule.kind === "quarantine_ratio") return evaluateQuarantine(db, rule);
  return evaluateMetric(db, rule);
}
