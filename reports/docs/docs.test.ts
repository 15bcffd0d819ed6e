/**
 * The data docs built for a published tiny world, in the site (as `nike report` builds them) and
 * alone (`nike docs`): tables, row counts, example queries, lineage, checks, runs and freshness,
 * checked against the warehouse and the ledger, and opened in headless Chromium.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etlStatusText } from "../../cli/etl-status.ts";
import { lakeDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { connectMysql, type MySql } from "../../stores/mysql.ts";
import { launchBrowser, watchProblems } from "../../test-support/browser.ts";
import { publishedWorld } from "../../test-support/published-world.ts";
import type { World } from "../../test-support/world.ts";
import { LAKE_TABLES } from "../../warehouse/hive.ts";
import { runInsights } from "../../warehouse/insights/index.ts";
import { publishSegments } from "../../warehouse/insights/publish-segments.ts";
import { lakeRelation } from "../../warehouse/lake.ts";
import { recentRuns } from "../../warehouse/ledger.ts";
import { MARTS } from "../../warehouse/models/index.ts";
import { loadProject } from "../../warehouse/models/project.ts";
import { presentInsights } from "../insights/index.ts";
import { writeSite } from "../site.ts";
import { buildDocs } from "./index.ts";
import { collectDocs, type DocsCatalog } from "./catalog.ts";
import { EXAMPLE_QUERIES } from "./example-queries.ts";

const SCREENSHOTS = new URL("../screenshots/", import.meta.url).pathname;
const BIN = join(import.meta.dirname, "..", "..", "bin", "nike.mjs");
const HOUR = 3_600_000;

let world: World;
let db: MySql;
let browser: Browser;
let site: string;
let docs: string;
let catalog: DocsCatalog;

beforeAll(async () => {
  world = await publishedWorld(6, "tiny");
  db = await connectMysql(world.config.mysqlUrl, 1);
  // As `nike report` does: the insights, the segment write-back, then the site with its docs.
  const computed = await runInsights(world.config);
  await publishSegments(world.config, computed.segments.findings, computed.hours.findings);
  catalog = await collectDocs(world.config);
  site = join(world.dataDir, "site");
  const facts = { dataAsOf: computed.overview.latestWorkout, lastEtlRun: null, rowCounts: [], command: "nike report" };
  await writeSite(presentInsights(computed), facts as never, site, catalog);
  docs = join(site, "docs");
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await db?.end();
  await world?.dispose();
});

/** Opens a docs page in Chromium from file://, runs `look` on it, and fails on any console error, failed request or CSP violation. */
async function onPage<T>(file: string, look: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = watchProblems(page);
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective}`));
  });
  try {
    await page.goto(pathToFileURL(join(docs, file)).href);
    const result = await look(page);
    expect(problems, file).toEqual([]);
    return result;
  } finally {
    await page.close();
  }
}

const count = async (sql: string) => Number(((await db.query(sql))[0] as Array<{ n: number }>)[0].n);

/** A DuckDB session with a view per lake table, as analysts (and the insights) read the lake. */
async function lakeSession() {
  const duck = await openDuckDB();
  for (const t of LAKE_TABLES) {
    const relation = lakeRelation(lakeDir(world.config), t.name);
    if (relation) await duck.run(`CREATE VIEW ${t.name} AS SELECT ${t.partitionBy ? "* EXCLUDE (year, month)" : "*"} FROM ${relation}`);
  }
  return duck;
}

describe("data docs: tables", () => {
  it("has a page per mart with every column typed and described and the row counts of MySQL and the lake", async () => {
    const project = await loadProject();
    const duck = await lakeSession();
    try {
      for (const mart of MARTS) {
        const spec = project.models.find((m) => m.name === mart.name)!.spec;
        const mysqlRows = await count(`SELECT COUNT(*) AS n FROM ${mart.name}`);
        const lakeRows = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${mart.name}`))[0].n);
        expect(mysqlRows, mart.name).toBeGreaterThan(0);
        const shown = await onPage(`${mart.name}.html`, (page) =>
          page.evaluate(() => ({
            columns: [...document.querySelectorAll("table.columns tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
            mysql: document.querySelector(".rows-mysql")?.textContent,
            lake: document.querySelector(".rows-lake")?.textContent,
            hive: document.querySelector("pre.hive")?.textContent ?? "",
            example: document.querySelector("pre.example")?.textContent ?? "",
            sql: document.querySelector("pre.sql")?.textContent ?? "",
          })),
        );
        expect(shown.columns, mart.name).toEqual(Object.entries(spec.columns).map(([name, c]) => [name, c.type, c.description]));
        expect(shown.mysql, mart.name).toBe(mysqlRows.toLocaleString("en-US"));
        expect(shown.lake, mart.name).toBe(lakeRows.toLocaleString("en-US"));
        expect(shown.hive).toBe(await readFile(new URL(`../../warehouse/hive/${mart.name}.hql`, import.meta.url), "utf8"));
        expect(shown.example).toBe(EXAMPLE_QUERIES[mart.name].sql);
        expect(shown.sql).toBe(project.models.find((m) => m.name === mart.name)!.sql);
      }
    } finally {
      duck.close();
    }
  });

  it("documents every table of the star schema and the lake, each with an example query", async () => {
    const [tables] = await db.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND (TABLE_NAME LIKE 'dim\\_%' OR TABLE_NAME LIKE 'fact\\_%' OR TABLE_NAME IN ('user_segment', 'segment_profile'))");
    const star = (tables as Array<{ t: string }>).map((r) => r.t);
    const documented = catalog.tables.filter((t) => t.kind !== "staging").map((t) => t.name);
    expect([...documented].sort()).toEqual([...new Set([...star, ...LAKE_TABLES.map((t) => t.name)])].sort());
    for (const t of catalog.tables.filter((t) => t.kind !== "staging")) {
      expect(t.example, t.name).toBeDefined();
      for (const [column, doc] of Object.entries(t.columns)) expect(doc.description, `${t.name}.${column}`).not.toBe("");
      expect(existsSync(join(docs, `${t.name}.html`)), t.name).toBe(true);
    }
  });

  it("runs every example query as written on MySQL and, for the lake's tables, on DuckDB over the lake, with the same number of rows", async () => {
    const duck = await lakeSession();
    try {
      for (const [table, example] of Object.entries(EXAMPLE_QUERIES)) {
        const [mysqlRows] = await db.query(example.sql);
        expect((mysqlRows as unknown[]).length, table).toBeGreaterThan(0);
        if (!LAKE_TABLES.some((t) => t.name === table)) continue;
        const lakeRows = await duck.all(example.sql);
        expect(lakeRows.length, table).toBe((mysqlRows as unknown[]).length);
      }
    } finally {
      duck.close();
    }
  });
});

