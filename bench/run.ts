/**
 * @module `npm run bench`: the speed figures the issues name, each with its scale, so anyone can rerun them.
 * Usage: npm run bench [-- --generate-scale large --load-scale medium]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/config.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { parseScale } from "../lib/scale.ts";
import { generate } from "../pipelines/generate/index.ts";
import { loadDocuments } from "../pipelines/load/documents.ts";
import { loadMysql } from "../pipelines/load/mysql.ts";
import { checkRawFiles } from "../pipelines/load/raw-files.ts";
import { openEmbeddedStore } from "../stores/embedded-documents.ts";
import { applySchema, connectMysql, parseMysqlUrl } from "../stores/mysql.ts";

const { values } = parseArgs({ options: { "generate-scale": { type: "string", default: "large" }, "load-scale": { type: "string", default: "medium" } } });
const genScale = parseScale(values["generate-scale"]!);
const loadScale = parseScale(values["load-scale"]!);
const root = await mkdtemp(join(tmpdir(), "nike-bench-"));
const rows: Array<[string, string, string]> = [];
const report = (figure: string, value: string, target: string) => {
  rows.push([figure, value, target]);
  process.stdout.write(`${figure.padEnd(62)} ${value.padEnd(28)} ${target}\n`);
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

try {
  // Generation at the seed's scale.
  const gen = await generate({ scale: genScale, seed: 42, outDir: join(root, "gen") });
  const s = gen.seconds;
  const people = s["setup:users"] + s.users + s.user_preferences + s.user_interests + s.devices + s.memberships;
  report(`generate ${genScale.name}: ${fmt(genScale.users)} users + preferences, devices, memberships`, `${people.toFixed(2)} s`, "target ≤ 5 s");
  report(`generate ${genScale.name}: ${fmt(genScale.activityLogs)} activity logs`, `${(s["setup:workload"] + s.activity_logs).toFixed(2)} s`, "target ≤ 30 s");
  report(`generate ${genScale.name}: all ${Object.keys(gen.rows).length} tables`, `${Object.values(s).reduce((a, b) => a + b, 0).toFixed(2)} s`, "");
  report("generate: peak memory (RSS of this process so far)", `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`, "target ≤ 3 GB");
  await rm(join(root, "gen"), { recursive: true, force: true });

  // Loads at the load scale, into a fresh database and a fresh embedded store.
  const raw = join(root, "load");
  await generate({ scale: loadScale, seed: 42, outDir: raw });
  const duck = await openDuckDB();
  const counts = await checkRawFiles(duck, raw);
  const base = new URL(loadConfig().mysqlUrl);
  base.pathname = `/nike_bench_${process.pid}`;
  const db = await connectMysql(base.toString());
  try {
    await applySchema(db);
    const result = await loadMysql(db, duck, raw, counts);
    report(`load MySQL ${loadScale.name}: users (${fmt(counts.users)} rows, LOAD DATA LOCAL)`, `${fmt(counts.users / result.seconds.users)} rows/s`, "target ≥ 200,000 rows/s");
    const total = Object.values(result.seconds).reduce((a, b) => a + b, 0);
    const totalRows = Object.values(result.rows).reduce((a, b) => a + b, 0);
    report(`load MySQL ${loadScale.name}: all ${Object.keys(result.rows).length} tables (${fmt(totalRows)} rows)`, `${fmt(totalRows / total)} rows/s`, "");
  } finally {
    await db.query(`DROP DATABASE IF EXISTS \`${parseMysqlUrl(base.toString()).database}\``);
    await db.end();
  }
  const store = await openEmbeddedStore(join(root, "documents"));
  const started = performance.now();
  await loadDocuments(store, duck, raw, counts);
  await store.close();
  report(`load embedded documents ${loadScale.name}: ${fmt(counts.activity_logs)} activity logs (+ goals, products)`, `${((performance.now() - started) / 1000).toFixed(2)} s`, "target ≤ 30 s for 1,000,000 logs");
  duck.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
