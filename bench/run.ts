/**
 * @module `npm run bench`: the speed figures the issues name, each with its scale, so anyone can rerun them.
 * Usage: npm run bench [-- --generate-scale large --load-scale medium]
 * The load scale also sets the ETL figures (full run, then an incremental batch of 10,000 new workouts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, rawDir } from "../lib/config.ts";
import { parseScale } from "../lib/scale.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { generate } from "../pipelines/generate/index.ts";
import { load } from "../pipelines/load/index.ts";
import { parseMysqlUrl } from "../stores/mysql.ts";

const { values } = parseArgs({ options: { "generate-scale": { type: "string", default: "large" }, "load-scale": { type: "string", default: "medium" } } });
const genScale = parseScale(values["generate-scale"]!);
const loadScale = parseScale(values["load-scale"]!);
const root = await mkdtemp(join(tmpdir(), "nike-bench-"));
const report = (figure: string, value: string, target: string) => process.stdout.write(`${figure.padEnd(70)} ${value.padEnd(18)} ${target}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const gb = () => `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`;

// Generation at the seed's scale.
const gen = await generate({ scale: genScale, seed: 42, outDir: join(root, "gen") });
const s = gen.seconds;
const people = s["setup:users"] + s.users + s.user_preferences + s.user_interests + s.devices + s.memberships;
report(`generate ${genScale.name}: ${fmt(genScale.users)} users + preferences, devices, memberships`, `${people.toFixed(2)} s`, "target ≤ 5 s");
report(`generate ${genScale.name}: ${fmt(genScale.activityLogs)} activity logs`, `${(s["setup:workload"] + s.activity_logs).toFixed(2)} s`, "target ≤ 30 s");
report(`generate ${genScale.name}: all ${Object.keys(gen.rows).length} tables`, `${Object.values(s).reduce((a, b) => a + b, 0).toFixed(2)} s`, "");
report("generate: peak memory (RSS of this process so far)", gb(), "target ≤ 3 GB");
await rm(join(root, "gen"), { recursive: true, force: true });

// Loads and ETL at the load scale, in a world of their own: a temp DATA_DIR and database.
const url = new URL(loadConfig().mysqlUrl);
url.pathname = `/nike_bench_${process.pid}`;
const config = loadConfig({ dataDir: join(root, "data"), mysqlUrl: url.toString() });
await generate({ scale: loadScale, seed: 42, outDir: rawDir(config) });
const stores = { close: async () => {} } as Awaited<ReturnType<typeof openEtlStores>>;
try {
  const loaded = await load(config);
  report(`load MySQL ${loadScale.name}: users (${fmt(loaded.mysql.rows.users)} rows from Parquet, LOAD DATA LOCAL)`, `${fmt(loaded.mysql.rows.users / loaded.mysql.seconds.users)} rows/s`, "target ≥ 200,000 rows/s");
  const mysqlRows = Object.values(loaded.mysql.rows).reduce((a, b) => a + b, 0);
  report(`load MySQL ${loadScale.name}: all ${Object.keys(loaded.mysql.rows).length} tables (${fmt(mysqlRows)} rows)`, `${fmt(mysqlRows / loaded.seconds.mysql)} rows/s`, "");
  report(`load embedded documents ${loadScale.name}: ${fmt(loaded.documents.activity_logs)} activity logs + goals + products`, `${loaded.seconds.documents.toFixed(2)} s`, "target ≤ 30 s for 1,000,000 logs");
  report(`load embedded DynamoDB ${loadScale.name}: ${fmt(loaded.sessions)} sessions`, `${fmt(loaded.sessions / loaded.seconds.sessions)} items/s`, "");

  Object.assign(stores, await openEtlStores(config));
  let t = performance.now();
  const full = await runEtl(config, stores, { full: true });
  report(`etl ${loadScale.name}: full run into MySQL and the lake (${fmt(full.loaded.fact_activity)} workouts)`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "target ≤ 60 s at medium");
  report(`etl ${loadScale.name}: phases extract / transform / load / lake`, Object.values(full.seconds).map((x) => x.toFixed(1)).join(" / ") + " s", "");

  const now = Date.now();
  const batch = Array.from({ length: 10_000 }, (_, i) => ({
    _id: 50_000_000 + i, user_id: 1 + (i % loadScale.users), activity_type: ["running", "yoga", "cycling"][i % 3], started_at: new Date(now - i * 60_000),
    duration_min: 30 + (i % 60), distance_km: 5, calories: 300, avg_heart_rate: 140, city: "Denver", state: "CO", created_at: new Date(now), updated_at: new Date(now),
  }));
  t = performance.now();
  await stores.documents.collection("activity_logs").insertMany(batch);
  const incremental = await runEtl(config, stores);
  report(`etl ${loadScale.name}: incremental batch, 10,000 new workouts, write → published`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "target ≤ 5 s");
  if (incremental.loaded.fact_activity !== 10_000) throw new Error(`incremental run loaded ${incremental.loaded.fact_activity} workouts, not 10,000`);
  report("peak memory of this process", gb(), "etl target ≤ 6 GB at large");
} finally {
  if (stores.mysql) await stores.mysql.query(`DROP DATABASE IF EXISTS \`${parseMysqlUrl(url.toString()).database}\``);
  await stores.close();
  await rm(root, { recursive: true, force: true });
}
