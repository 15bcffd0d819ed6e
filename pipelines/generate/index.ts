/**
 * @module `nike generate`: every table the seed system holds, as Parquet in `data/raw/`, plus what
 * was planted in `data/raw/planted/`. Rows are drawn in DuckDB from seeded hashes of their ids, so the
 * same seed gives the same rows in the same order, at any thread count.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { swapFolder } from "../../lib/files.ts";
import { log, progress } from "../../lib/progress.ts";
import type { Scale } from "../../lib/scale.ts";
import { FITNESS_TABLES, allocateWorkouts } from "./fitness.ts";
import { createLookups, historyDays as historyDaysOf } from "./lookups.ts";
import { historyWindow } from "./model.ts";
import { generateUsers, USER_TABLES } from "./people.ts";
import { plantedTruth, type NamedVendor } from "./planted.ts";
import { createPools } from "./pools.ts";
import { QUOTES } from "./quotes.ts";
import { ORDER_TABLES, generateOrders } from "./orders.ts";
import { RETAIL_TABLES, generateRetail, retailSizes } from "./retail.ts";
import { SUPPLY_TABLES, generateSupply, inboundShipments } from "./supply.ts";
import { WORKFORCE_TABLES, generateWorkforce } from "./workforce.ts";

/** `until` (YYYY-MM-DD) is the day the data is as of: the same seed and `until` give the same rows. */
export type GenerateOptions = { scale: Scale; seed: number; until: string; outDir: string; threads?: number };
/** Rows per table, and seconds per table (plus `setup:*` for the shared user and workload tables). */
export type GenerateResult = { rows: Record<string, number>; seconds: Record<string, number> };

/** The output tables in dependency order (a table may read an earlier one as `<name>_out`). */
export const RAW_TABLES = [
  "states", "cities", "users", "user_preferences", "user_interests", "devices", "memberships", "addresses",
  "vendors", "vendor_contracts", "departments", "roles", "employees", "payroll", "performance_reviews", "stores", "store_events",
  "products", "supplied_products", "inventory", "inventory_snapshots", "inbound_shipments", "sales",
  "discounts", "orders", "order_items", "payments", "shipments", "order_status_history",
  "quotes", "user_goals", "activity_logs", "sessions",
] as const;
export type RawTable = (typeof RAW_TABLES)[number];

/** Tables later SQL reads back, so they are materialised before being written. */
const MATERIALISED = new Set<RawTable>(["devices", "inventory", "orders"]);

