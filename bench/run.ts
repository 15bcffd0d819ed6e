/**
 * @module `npm run bench`: the speed figures the issues name, each with its scale, so anyone can rerun them.
 * Usage: npm run bench [-- --generate-scale large --load-scale medium --inspire-scale small --only cli,generate,warehouse,inspire]
 * The load scale also sets the ETL, insight and report figures; Inspire is load-tested on its own world.
 * `--only segmentation` gives the segmentation figures alone (also part of `warehouse`); `--only filters` the
 * report pages' filter redraw times and page weights alone (also part of `warehouse`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, rawDir } from "../lib/config.ts";
import { parseScale } from "../lib/scale.ts";
import { FIXED_UNTIL } from "../test-support/world.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { generate } from "../pipelines/generate/index.ts";
import { load } from "../pipelines/load/index.ts";
import { rawFile } from "../pipelines/load/raw-files.ts";
import { loadSessions } from "../pipelines/load/sessions.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { openSessionStore } from "../stores/sessions.ts";
import { stopLocalService } from "../stores/local/locate.ts";
import { bulkTransaction, copyAllToMysql } from "../stores/mysql-bulk.ts";
import { connectMysql, parseMysqlUrl } from "../stores/mysql.ts";
import { report as buildReport } from "../cli/report.ts";
import { runInsights } from "../warehouse/insights/index.ts";
import { filtersBench } from "./filters.ts";
import { inspireBench } from "./inspire.ts";
import { kmeans, rng } from "../warehouse/insights/kmeans.ts";
import { overview } from "../warehouse/insights/insight.ts";
import { checkAlerts, loadRules } from "../warehouse/alerts/index.ts";
import { KMEANS_STARTS, segmentationFeatures, userSegmentation } from "../warehouse/insights/segmentation.ts";
import { openSource } from "../warehouse/insights/source.ts";

const { values } = parseArgs({
  options: {
    "generate-scale": { type: "string", default: "large" },
    "load-scale": { type: "string", default: "medium" },
    "inspire-scale": { type: "string", default: "small" },
    "large-scale": { type: "string", default: "large" },
    only: { type: "string", default: "cli,generate,warehouse,inspire" },
  },
});
const genScale = parseScale(values["generate-scale"]!);
const loadScale = parseScale(values["load-scale"]!);
const inspireScale = parseScale(values["inspire-scale"]!);
const largeScale = parseScale(values["large-scale"]!);
const sections = new Set(values.only!.split(","));
const NIKE = new URL("../bin/nike.mjs", import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), "nike-bench-"));
const report = (figure: string, value: string, target: string) => process.stdout.write(`${figure.padEnd(70)} ${value.padEnd(18)} ${target}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const gb = () => `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`;

if (sections.has("generate")) {
  // Generation at the seed's scale.
  const gen = await generate({ scale: genScale, seed: 42, until: FIXED_UNTIL, outDir: join(root, "gen") });
  const s = gen.seconds;
  const people = s["setup:users"] + s.users + s.user_preferences + s.user_interests + s.devices + s.memberships;
  report(`generate ${genScale.name}: ${fmt(genScale.users)} users + preferences, devices, memberships`, `${people.toFixed(2)} s`, "target ≤ 5 s");
  report(`generate ${genScale.name}: ${fmt(gen.rows.activity_logs)} activity logs`, `${(s["setup:workload"] + s.activity_logs).toFixed(2)} s`, "target ≤ 30 s");
  report(`generate ${genScale.name}: all ${Object.keys(gen.rows).length} tables`, `${Object.values(s).reduce((a, b) => a + b, 0).toFixed(2)} s`, "");
  report("generate: peak memory (RSS of this process so far)", gb(), "target ≤ 3 GB");
  await rm(join(root, "gen"), { recursive: true, force: true });
}

if (sections.has("cli")) await cliSection();
if (sections.has("warehouse")) await warehouseBench();
if (sections.has("segmentation")) await segmentationSection();
if (sections.has("filters")) await filtersSection();
if (sections.has("inspire")) await inspireSection();
if (sections.has("large")) await largeSection();
await rm(root, { recursive: true, force: true });

/** A world of its own: a temp DATA_DIR and database. */
function benchWorld(name: string) {
  const url = new URL(loadConfig().mysqlUrl);
  url.pathname = `/nike_bench_${name}_${process.pid}`;
  return loadConfig({ dataDir: join(root, name), mysqlUrl: url.toString() });
}