describe("data docs: lineage", () => {
  it("draws a node per source, seed, model, insight and write-back table, an edge per ref and per insight read, each node a link to an existing page or section", async () => {
    const project = await loadProject();
    const graph = await onPage("index.html", async (page) => {
      const found = await page.evaluate(() => ({
        nodes: [...document.querySelectorAll("svg.lineage a.node")].map((a) => ({ id: a.getAttribute("data-node")!, href: a.getAttribute("href")! })),
        edges: [...document.querySelectorAll("svg.lineage path.edge")].map((p) => `${p.getAttribute("data-from")} → ${p.getAttribute("data-to")}`),
      }));
      await page.locator("svg.lineage").screenshot({ path: join(SCREENSHOTS, "docs-lineage.png") });
      await page.screenshot({ path: join(SCREENSHOTS, "docs-index.png"), fullPage: true });
      return found;
    });
    const ids = graph.nodes.map((n) => n.id);
    expect(ids.sort()).toEqual(
      [
        ...Object.keys(project.sources).map((s) => `source:${s}`),
        ...Object.keys(project.seeds).map((s) => `seed:${s}`),
        ...project.models.map((m) => `table:${m.name}`),
        "table:user_segment", "table:segment_profile",
        ...catalog.insights.map((i) => `insight:${i.id}`),
      ].sort(),
    );
    const refEdges = project.models.flatMap((m) =>
      m.reads.filter((r) => r.kind !== "this").map((r) => `${r.kind === "source" ? "source" : r.name in project.seeds ? "seed" : "table"}:${r.name} → table:${m.name}`),
    );
    const insightEdges = catalog.insights.flatMap((i) => [...i.marts.map((m) => `table:${m} → insight:${i.id}`), ...i.insights.map((u) => `insight:${u} → insight:${i.id}`)]);
    expect(graph.edges.sort()).toEqual([...new Set([...refEdges, ...insightEdges, ...Object.entries(catalog.writes).flatMap(([t, ins]) => ins.map((i) => `insight:${i} → table:${t}`))])].sort());
    expect(refEdges).toContain("table:dim_user → table:fact_activity");
    expect(insightEdges).toContain("table:dim_location → insight:activity-by-location");

    for (const node of graph.nodes) {
      const [file, fragment] = node.href.split("#");
      expect(existsSync(join(docs, file)), node.href).toBe(true);
      if (fragment) expect(await readFile(join(docs, file), "utf8"), node.href).toContain(`id="${fragment}"`);
    }
    const svg = await readFile(join(docs, "lineage.svg"), "utf8");
    expect(svg).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/class="node /g)?.length).toBe(graph.nodes.length);
  });
});