async function defineRandomness(db: DuckDB, seed: number, until: string): Promise<void> {
  const s = Math.trunc(seed);
  await db.run(`SET VARIABLE seed = ${s}`);
  await db.run(`SET VARIABLE until = DATE '${until}'`);
  await db.run(`SET VARIABLE history_start = DATE '${historyWindow(until).start}'`);
  // The queries are written in the join order that keeps intermediates small; the optimizer's estimates
  // for hash-keyed bucket joins otherwise put the small lookups first and multiply rows (7× slower).
  await db.run("SET disabled_optimizers = 'join_order'");
  // 53 random bits of a hash of (key, salt, seed): a uniform draw in [0, 1) that depends only on its inputs.
  await db.run(`CREATE OR REPLACE MACRO rnd(k, salt) AS ((hash(k, salt, ${s}) >> 11)::DOUBLE / 9007199254740992.0)`);
  // Box–Muller from two independent uniforms: a standard normal draw.
  await db.run(`CREATE OR REPLACE MACRO nrm(k, salt) AS (sqrt(-2 * ln(greatest(rnd(k, salt || ':a'), 1e-12))) * cos(2 * pi() * rnd(k, salt || ':b')))`);
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { scale, seed, until, outDir } = options;
  const sizes = retailSizes(scale.users);
  const historyDays = historyDaysOf(until).length;
  const params: Record<string, number> = { users: scale.users, history_days: historyDays, inbound_shipments: inboundShipments(scale.users), ...sizes };
  const history = historyWindow(until);
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, "planted"), { recursive: true });
  // DuckDB spills beside the output (by default it would spill into `.tmp` of whatever folder the command ran in).
  const spill = `${outDir}.spill-${process.pid}`;
  const db = await openDuckDB({ threads: String(options.threads ?? 2), memory_limit: "2GB", preserve_insertion_order: "true", temp_directory: spill });
  const rows: Record<string, number> = {};
  const seconds: Record<string, number> = {};
  try {
    await defineRandomness(db, seed, until);
    await createLookups(db, until);
    const faker = await createPools(db, seed);
    let started = performance.now();
    await generateUsers(db, scale.users);
    seconds["setup:users"] = (performance.now() - started) / 1000;
    started = performance.now();
    await generateRetail(db, faker, sizes, history);
    await generateWorkforce(db, sizes.employees);
    await generateSupply(db, sizes.vendors);
    await generateOrders(db, faker, sizes.orders, scale.users, history);
    seconds["setup:retail"] = (performance.now() - started) / 1000;
    started = performance.now();
    await allocateWorkouts(db, historyDays / 7);
    const [{ workouts }] = await db.all<{ workouts: bigint }>("SELECT sum(workouts) AS workouts FROM workload");
    seconds["setup:workload"] = (performance.now() - started) / 1000;
    await db.table("quotes_g", QUOTES.map((q) => ({ quote_id: q.quoteId, text: q.text, author: q.author, goal: q.goal, activity_type: q.activityType, tone: q.tone })));

    const sql: Record<RawTable, string> = {
      states: "SELECT state AS state_code, state_name AS name, region, 'United States' AS country FROM states ORDER BY state",
      cities: "SELECT city_id, city AS name, state AS state_code FROM cities ORDER BY city_id",
      ...USER_TABLES,
      ...RETAIL_TABLES,
      ...WORKFORCE_TABLES,
      ...SUPPLY_TABLES,
      ...ORDER_TABLES,
      quotes: "SELECT *, TIMESTAMP '2024-01-01' AS created_at, TIMESTAMP '2024-01-01' AS updated_at FROM quotes_g ORDER BY quote_id",
      ...FITNESS_TABLES,
    };
    for (const table of RAW_TABLES) {
      const started = performance.now();
      const query = sql[table].replaceAll(/%(\w+)%/g, (_, name: string) => String(params[name]));
      const file = join(tmp, `${table}.parquet`);
      let source = `(${query})`;
      if (MATERIALISED.has(table)) {
        await db.run(`CREATE OR REPLACE TABLE ${table}_out AS ${query}`);
        source = `${table}_out`;
      }
      const expected = table === "users" ? scale.users : table === "activity_logs" ? Number(workouts) : 0;
      const bar = expected ? progress(`generate ${table}`, expected) : undefined;
      await db.run(`COPY ${source} TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`);
      const [{ n }] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${file}')`);
      rows[table] = Number(n);
      seconds[table] = (performance.now() - started) / 1000;
      bar?.tick(rows[table]);
      bar?.done();
    }
    await db.run(`COPY (SELECT user_id, segment FROM users_g ORDER BY user_id) TO '${join(tmp, "planted", "user_segments.parquet")}' (FORMAT parquet)`);
    const vendors = (await db.all<NamedVendor>("SELECT vendor_id::INT AS vendor_id, name FROM vendors_pool ORDER BY vendor_id"));
    await writeFile(join(tmp, "planted", "truth.json"), `${JSON.stringify(plantedTruth({ seed, scale, until, vendors }), null, 2)}\n`);
  } finally {
    db.close();
    await rm(spill, { recursive: true, force: true });
  }
  // Swap the finished folder in whole, so a failed run never leaves a half-written `raw/`.
  await swapFolder(tmp, outDir);
  log(`generated ${Object.values(rows).reduce((a, b) => a + b, 0).toLocaleString("en-US")} rows in ${RAW_TABLES.length} tables into ${outDir}`);
  return { rows, seconds };
}
