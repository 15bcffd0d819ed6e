/**
 * The report pages' filters in headless Chromium, on a site `nike report` built from a tiny warehouse:
 * each filter's charts and headline figures against SQL on the Parquet lake with the same filter, the
 * URL holding the view across a reload, marks that filter when clicked and chips that remove them,
 * CSV downloads that follow, from file:// and served by `nike serve`, with no console error.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, type ReportResult } from "../../cli/report.ts";
import { sqlText } from "../../lib/duckdb.ts";
import { launchBrowser, watchProblems } from "../../test-support/browser.ts";
import { publishedWorld } from "../../test-support/published-world.ts";
import { startTestServer } from "../../test-support/server.ts";
import type { World } from "../../test-support/world.ts";
import { lakeDir } from "../../lib/config.ts";
import { digest } from "../digest.ts";
import { filterHash } from "./url.ts";
import { fmt, round } from "../../warehouse/insights/insight.ts";
import { lakeRelation } from "../../warehouse/lake.ts";
import { openLakeSource, type Row, type WarehouseSource } from "../../warehouse/insights/source.ts";

const SCREENSHOTS = new URL("../screenshots/", import.meta.url).pathname;
const DAY = 86_400_000;

let world: World;
let site: string;
let built: ReportResult;
let browser: Browser;
let lake: WarehouseSource;
let lastDate: string;
let firstDate: string;

beforeAll(async () => {
  world = await publishedWorld(8, "tiny");
  site = join(world.dataDir, "site");
  built = await report({ out: site }, ["report", "--out", site], world.config);
  lake = await openLakeSource(world.config);
  await lake.query(`CREATE VIEW user_segment AS SELECT * FROM ${lakeRelation(lakeDir(world.config), "user_segment")}`);
  ({ firstDate, lastDate } = built.run.overview);
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await lake?.close();
  await world?.dispose();
});

/** A filter as the URL's hash holds it. */
type Filter = { dates?: "30d" | "90d" | "ytd"; from?: string; to?: string; state?: string; activity?: string; age?: string; segment?: string };

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hashOf = (f: Filter) => `#${new URLSearchParams(Object.entries(f)).toString()}`;

/** The filter's days, worked out here from the warehouse's first and last dates (not by the page). */
function daysOf(f: Filter): [string, string] {
  const last = Date.parse(lastDate);
  if (f.dates === "30d") return [iso(last - 29 * DAY), lastDate];
  if (f.dates === "90d") return [iso(last - 89 * DAY), lastDate];
  if (f.dates === "ytd") return [`${lastDate.slice(0, 4)}-01-01`, lastDate];
  if (f.from && f.to) {
    const end = new Date(Date.UTC(Number(f.to.slice(0, 4)), Number(f.to.slice(5, 7)), 0));
    return [`${f.from}-01` < firstDate ? firstDate : `${f.from}-01`, iso(end.getTime()) > lastDate ? lastDate : iso(end.getTime())];
  }
  return [firstDate, lastDate];
}

/** The workouts the filter selects, as SQL over the lake (the insights' own joins: a user's state and age band at the workout's time). */
function where(f: Filter): string {
  const [from, to] = daysOf(f).map((d) => Number(d.replaceAll("-", "")));
  return [
    `f.date_key BETWEEN ${from} AND ${to}`,
    f.state ? `l.state = ${sqlText(f.state)}` : "",
    f.activity ? `a.activity_type = ${sqlText(f.activity)}` : "",
    f.age ? `u.age_band = ${sqlText(f.age)}` : "",
    f.segment ? `s.segment_name = ${sqlText(f.segment)}` : "",
  ].filter(Boolean).join(" AND ");
}
const FROM = `FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key JOIN dim_location l ON l.location_key = u.location_key
  JOIN dim_activity a ON a.activity_key = f.activity_key JOIN dim_date d ON d.date_key = f.date_key LEFT JOIN user_segment s ON s.user_pseudonym = u.user_pseudonym`;
const sql = <T extends Row>(select: string, f: Filter, groupBy = "") => lake.query<T>(`SELECT ${select} ${FROM} WHERE ${where(f)} ${groupBy}`);
const months = (f: Filter) => {
  const [from, to] = daysOf(f);
  return ((Date.parse(to) - Date.parse(from)) / DAY + 1) / 30.44;
};