/** Generates data at `scale` into the world, loads it and publishes the warehouse with a full ETL run. */
async function publish(config: ReturnType<typeof loadConfig>, scale: ReturnType<typeof parseScale>): Promise<void> {
  await generate({ scale, seed: 42, until: FIXED_UNTIL, outDir: rawDir(config) });
  await load(config);
  const stores = await openEtlStores(config);
  try {
    await runEtl(config, stores, { full: true });
  } finally {
    await stores.close();
  }
}

async function dropDatabase(url: string) {
  const db = await connectMysql(url, 1);
  await db.query(`DROP DATABASE IF EXISTS \`${parseMysqlUrl(url).database}\``);
  await db.end();
}

async function inspireSection() {
  const config = benchWorld("inspire");
  await generate({ scale: inspireScale, seed: 42, until: FIXED_UNTIL, outDir: rawDir(config) });
  await load(config);
  try {
    await inspireBench(config, root, report, { scale: inspireScale.name });
  } finally {
    await stopLocalService(config.dataDir);
    await dropDatabase(config.mysqlUrl);
  }
}

/**
 * Two batches of 10,000 new workouts, each timed from the write to its published run: the first right after
 * the full run (MySQL's buffer pool holds the tables the full run built last, so the batch reads the pages of
 * `fact_activity`'s user index it changes from disk), the second as `etl --follow` meets them.
 */
async function incrementalBatches(config: ReturnType<typeof benchWorld>, stores: Awaited<ReturnType<typeof openEtlStores>>, scale: ReturnType<typeof parseScale>, label: string, target: string) {
  for (const [k, when] of [[0, "right after the full run"], [1, "the next batch, as --follow runs"]] as const) {
    const now = Date.now();
    const batch = Array.from({ length: 10_000 }, (_, i) => ({
      _id: 50_000_000 + k * 10_000 + i, user_id: 1 + (i % scale.users), activity_type: ["running", "yoga", "cycling"][i % 3], started_at: new Date(now - i * 60_000), time_zone: "America/Denver",
      duration_min: 30 + (i % 60), distance_km: 5, calories: 300, avg_heart_rate: 140, city: "Denver", state: "CO", created_at: new Date(now), updated_at: new Date(now),
    }));
    const t = performance.now();
    await stores.documents.collection("activity_logs").insertMany(batch);
    const incremental = await runEtl(config, stores);
    report(`${label}: incremental, 10,000 new workouts, write → published (${when})`, `${((performance.now() - t) / 1000).toFixed(2)} s`, target);
    report(`${label}: incremental phases extract / transform / load / lake`, Object.values(incremental.seconds).map((x) => x.toFixed(2)).join(" / ") + " s", "");
    if (incremental.loaded.fact_activity !== 10_000) throw new Error(`incremental run loaded ${incremental.loaded.fact_activity} workouts, not 10,000`);
  }
}

/** The load's wall time, and each store's. */
function loadFigures(loaded: Awaited<ReturnType<typeof load>>, label: string) {
  const { checks, mysql, documents, sessions, total } = loaded.seconds;
  report(`${label}: the whole command`, `${total.toFixed(1)} s`, "");
  report(`${label}: key and value checks / MySQL / documents / sessions (${fmt(loaded.sessions)})`, [checks, mysql, documents, sessions].map((x) => x.toFixed(1)).join(" / ") + " s", "");
}

/** The sessions written again, alone, into the service that holds every document: the load writes them beside the other stores. */
async function sessionsAlone(config: ReturnType<typeof benchWorld>, count: number, label: string) {
  const duck = await openDuckDB();
  const sessions = await openSessionStore(config);
  try {
    const t = performance.now();
    const written = await loadSessions(sessions, duck, rawDir(config), count);
    report(`${label}: ${fmt(written)} sessions written again alone (8 batch writes of 25 in flight)`, `${fmt(written / ((performance.now() - t) / 1000))} items/s`, "target ≥ 20,000 items/s");
  } finally {
    await sessions.close();
    duck.close();
  }
}

/**
 * `users` loaded again alone, into an empty copy of the table with its indexes, as the load does it: the load
 * writes MySQL beside the document store, so its own time for the table includes sharing the two cores.
 */
