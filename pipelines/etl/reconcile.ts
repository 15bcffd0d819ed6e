/**
 * @module Source-to-fact reconciliation of orders: per month of `ordered_at` (UTC), the orders' totals
 * in MySQL's operational tables equal the net amounts of `fact_order_line` as the run leaves the
 * warehouse — the run's view of it (the lake before the run with this run's delta), then the star
 * schema inside the publishing transaction, then the lake files the run is about to swap in. Sums are
 * compared in whole cents. A mismatch fails the run before anything is published, as a failed check
 * does, naming the month and both sums.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PoolConnection } from "mysql2/promise";
import type { DuckDB } from "../../lib/duckdb.ts";
import { CheckFailed, type CheckResult } from "./checks.ts";
import type { OrderTotal } from "./extract.ts";

const FACT = "fact_order_line";
const OPERATIONAL = "orders.total_amount in MySQL";

/** Cents per month (YYYY-MM). */
type Totals = Map<string, number>;

/** What the run expects the warehouse to hold after it: every month's cents, and the months it rewrites. */
export type Reconciled = { totals: Totals; months: string[] };

const money = (cents: number) => `${cents < 0 ? "-" : ""}${(Math.abs(cents) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function compare(expected: Totals, actual: Totals, months: Iterable<string>, names: [expected: string, actual: string]): void {
  for (const month of [...new Set(months)].sort()) {
    const [a, b] = [expected.get(month) ?? 0, actual.get(month) ?? 0];
    if (a !== b) {
      throw new CheckFailed(FACT, `reconciliation of ${month}: ${names[0]} ${money(a)} ≠ ${names[1]} ${money(b)}`, [{ month, [names[0]]: a / 100, [names[1]]: b / 100 }]);
    }
  }
}

const totalsOf = (rows: Array<{ month: string; cents: number | bigint | string }>): Totals => new Map(rows.map((r) => [r.month, Number(r.cents)]));

/**
 * Compares the operational totals (read in the snapshot the orders were extracted in) with the
 * warehouse as this run leaves it, in every month. Needs the transform's `cur_`, `lake_` and delta
 * relations of fact_order_line.
 */
export async function reconcileWithSource(duck: DuckDB, operational: OrderTotal[], full: boolean): Promise<Reconciled & { check: CheckResult }> {
  const totals = totalsOf(await duck.all(`SELECT strftime(ordered_at, '%Y-%m') AS month, sum(round(net_amount * 100))::BIGINT AS cents FROM cur_${FACT} GROUP BY 1`));
  const source = new Map(operational.map((o) => [o.month, o.cents]));
  compare(source, totals, [...source.keys(), ...totals.keys()], [OPERATIONAL, `${FACT}.net_amount`]);
  // The months the run rewrites: its delta's, and those of the rows the delta replaces.
  const months = full
    ? [...totals.keys()]
    : (await duck.all<{ month: string }>(`
        SELECT strftime(ordered_at, '%Y-%m') AS month FROM ${FACT}
        UNION SELECT strftime(ordered_at, '%Y-%m') FROM lake_${FACT} WHERE order_id IN (SELECT order_id FROM ${FACT})`)).map((r) => r.month);
  return { totals, months: months.sort(), check: { model: FACT, check: `reconciliation(${OPERATIONAL} = ${FACT}.net_amount in the star schema and the lake, per month)`, status: "pass" } };
}

const monthStart = (month: string) => `${month}-01 00:00:00`;
const nextMonth = (month: string) => {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
};

/** The star schema's months the run rewrites, read inside its publishing transaction (before it commits). */
export async function reconcileStarSchema(conn: PoolConnection, expected: Reconciled): Promise<void> {
  if (!expected.months.length) return;
  const [rows] = await conn.query(
    `SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS month, ROUND(SUM(net_amount) * 100) AS cents FROM ${FACT}
     WHERE ${expected.months.map(() => "(ordered_at >= ? AND ordered_at < ?)").join(" OR ")} GROUP BY 1`,
    expected.months.flatMap((m) => [monthStart(m), monthStart(nextMonth(m))]),
  );
  compare(expected.totals, totalsOf(rows as Array<{ month: string; cents: number }>), expected.months, [OPERATIONAL, `${FACT}.net_amount in the star schema`]);
}

/** The lake's months the run rewrites, as they will be once its pending files are swapped in (a month it did not write stays as the lake has it). */
export async function reconcileLake(duck: DuckDB, pending: string, lake: string, expected: Reconciled, full: boolean): Promise<void> {
  if (!expected.months.length) return;
  const files: string[] = [];
  if (full) {
    if (existsSync(join(pending, FACT))) files.push(join(pending, FACT, "**", "*.parquet"));
  } else {
    for (const month of expected.months) {
      const partition = join(FACT, `year=${month.slice(0, 4)}`, `month=${month.slice(5, 7)}`);
      const from = [join(pending, partition), join(lake, partition)].find((dir) => existsSync(dir));
      if (from) files.push(join(from, "*.parquet"));
    }
  }
  const actual: Totals = files.length
    ? totalsOf(await duck.all(`SELECT strftime(ordered_at, '%Y-%m') AS month, sum(round(net_amount * 100))::BIGINT AS cents
        FROM read_parquet([${files.map((f) => `'${f}'`).join(", ")}], hive_partitioning = false) GROUP BY 1`))
    : new Map();
  compare(expected.totals, actual, expected.months, [OPERATIONAL, `${FACT}.net_amount in the lake`]);
}