/** Opens a page of the site (from file:// unless `base` is given) and waits for its filters to draw. */
async function open(pageId: string, hash = "", base = pathToFileURL(site).href): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchProblems(page);
  await page.goto(`${base}/${pageId}.html${hash}`);
  await page.waitForFunction((h) => document.documentElement.dataset.filter === h, hash, { timeout: 30_000 });
  return { page, problems };
}
/** Sets the hash and waits for the redraw it causes. */
async function filterTo(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((h) => document.documentElement.dataset.filter === h, hash, { timeout: 30_000 });
}
const chartRows = (page: Page, id: string) => page.evaluate((chart) => (window as unknown as { NIKE_CHART_ROWS: Record<string, Row[]> }).NIKE_CHART_ROWS[chart], id);
/** The data a drawn chart holds now: its view's "rows" dataset, as Vega has it. */
const drawnRows = (page: Page, id: string) => page.evaluate((chart) => (window as unknown as { NIKE_CHARTS_READY: Promise<Record<string, { data(name: string): Row[] }>> }).NIKE_CHARTS_READY.then((views) => views[chart].data("rows").map((r) => ({ ...r }))), id);
/**
 * The sale lines the filter selects, as SQL over the lake: order lines not cancelled and in-store sale
 * lines, each under its customer's user version then. A sale without a known customer has no state, age
 * band or segment, so any of those filters leaves it out; with no dates given, every day counts.
 */
function salesSql<T extends Row>(select: string, f: Filter, groupBy = ""): Promise<T[]> {
  const days = f.dates || f.from ? daysOf(f).map((d) => Number(d.replaceAll("-", ""))) : undefined;
  const conditions = [
    "p.sport IS NOT NULL",
    days ? `x.date_key BETWEEN ${days[0]} AND ${days[1]}` : "",
    f.state ? `l.state = ${sqlText(f.state)}` : "",
    f.activity ? `p.sport = ${sqlText(f.activity)}` : "",
    f.age ? `u.age_band = ${sqlText(f.age)}` : "",
    f.segment ? `s.segment_name = ${sqlText(f.segment)}` : "",
  ].filter(Boolean);
  return lake.query<T>(`SELECT ${select}
    FROM (SELECT product_key, user_key, date_key, quantity, net_amount AS amount FROM fact_order_line WHERE status <> 'cancelled'
          UNION ALL SELECT product_key, user_key, date_key, quantity, amount FROM fact_store_sale) x
    JOIN dim_product p ON p.product_key = x.product_key
    LEFT JOIN dim_user u ON u.user_key = x.user_key LEFT JOIN dim_location l ON l.location_key = u.location_key
    LEFT JOIN user_segment s ON s.user_pseudonym = u.user_pseudonym
    WHERE ${conditions.join(" AND ")} ${groupBy}`);
}
/** Each calendar month's share of the year over 1/12, January first, as the sales index is defined. */
const indexOf = (perMonth: Map<number, number>) => {
  const total = [...perMonth.values()].reduce((a, b) => a + b, 0);
  return Array.from({ length: 12 }, (_, m) => round((12 * (perMonth.get(m + 1) ?? 0)) / total, 3));
};

const card = (page: Page, label: string) => page.locator(".cards li", { has: page.locator(".label", { hasText: new RegExp(`^${label.replace(/[()]/g, "\\$&")}$`) }) }).locator(".value").textContent();