async function usersAlone(config: ReturnType<typeof benchWorld>, label: string, target: string) {
  const mysql = await connectMysql(config.mysqlUrl, 1);
  const duck = await openDuckDB();
  const dir = await mkdtemp(join(tmpdir(), "nike-bench-users-"));
  try {
    await mysql.query("CREATE TABLE bench_users LIKE users");
    const copy = { table: "bench_users", relation: `read_parquet('${rawFile(rawDir(config), "users")}')`, csv: join(dir, "users.csv") };
    const times = await bulkTransaction(mysql, (conn) => copyAllToMysql(conn, duck, [copy]));
    const [[{ n }]] = (await mysql.query("SELECT count(*) AS n FROM bench_users")) as unknown as [[{ n: number }]];
    report(`${label}: users (${fmt(n)} rows) loaded again alone into an empty copy of the table (LOAD DATA LOCAL, unique/foreign-key checks off)`, `${fmt(n / times.seconds.bench_users)} rows/s`, target);
  } finally {
    await mysql.query("DROP TABLE IF EXISTS bench_users").catch(() => undefined);
    await mysql.end();
    duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Issue 15's figures at the large scale: generate, load (MySQL users with the key check apart), extraction, the full and incremental ETL, and `nike notify schedule`. */
async function largeSection() {
  const config = benchWorld("large");
  const name = largeScale.name;
  try {
    let t = performance.now();
    await generate({ scale: largeScale, seed: 42, until: FIXED_UNTIL, outDir: rawDir(config) });
    report(`large ${name}: generate`, `${((performance.now() - t) / 1000).toFixed(1)} s`, "");
    const loaded = await load(config);
    await usersAlone(config, `large ${name}: load MySQL`, "target ≥ 170,000 rows/s");
    const mysqlRows = Object.values(loaded.mysql.rows).reduce((a, b) => a + b, 0);
    report(`large ${name}: load MySQL, all ${Object.keys(loaded.mysql.rows).length} tables (${fmt(mysqlRows)} rows)`, `${loaded.seconds.mysql.toFixed(1)} s`, "");
    report(`large ${name}: load documents (${fmt(loaded.documents.rows.activity_logs)} activity logs and the rest)`, `${loaded.seconds.documents.toFixed(1)} s`, "");
    loadFigures(loaded, `large ${name}: load`);
    await sessionsAlone(config, loaded.sessions, `large ${name}: DynamoDB`);
    const stores = await openEtlStores(config);
    try {
      t = performance.now();
      let streamed = 0;
      for await (const batch of stores.documents.collection("activity_logs").stream()) streamed += batch.length;
      report(`large ${name}: read every activity log from the document service through the driver (${fmt(streamed)})`, `${fmt(streamed / ((performance.now() - t) / 1000))} docs/s`, "target ≥ 100,000 docs/s");
      t = performance.now();
      const full = await runEtl(config, stores, { full: true });
      report(`large ${name}: etl full run into MySQL and the lake (${fmt(full.loaded.fact_activity)} workouts)`, `${((performance.now() - t) / 1000).toFixed(1)} s`, "was 22 min");
      report(`large ${name}: etl phases extract / transform / load / lake`, Object.values(full.seconds).map((x) => x.toFixed(1)).join(" / ") + " s", "");
      await incrementalBatches(config, stores, largeScale, `large ${name}: etl`, "target ≤ 10 s at large");
      report(`large ${name}: peak memory of this process`, gb(), "target ≤ 6 GB");
    } finally {
      await stores.close();
    }
    const env = { ...process.env, DATA_DIR: config.dataDir, MYSQL_URL: config.mysqlUrl, CI: "true" };
    t = performance.now();
    const out = execFileSync(process.execPath, [NIKE, "notify", "schedule"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    report(`large ${name}: nike notify schedule, ${fmt(largeScale.users)} users (${out.trim().split(" (")[0]})`, `${((performance.now() - t) / 1000).toFixed(1)} s`, "target ≤ 120 s at large");
  } finally {
    await stopLocalService(config.dataDir);
    await dropDatabase(config.mysqlUrl);
    await rm(config.dataDir, { recursive: true, force: true });
  }
}

/** Start-up of the CLI beside Node's own, timed by hyperfine: `nike --help`, and `nike etl --status` on a tiny warehouse. */
async function cliSection() {
  const hyperfine = spawnSync("hyperfine", ["--version"]);
  if (hyperfine.error) throw new Error("The cli section times commands with hyperfine: install it (apt-get install hyperfine) or leave cli out of --only.");
  const config = benchWorld("cli");
  try {
    await publish(config, parseScale("tiny"));
    const env = { ...process.env, DATA_DIR: config.dataDir, MYSQL_URL: config.mysqlUrl, CI: "true" };
    const json = join(root, "cli.json");
    const commands = ["node -e 0", `node ${NIKE} --help`, `node ${NIKE} etl --status`];
    execFileSync("hyperfine", ["-N", "--warmup", "3", "--runs", "20", "--export-json", json, ...commands], { env, stdio: ["ignore", "ignore", "inherit"] });
    const results = (JSON.parse(await readFile(json, "utf8")) as { results: Array<{ median: number }> }).results;
    const seconds = (i: number) => `${results[i].median.toFixed(3)} s`;
    report("cli: node -e 0 (Node alone, for comparison), median of 20", seconds(0), "");
    report("cli: nike --help, median of 20", seconds(1), "target ≤ 0.3 s");
    report("cli: nike etl --status (tiny warehouse, store service running), median of 20", seconds(2), "target ≤ 1 s");
  } finally {
    await stopLocalService(config.dataDir);
    await dropDatabase(config.mysqlUrl);
    await rm(config.dataDir, { recursive: true, force: true });
  }
}

async function warehouseBench() {
  // Loads, ETL, insights and the report at the load scale.
  const config = benchWorld("warehouse");
  await generate({ scale: loadScale, seed: 42, until: FIXED_UNTIL, outDir: rawDir(config) });
  const stores = { close: async () => {} } as Awaited<ReturnType<typeof openEtlStores>>;
  try {
    const loaded = await load(config);
    await usersAlone(config, `load MySQL ${loadScale.name}`, "target ≥ 170,000 rows/s (issue 15; the first bench asked 200,000)");
    const mysqlRows = Object.values(loaded.mysql.rows).reduce((a, b) => a + b, 0);
    report(`load MySQL ${loadScale.name}: all ${Object.keys(loaded.mysql.rows).length} tables (${fmt(mysqlRows)} rows), beside the document load`, `${fmt(mysqlRows / loaded.seconds.mysql)} rows/s`, "");
    report(`load embedded documents ${loadScale.name}, through the wire, beside MySQL's load: ${fmt(loaded.documents.rows.activity_logs)} activity logs`, `${loaded.documents.seconds.activity_logs.toFixed(2)} s`, "target ≤ 15 s for 1,000,000 logs (in-process: 11.4 s)");
    report(`load embedded documents ${loadScale.name}: with ${fmt(loaded.documents.rows.user_goals)} goals and ${fmt(loaded.documents.rows.products)} products`, `${loaded.seconds.documents.toFixed(2)} s`, "");
    loadFigures(loaded, `load ${loadScale.name}`);
    await sessionsAlone(config, loaded.sessions, `load embedded DynamoDB ${loadScale.name}`);

    Object.assign(stores, await openEtlStores(config));
    let t = performance.now();
    const full = await runEtl(config, stores, { full: true });
    report(`etl ${loadScale.name}: full run into MySQL and the lake (${fmt(full.loaded.fact_activity)} workouts)`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "target ≤ 45 s at medium (in-process stores: 43.1 s)");
    report(`etl ${loadScale.name}: phases extract / transform / load / lake`, Object.values(full.seconds).map((x) => x.toFixed(1)).join(" / ") + " s", "");
    t = performance.now();
    const alerts = await checkAlerts(config, stores.mysql, await loadRules());
    report(`alerts ${loadScale.name}: the check \`nike etl\` runs after the full run (${alerts.length} rules, MySQL)`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "medium: 23.2 s before the run refreshed table statistics");

    await incrementalBatches(config, stores, loadScale, `etl ${loadScale.name}`, "target ≤ 3 s (in-process stores: 3.29 s)");
    report("peak memory of this process", gb(), "etl target ≤ 6 GB at large");
    await stores.close();

    // Insights and the report site on the same warehouse.
    t = performance.now();
    const insights = await runInsights(config);
    report(`insights ${loadScale.name}: all six over the lake (${fmt(insights.overview.activeUsers)} active users)`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "target ≤ 10 s at medium");
    report(`insights ${loadScale.name}: per insight`, Object.values(insights.timings).map((x) => x.toFixed(2)).join(" / ") + " s", "");
    const site = await buildReport({ out: join(root, "site") }, ["report"], config);
    report(`nike report ${loadScale.name}: insights, segment write-back, site with ${site.run.all.reduce((n, i) => n + i.charts.length, 0)} charts (SVG + PNG)`, `${site.seconds.toFixed(2)} s`, "target ≤ 20 s at medium");
    await filtersBench(join(root, "site"), report, loadScale.name);

    await segmentationBench(config);
  } finally {
    await dropDatabase(config.mysqlUrl);
    await stores.close();
    await stopLocalService(config.dataDir);
    await rm(config.dataDir, { recursive: true, force: true });
  }
}

/** The filters' figures alone: a warehouse at the load scale, its report site, each page's redraw time and weight. */
async function filtersSection() {
  const config = benchWorld("filters");
  try {
    await publish(config, loadScale);
    const site = await buildReport({ out: join(root, "filters-site") }, ["report"], config);
    report(`nike report ${loadScale.name}: the site with its filters' cubes`, `${site.seconds.toFixed(2)} s`, "target ≤ 20 s at medium");
    await filtersBench(join(root, "filters-site"), report, loadScale.name);
  } finally {
    await dropDatabase(config.mysqlUrl);
    await stopLocalService(config.dataDir);
    await rm(config.dataDir, { recursive: true, force: true });
  }
}

/** The segmentation figures alone: the insight on a warehouse at the load scale, then k-means on a million users. */
async function segmentationSection() {
  const config = benchWorld("segmentation");
  try {
    await publish(config, loadScale);
    const source = await openSource(config);
    try {
      // The overview is shared by every insight, so `runInsights` computes it before timing them: likewise here.
      await overview(source);
      const t = performance.now();
      const insight = await userSegmentation(source);
      report(`segmentation ${loadScale.name}: the insight alone (${fmt(insight.rowsRead)} users with workouts, k = ${insight.findings.k})`, `${((performance.now() - t) / 1000).toFixed(2)} s`, "");
    } finally {
      await source.close();
    }
    await segmentationBench(config);
  } finally {
    await dropDatabase(config.mysqlUrl);
    await stopLocalService(config.dataDir);
    await rm(config.dataDir, { recursive: true, force: true });
  }
}

/**
 * k-means on 1,000,000 users: the warehouse's real feature rows, repeated with a little noise up to
 * a million, clustered with k = 5 and the segmentation's number of k-means++ starts, here and by
 * scikit-learn (as many starts, `n_init`) on the same matrix.
 */
async function segmentationBench(config: ReturnType<typeof loadConfig>) {
  const source = await openSource(config);
  const { matrix: base, features } = await segmentationFeatures(source);
  await source.close();
  const n = 1_000_000;
  const d = base.d;
  // In shared memory, as `featureMatrix` makes it, so the worker threads read it without a copy.
  const data = new Float64Array(new SharedArrayBuffer(n * d * Float64Array.BYTES_PER_ELEMENT));
  const random = rng(5);
  for (let i = 0; i < n; i++) {
    const from = (i % base.n) * d;
    for (let j = 0; j < d; j++) data[i * d + j] = base.data[from + j] + (random() - 0.5) * 0.05;
  }
  let t = performance.now();
  const ours = kmeans({ data, n, d }, 5, { seed: 1, starts: KMEANS_STARTS });
  const seconds = (performance.now() - t) / 1000;
  report(`segmentation: k-means k = 5, ${KMEANS_STARTS} starts on ${availableParallelism()} threads, on ${fmt(n)} users × ${d} features (typed arrays)`, `${seconds.toFixed(2)} s`, `inertia ${fmt(ours.inertia)}, ${ours.iterations} iterations in the best start`);
  const file = join(root, "features.f64");
  const seedsFile = join(root, "seeds.f64");
  await writeFile(file, new Uint8Array(data.buffer));
  await writeFile(seedsFile, new Uint8Array(ours.seeds.buffer));
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const script = new URL("./kmeans_sklearn.py", import.meta.url).pathname;
  const sklearn = (starts: number, ...seeds: string[]) =>
    JSON.parse(execFileSync(python, [script, file, String(n), String(d), "5", String(starts), ...seeds], { encoding: "utf8" })) as { seconds: number; inertia: number; iterations: number };
  try {
    const sk = sklearn(KMEANS_STARTS);
    report(`segmentation: scikit-learn KMeans, n_init = ${KMEANS_STARTS}, on the same matrix (${features.length} features)`, `${sk.seconds.toFixed(2)} s`, `inertia ${fmt(sk.inertia)}, ${sk.iterations} iterations in the best start`);
    report(`segmentation: ours / scikit-learn, ${KMEANS_STARTS} starts each from its own k-means++`, `${(seconds / sk.seconds).toFixed(2)}× time`, `inertia ${((ours.inertia / sk.inertia - 1) * 100).toFixed(2)}%  (targets ≤ 2× and within 2%)`);
    const same = sklearn(1, seedsFile);
    report("segmentation: scikit-learn from the seeds of our best start (same start)", `${same.seconds.toFixed(2)} s`, `inertia ${((ours.inertia / same.inertia - 1) * 100).toFixed(2)}% from ours, ${same.iterations} iterations`);
  } catch (error) {
    report("segmentation: scikit-learn reference", "not run", `(${(error as Error).message.split("\n")[0]}; apt-get install python3-sklearn)`);
  }
}