describe("data docs: checks, runs and freshness", () => {
  it("shows each model's checks with the latest run's result, which passed every one", async () => {
    const [latest] = await recentRuns(db, 1);
    const report = (typeof latest.report === "string" ? JSON.parse(latest.report) : latest.report) as { checks: Array<{ model: string; check: string; status: string }>; checksPassed: number };
    expect(report.checks.length).toBe(report.checksPassed);
    expect(catalog.checkedRun?.runId).toBe(latest.run_id);
    for (const model of ["fact_activity", "dim_user", "stg_activity_logs"]) {
      const shown = await onPage(`${model}.html`, (page) =>
        page.evaluate(() => [...document.querySelectorAll("table.checks tbody tr")].map((tr) => [tr.querySelector("td code")?.textContent, tr.querySelector(".status")?.textContent])),
      );
      const expected = report.checks.filter((c) => c.model === model).map((c) => [c.check, c.status]);
      expect(expected.length, model).toBeGreaterThan(0);
      expect(shown, model).toEqual(expected);
    }
    expect(report.checks).toContainEqual({ model: "dim_user", check: "relationships(location_key → {{ ref('dim_location') }}.location_key)", status: "pass" });
  });

  it("lists the ledger's recent runs with rows, quarantined rows and duration", async () => {
    const runs = await recentRuns(db);
    const shown = await onPage("index.html", (page) => page.evaluate(() => [...document.querySelectorAll("table.runs tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent))));
    expect(shown.map((r) => r[0])).toEqual(runs.map((r) => r.run_id));
    const report = (typeof runs[0].report === "string" ? JSON.parse(runs[0].report) : runs[0].report) as { loaded: Record<string, number>; quarantined: number };
    expect(shown[0][2]).toBe("complete");
    expect(shown[0][5]).toBe(Object.values(report.loaded).reduce((a, b) => a + b, 0).toLocaleString("en-US"));
    expect(shown[0][6]).toBe(String(report.quarantined));
    expect(shown[0][4]).toMatch(/^\d+\.\d s$/);
  });

  it("rates each source's freshness against its thresholds: pass, warn, error and never loaded, in the docs and in nike etl --status", async () => {
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() - ms).toISOString().replace("T", " ").replace("Z", "");
    await db.query("UPDATE etl_watermarks SET updated_at = ? WHERE source = 'activity_logs'", [at(2 * HOUR)]); // warn after 1h, error after 1d
    await db.query("UPDATE etl_watermarks SET updated_at = ? WHERE source = 'users'", [at(8 * 24 * HOUR)]); // warn after 1d, error after 7d
    await db.query("UPDATE etl_watermarks SET updated_at = ? WHERE source = 'sessions'", [at(10 * 60_000)]);
    await db.query("DELETE FROM etl_watermarks WHERE source = 'memberships'");

    const alone = join(world.dataDir, "docs-alone");
    const built = await buildDocs(world.config, alone, now);
    const status = Object.fromEntries(built.catalog.freshness.map((f) => [f.source, f.status]));
    expect(status).toMatchObject({ activity_logs: "warn", users: "error", sessions: "pass", memberships: "never loaded" });
    const page = await readFile(built.index, "utf8");
    expect(page).toMatch(/<tr data-source="activity_logs"><td>activity_logs<\/td><td><span class="status status-warn">warn<\/span><\/td><td>[^<]+<\/td><td>2h<\/td><td>1h<\/td><td>1d<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-source="users"><td>users<\/td><td><span class="status status-error">error<\/span><\/td><td>[^<]+<\/td><td>8d<\/td><td>1d<\/td><td>7d<\/td><\/tr>/);

    const text = await etlStatusText(db, now);
    expect(text).toMatch(/^source\s+status\s+newest loaded record\s+age\s+warn after\s+error after$/m);
    expect(text).toMatch(/^activity_logs\s+warn\s+\S+\s+2h\s+1h\s+1d$/m);
    expect(text).toMatch(/^users\s+error\s+\S+\s+8d\s+1d\s+7d$/m);
    expect(text).toMatch(/^sessions\s+pass\s+\S+\s+10m\s+1h\s+1d$/m);
    expect(text).toMatch(/^memberships\s+never loaded\s+—\s+—\s+7d\s+30d$/m);
  });
});

describe("data docs: on the command line and in the site", () => {
  const env = () => ({ ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, CI: "true" });

  it("nike etl --status prints the freshness table and exits 0; nike docs --out writes the docs and prints their index", () => {
    const status = spawnSync(process.execPath, [BIN, "etl", "--status"], { encoding: "utf8", env: env() });
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^freshness at \S+ \(age of each source's newest loaded record\)$/m);
    for (const source of ["activity_logs", "sessions", "users", "user_goals", "memberships"]) expect(status.stdout).toMatch(new RegExp(`^${source}\\s+(pass|warn|error|never loaded)\\s`, "m"));

    const out = join(world.dataDir, "docs-cli");
    const docsRun = spawnSync(process.execPath, [BIN, "docs", "--out", out], { encoding: "utf8", env: env() });
    expect(docsRun.status, docsRun.stderr).toBe(0);
    expect(docsRun.stdout).toBe(`${join(out, "index.html")}\n`);
    for (const t of catalog.tables) expect(existsSync(join(out, `${t.name}.html`)), t.name).toBe(true);
  });

  it("links the docs from every report page, and every docs page holds its policy in Chromium (no script, no console error)", async () => {
    for (const p of ["index.html", "activity-by-location.html"]) expect(await readFile(join(site, p), "utf8")).toContain('<a href="docs/index.html">Data docs</a>');
    for (const table of catalog.tables) {
      const policy = await onPage(`${table.name}.html`, (page) => page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? ""));
      expect(policy).toMatch(/script-src 'self'(;|$)/);
      expect(await readFile(join(docs, `${table.name}.html`), "utf8")).not.toMatch(/<script/);
    }
    await onPage("fact_activity.html", (page) => page.screenshot({ path: join(SCREENSHOTS, "docs-fact_activity.png"), fullPage: true }));
  });
});