describe("report filters", () => {
  const segmentName = () => String(built.run.segments.table.rows[0].segment);
  const filters = (): Array<[string, Filter]> => [
    ["last 30 days", { dates: "30d" }],
    ["last 90 days", { dates: "90d" }],
    ["year to date", { dates: "ytd" }],
    ["a month range", { from: `${lastDate.slice(0, 4)}-02`, to: `${lastDate.slice(0, 4)}-04` }],
    ["a state", { state: String(built.run.location.findings.states[0].state) }],
    ["an activity", { activity: "running" }],
    ["an age band", { age: "25-34" }],
    ["a segment", { segment: segmentName() }],
    ["all five", { dates: "90d", state: String(built.run.location.findings.states[0].state), activity: "running", age: "25-34", segment: segmentName() }],
  ];

  it("filters the location page's ranking and headline, and the summary's workouts, as SQL on the lake does, for each filter", async () => {
    const { page, problems } = await open("activity-by-location");
    const summary = await open("index");
    try {
      for (const [name, f] of filters()) {
        const hash = hashOf(f);
        await filterTo(page, hash);
        await filterTo(summary.page, hash);
        const expected = await sql<{ state: string; workouts: number; users: number }>("l.state AS state, COUNT(*) AS workouts, COUNT(DISTINCT u.user_pseudonym) AS users", f, "GROUP BY l.state ORDER BY l.state");
        const drawn = (await drawnRows(page, "activity-by-location-engagement-ranking")).map((r) => ({ state: r.state, workouts: r.workouts, users: r.active_users }));
        expect(drawn.sort((a, b) => String(a.state).localeCompare(String(b.state))), name).toEqual(expected);
        const [total] = await sql<{ workouts: number; users: number }>("COUNT(*) AS workouts, COUNT(DISTINCT u.user_pseudonym) AS users", f);
        const perUserMonth = total.users > 0 ? fmt.dec(round(total.workouts / total.users / months(f), 3), 2) : "—";
        expect(await card(page, "Workouts per user per month"), name).toBe(perUserMonth);
        expect(await card(summary.page, "Workouts logged"), name).toBe(fmt.int(total.workouts));
        expect(await page.locator("#filter-narrative").textContent(), name).toContain(`Filtered to `);
        expect(await page.locator(".chip").count(), name).toBe(["dates", "state", "activity", "age", "segment"].filter((k) => k in f || (k === "dates" && "from" in f)).length);
      }
      expect(problems).toEqual([]);
      expect(summary.problems).toEqual([]);
    } finally {
      await page.close();
      await summary.page.close();
    }
  }, 300_000);

  it("filters the hours heatmap and peak hour, the monthly workouts, the age bands and the segment sizes as SQL does", async () => {
    const f: Filter = { dates: "ytd", activity: "running" };
    const g: Filter = { from: `${lastDate.slice(0, 4)}-01`, to: `${lastDate.slice(0, 4)}-03`, age: "35-44" };
    const hours = await open("peak-workout-hours", hashOf(f));
    const heat = await sql<{ weekday: number; hour: number; workouts: number }>("d.weekday AS weekday, f.time_key AS hour, COUNT(*) AS workouts", f, "GROUP BY d.weekday, f.time_key ORDER BY 1, 2");
    expect((await drawnRows(hours.page, "peak-workout-hours-weekday-hour-heatmap")).map((r) => ({ weekday: r.weekday_number, hour: r.hour, workouts: r.workouts }))).toEqual(heat);
    const byHour = new Map<number, number>();
    for (const c of heat) byHour.set(c.hour, (byHour.get(c.hour) ?? 0) + c.workouts);
    const peak = [...byHour].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    expect(await card(hours.page, "Peak hour")).toBe(`${String(peak).padStart(2, "0")}:00`);

    const seasons = await open("seasonal-trends", hashOf(g));
    const monthly = await sql<{ activity_type: string; month: string; workouts: number }>(
      "a.activity_type AS activity_type, CAST(d.year AS VARCHAR) || '-' || LPAD(CAST(d.month AS VARCHAR), 2, '0') AS month, COUNT(*) AS workouts", g, "GROUP BY 1, 2 ORDER BY 1, 2");
    const drawnMonthly = (await chartRows(seasons.page, "seasonal-trends-monthly-workouts")).map((r) => ({ activity_type: r.activity_type, month: r.month, workouts: r.workouts }));
    expect(drawnMonthly.sort((a, b) => `${a.activity_type}${a.month}`.localeCompare(`${b.activity_type}${b.month}`))).toEqual(monthly);
    expect(await card(seasons.page, "Activities tracked")).toBe(String(new Set(monthly.map((m) => m.activity_type)).size));

    const age = await open("age-engagement", hashOf(f));
    const bands = await sql<{ age_band: string; users: number; minutes: number; workouts: number }>("u.age_band AS age_band, COUNT(DISTINCT u.user_pseudonym) AS users, SUM(f.duration_min) AS minutes, COUNT(*) AS workouts", f, "GROUP BY u.age_band ORDER BY 1");
    const drawnBands = await drawnRows(age.page, "age-engagement-age-frequency");
    expect(drawnBands.map((b) => [b.age_band, b.active_users, b.mean_minutes]).sort()).toEqual(bands.map((b) => [b.age_band, b.users, round(Number(b.minutes) / b.workouts, 1)]));

    const segments = await open("user-segmentation", hashOf(g));
    const sizes = await sql<{ segment: string; users: number }>("s.segment_name AS segment, COUNT(DISTINCT u.user_pseudonym) AS users", g, "AND s.segment_name IS NOT NULL GROUP BY 1 ORDER BY 1");
    expect((await drawnRows(segments.page, "user-segmentation-segment-sizes")).map((r) => ({ segment: r.segment, users: r.users })).sort((a, b) => String(a.segment).localeCompare(String(b.segment)))).toEqual(sizes);

    for (const { page, problems } of [hours, seasons, age, segments]) {
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it("keeps the view in the URL: a reload shows the same figures, rows and inputs, and the CSV download follows the filter", async () => {
    const f: Filter = { dates: "90d", activity: "cycling", age: "25-34" };
    const { page, problems } = await open("age-engagement", hashOf(f));
    try {
      const before = { cards: await page.locator(".cards").textContent(), rows: await chartRows(page, "age-engagement-age-activity-mix"), table: await page.locator("main table").textContent() };
      await page.reload();
      await page.waitForFunction((h) => document.documentElement.dataset.filter === h, hashOf(f));
      expect({ cards: await page.locator(".cards").textContent(), rows: await chartRows(page, "age-engagement-age-activity-mix"), table: await page.locator("main table").textContent() }).toEqual(before);
      expect(await page.locator('select[name="dates"]').inputValue()).toBe("90d");
      expect(await page.locator('select[name="activity"]').inputValue()).toBe("cycling");
      const href = await page.locator('#chart-age-engagement-age-frequency ~ figcaption a[download]').getAttribute("href");
      expect(href).toMatch(/^data:text\/csv/);
      const csv = decodeURIComponent(String(href).slice(String(href).indexOf(",") + 1)).trim().split("\r\n");
      const rows = await chartRows(page, "age-engagement-age-frequency");
      expect(csv[0]).toBe(Object.keys(rows[0]).join(","));
      expect(csv.slice(1)).toEqual(rows.map((r) => Object.values(r).map((v) => (v === null ? "" : String(v))).join(",")));
      await page.screenshot({ path: join(SCREENSHOTS, "filtered-age-engagement.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("opens the e-mail digest's links with the filter they carry", async () => {
    const state = String(built.run.location.findings.states[0].state);
    const mail = await digest(built.run, { to: ["ana@example.com"], siteUrl: pathToFileURL(site).href, dataAsOf: lastDate, filter: filterHash(`state=${state}&dates=90d`) });
    const link = String(/\S+activity-by-location\.html#\S+/.exec(mail.text)?.[0]);
    const page = await browser.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(link);
      await page.waitForFunction((h) => document.documentElement.dataset.filter === h, `#dates=90d&state=${state}`);
      expect(await page.locator(".chip").allTextContents()).toEqual(["Last 90 days ×", `State: ${state} ×`]);
      // A link whose value the data does not have (a stale state code) selects nothing rather than everything.
      await filterTo(page, "#state=ZZ");
      expect(await page.locator("#filter-narrative").textContent()).toContain("Filtered to ZZ: no workouts.");
      expect(await chartRows(page, "activity-by-location-engagement-ranking")).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("applies a filter from its input, filters by a clicked mark, and removes a filter by its chip", async () => {
    const { page, problems } = await open("activity-by-location");
    try {
      await page.getByLabel("Dates").selectOption("30d");
      await page.waitForFunction(() => document.documentElement.dataset.filter === "#dates=30d");
      const bar = page.locator("#chart-activity-by-location-engagement-ranking .role-mark path").first();
      await bar.click();
      await page.waitForFunction(() => /state=/.test(document.documentElement.dataset.filter ?? ""));
      const state = new URLSearchParams(String(await page.evaluate(() => location.hash)).slice(1)).get("state");
      expect(built.run.location.findings.states.map((s) => s.state)).toContain(state);
      expect(await page.locator(".chip").allTextContents()).toEqual(["Last 30 days ×", `State: ${state} ×`]);
      expect(await page.locator("#filter-narrative").textContent()).toContain(built.run.location.findings.states.find((s) => s.state === state)?.name);
      await page.screenshot({ path: join(SCREENSHOTS, "filtered-activity-by-location.png"), fullPage: true });
      await page.locator(".chip", { hasText: "State" }).click();
      await page.waitForFunction(() => document.documentElement.dataset.filter === "#dates=30d");
      await page.locator(".chip").click();
      await page.waitForFunction(() => document.documentElement.dataset.filter === "");
      expect(await page.locator("#filter-narrative").isHidden()).toBe(true);
      expect(await card(page, "Most engaged state")).toBe(built.run.location.headline[1].value);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("filters the sales page's monthly units, sales and activity index, table and headline figures as SQL on the lake does, sales without a customer only while no customer filter holds", async () => {
    const state = String(built.run.location.findings.states[0].state);
    const cases: Array<[string, Filter]> = [
      ["last 90 days", { dates: "90d" }],
      ["a state", { state }],
      ["a product line", { activity: "running" }],
      ["a segment", { segment: segmentName() }],
      ["all together", { dates: "ytd", state, activity: "running", age: "25-34", segment: segmentName() }],
    ];
    const lines = built.run.sales.findings.categories.map((c) => c.category);
    const [anonymous] = await salesSql<{ n: number }>("COUNT(*) AS n", {}, "AND x.user_key IS NULL");
    expect(anonymous.n, "sales without a known customer, to count or leave out").toBeGreaterThan(0);
    const { page, problems } = await open("sales-and-seasons");
    try {
      for (const [name, f] of cases) {
        await filterTo(page, hashOf(f));
        const month = "substr(CAST(x.date_key AS VARCHAR), 1, 4) || '-' || substr(CAST(x.date_key AS VARCHAR), 5, 2)";
        const monthly = await salesSql<{ category: string; month: string; units: number }>(`p.sport AS category, ${month} AS month, SUM(x.quantity) AS units`, f, "GROUP BY 1, 2 ORDER BY 1, 2");
        if (Object.keys(f).length === 1) expect(monthly.length, name).toBeGreaterThan(0);
        const drawn = (await drawnRows(page, "sales-and-seasons-monthly-sales")).map((r) => ({ category: r.category, month: r.month, units: r.units }));
        expect(drawn.sort((a, b) => `${a.category}${a.month}`.localeCompare(`${b.category}${b.month}`)), name).toEqual(monthly.map((r) => ({ ...r, units: Number(r.units) })));

        const [total] = await salesSql<{ units: number; revenue: number }>("SUM(x.quantity) AS units, SUM(x.amount) AS revenue", f, `AND p.sport IN (${lines.map(sqlText).join(", ")})`);
        expect(await card(page, "Units sold"), name).toBe(fmt.int(Number(total.units)));
        expect(await card(page, "Revenue"), name).toBe(fmt.int(Number(total.revenue)));
        expect(await page.locator("#filter-narrative").textContent(), name).toContain(`${fmt.int(Number(total.units))} units sold (${fmt.int(Number(total.revenue))} in revenue)`);

        // The heatmap: each line's units and its sport's workouts per calendar month, as indices.
        const sold = await salesSql<{ line: string; month: number; units: number }>("p.sport AS line, (x.date_key // 100) % 100 AS month, SUM(x.quantity) AS units", f, "GROUP BY 1, 2");
        const trained = await sql<{ line: string; month: number; workouts: number }>("a.activity_type AS line, d.month AS month, COUNT(*) AS workouts", f, "GROUP BY 1, 2");
        const perMonth = (rows: Array<{ line: string; month: number }>, line: string, value: (r: Row) => number) => new Map(rows.filter((r) => r.line === line).map((r) => [Number(r.month), value(r as Row)]));
        const heat = await drawnRows(page, "sales-and-seasons-sales-vs-activity");
        const shown = [...new Set(heat.map((r) => String(r.category)))].sort();
        expect(shown, name).toEqual(lines.filter((l) => sold.some((r) => r.line === l)).sort());
        for (const line of shown) {
          const rows = heat.filter((r) => r.category === line).sort((a, b) => Number(a.month_number) - Number(b.month_number));
          expect(rows.map((r) => r.sales_index), `${name}: ${line}`).toEqual(indexOf(perMonth(sold, line, (r) => Number(r.units))));
          const workouts = perMonth(trained, line, (r) => Number(r.workouts));
          expect(rows.map((r) => r.activity_index), `${name}: ${line}`).toEqual(workouts.size > 0 ? indexOf(workouts) : new Array(12).fill(0));
        }
        const table = await page.locator("main table tbody tr td:first-child").allTextContents();
        expect(table.sort(), name).toEqual(shown);
        expect(await page.locator(".chip").count(), name).toBe(Object.keys(f).length);
      }
      // What cannot follow says so: the peaks and lead (phases over whole years), the vendors (no customer) and their cards.
      for (const id of ["sales-lead", "vendor-on-time"]) await expect(page.locator(`#chart-sales-and-seasons-${id} ~ .filter-note`).isVisible()).resolves.toBe(true);
      for (const label of ["Sales peak ahead of activity", "Deliveries on time", "Often-late vendors"]) {
        await expect(page.locator(".cards li", { hasText: label }).locator(".filter-note").isVisible()).resolves.toBe(true);
      }
      expect(await page.locator(".cards li", { hasText: "Units sold" }).locator(".filter-note").count()).toBe(0);
      expect(await page.locator("#chart-sales-and-seasons-sales-vs-activity ~ .filter-note").textContent()).toContain("activity peak over all data");
      expect(await page.locator("main table ~ .filter-note").textContent()).toContain("estimated over all data");

      // A reload shows the same view (one with sales to show).
      const shownView = hashOf(cases[0][1]);
      await filterTo(page, shownView);
      const before = { cards: await page.locator(".cards").textContent(), rows: await chartRows(page, "sales-and-seasons-monthly-sales"), table: await page.locator("main table").textContent() };
      await page.reload();
      await page.waitForFunction((h) => document.documentElement.dataset.filter === h, shownView);
      expect({ cards: await page.locator(".cards").textContent(), rows: await chartRows(page, "sales-and-seasons-monthly-sales"), table: await page.locator("main table").textContent() }).toEqual(before);
      await page.screenshot({ path: join(SCREENSHOTS, "filtered-sales-and-seasons.png"), fullPage: true });

      // A product line clicked on the heatmap filters by it, a month clicked on the monthly chart by that month.
      await filterTo(page, "#dates=ytd");
      await page.locator("#chart-sales-and-seasons-sales-vs-activity .role-mark path").first().click();
      await page.waitForFunction(() => /activity=/.test(document.documentElement.dataset.filter ?? ""));
      const line = new URLSearchParams(String(await page.evaluate(() => location.hash)).slice(1)).get("activity");
      expect(lines).toContain(line);
      expect(await page.locator(".chip").allTextContents()).toEqual(["Year to date ×", `Activity: ${line} ×`]);
      expect(new Set((await chartRows(page, "sales-and-seasons-monthly-sales")).map((r) => r.category))).toEqual(new Set([line]));
      await page.locator("#chart-sales-and-seasons-monthly-sales .role-mark path").last().click({ force: true });
      await page.waitForFunction(() => /from=\d{4}-\d{2}&to=\d{4}-\d{2}/.test(document.documentElement.dataset.filter ?? ""));
      const params = new URLSearchParams(String(await page.evaluate(() => location.hash)).slice(1));
      expect(params.get("from")).toBe(params.get("to"));
      const [clicked] = await salesSql<{ units: number }>("SUM(x.quantity) AS units", { from: String(params.get("from")), to: String(params.get("to")), activity: String(line) });
      expect((await chartRows(page, "sales-and-seasons-monthly-sales")).reduce((n, r) => n + Number(r.units), 0)).toBe(Number(clicked.units));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);

  it("filters a month clicked on the seasons chart, and works the same when served by nike serve", async () => {
    const server = await startTestServer(world.config, `${site}/`);
    try {
      const { page, problems } = await open("seasonal-trends", "#state=" + String(built.run.location.findings.states[0].state), `${server.url}/reports`);
      await page.locator("#chart-seasonal-trends-monthly-workouts .role-mark path").last().click({ force: true });
      await page.waitForFunction(() => /from=\d{4}-\d{2}&to=\d{4}-\d{2}/.test(document.documentElement.dataset.filter ?? ""));
      const params = new URLSearchParams(String(await page.evaluate(() => location.hash)).slice(1));
      expect(params.get("from")).toBe(params.get("to"));
      const f: Filter = { from: String(params.get("from")), to: String(params.get("to")), state: String(params.get("state")) };
      const [total] = await sql<{ workouts: number }>("COUNT(*) AS workouts", f);
      const drawn = await chartRows(page, "seasonal-trends-monthly-workouts");
      expect(drawn.reduce((n, r) => n + Number(r.workouts), 0)).toBe(total.workouts);
      expect(new Set(drawn.map((r) => r.month))).toEqual(new Set([f.from]));
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
