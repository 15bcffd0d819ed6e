/**
 * @module `nike report`'s output: the static site (index + one page per insight, the Vega runtime,
 * each chart's CSV, SVG and PNG, the findings as `data/insights.json`), or one self-contained HTML
 * file. The site is built in a temporary folder and swapped in whole, so a failed build leaves the
 * previous site intact.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { swapFolder, writeFileAtomic } from "../lib/files.ts";
import { fmt, hourLabel } from "../warehouse/insights/insight.ts";
import type { Cubes } from "../warehouse/insights/cubes.ts";
import { FILTER_SCRIPT, SCRIPTS, sharedDataValues } from "./assets.ts";
import { toCsv } from "./csv.ts";
import { DOCS_DIR, writeDocsFiles } from "./docs/index.ts";
import type { DocsCatalog } from "./docs/catalog.ts";
import { filterPages } from "./filters/declarations.ts";
import { cubePacker, filterDataFile, filterDataScript } from "./filters/page-data.ts";
import { insightsJson } from "./insights-json.ts";
import type { InsightsReport } from "./insights/index.ts";
import type { Insight } from "./insights/view.ts";
import { chartFile, insightBody, page, singleFileBody, summaryBody, type Footer, type NavItem, type PageFilters, type PageMode } from "./pages.ts";
import { chartSvg, svgToPng } from "./render.ts";

/** The findings as JSON, in the site's `data/` folder. */
export const FINDINGS_FILE = "insights.json";

export type ReportFacts = Omit<Footer, "generatedAt" | "source">;

/** The executive summary's headline figures. */
export function headline(run: InsightsReport): Array<{ label: string; value: string }> {
  const o = run.overview;
  return [
    { label: "Workouts logged", value: fmt.int(o.workouts) },
    { label: "App users (logging workouts)", value: `${fmt.int(o.activeUsers)} of ${fmt.int(o.customers)} customers (${fmt.pct(o.appUserShare)})` },
    { label: "Workouts per app user per week", value: fmt.dec(o.workoutsPerActiveUserWeek, 2) },
    { label: "Hours trained", value: fmt.int(o.minutes / 60) },
    { label: "Period", value: `${o.firstDate} – ${o.lastDate}` },
    { label: "Data as of (latest workout)", value: o.latestWorkout },
    { label: "Most engaged state", value: run.location.headline[1]?.value ?? "—" },
    { label: "User segments", value: String(run.segments.findings.k) },
    { label: "Peak workout hour", value: hourLabel(run.hours.findings.peakHours[0]) },
    { label: "Most active age band", value: run.age.headline[0]?.value ?? "—" },
  ];
}

const footerOf = (run: InsightsReport, facts: ReportFacts): Footer => ({ ...facts, generatedAt: run.generatedAt, source: run.source === "lake" ? "Parquet lake (DuckDB)" : "MySQL star schema" });

const usesSharedData = (insights: Insight[]) => insights.some((i) => i.charts.some((c) => JSON.stringify(c.spec).includes('"url":"data/')));

/**
 * Writes the site into `outDir` (replacing it), with the data docs in `docs/` and the pages' filters
 * (each page's cubes in `data/filters-<page>.js`) when given; returns the path of index.html.
 */
export async function writeSite(run: InsightsReport, facts: ReportFacts, outDir: string, docs?: DocsCatalog, cubes?: Cubes): Promise<{ index: string; pages: string[]; charts: number }> {
  const out = resolve(outDir);
  const work = join(dirname(out), `.${basename(out)}.building-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await Promise.all(["assets", "data", "charts"].map((d) => mkdir(join(work, d), { recursive: true })));
  const footer = footerOf(run, facts);
  const nav: NavItem[] = [{ id: "index", title: "Summary", href: "index.html" }, ...run.all.map((i) => ({ id: i.id, title: i.title, href: `${i.id}.html` }))];
  if (docs) nav.push({ id: DOCS_DIR, title: "Data docs", href: `${DOCS_DIR}/index.html` });
  const mode: PageMode = { kind: "site" };
  const declarations = cubes ? filterPages(run) : {};
  const pack = cubes ? cubePacker(cubes) : undefined;
  /** Writes the page's data file and returns its filters, when the page has a declaration. */
  const filtersOf = async (id: string): Promise<PageFilters | undefined> => {
    if (!cubes || !pack || !declarations[id]) return undefined;
    await writeFile(join(work, filterDataFile(id)), filterDataScript(cubes, declarations[id], pack));
    return { declaration: declarations[id], dataFile: filterDataFile(id), script: `assets/${FILTER_SCRIPT.file}` };
  };
  try {
    for (const script of SCRIPTS) await copyFile(script.from(), join(work, "assets", script.file));
    if (cubes) await copyFile(FILTER_SCRIPT.from(), join(work, "assets", FILTER_SCRIPT.file));
    const shared = sharedDataValues();
    for (const [url, value] of Object.entries(shared)) await writeFile(join(work, url), JSON.stringify(value));
    await writeFile(join(work, "assets", "shared-data.js"), `window.NIKE_SHARED_DATA = ${JSON.stringify(shared)};\n`);

    let charts = 0;
    for (const insight of run.all) {
      for (const chart of insight.charts) {
        const svg = await chartSvg(chart.spec);
        await writeFile(join(work, "charts", chartFile(insight, chart, "svg")), svg);
        await writeFile(join(work, "charts", chartFile(insight, chart, "png")), svgToPng(svg));
        await writeFile(join(work, "data", chartFile(insight, chart, "csv")), toCsv(chart.data));
        charts++;
      }
      await writeFile(join(work, "data", `${insight.id}-table.csv`), toCsv(insight.table.rows));
      await writeFile(
        join(work, `${insight.id}.html`),
        page({ title: insight.title, nav, current: insight.id, body: insightBody(insight, mode), charts: insight.charts.map((chart) => ({ insight, chart })), footer, mode, needsSharedData: usesSharedData([insight]), filters: await filtersOf(insight.id) }),
      );
    }
    await writeFile(join(work, "data", FINDINGS_FILE), insightsJson(run));
    if (docs) {
      await mkdir(join(work, DOCS_DIR));
      await writeDocsFiles(docs, join(work, DOCS_DIR));
    }
    const firstCharts = run.all.map((insight) => ({ insight, chart: insight.charts[0] }));
    await writeFile(
      join(work, "index.html"),
      page({
        title: "Executive summary", nav, current: "index", body: summaryBody(headline(run), run.all, nav, mode, `data/${FINDINGS_FILE}`), charts: firstCharts, footer, mode,
        needsSharedData: usesSharedData(firstCharts.map((c) => ({ ...c.insight, charts: [c.chart] }))), filters: await filtersOf("index"),
      }),
    );
    await mkdir(dirname(out), { recursive: true });
    await swapFolder(work, out);
    return { index: join(out, "index.html"), pages: ["index.html", ...run.all.map((i) => `${i.id}.html`)], charts };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** One HTML file with the summary and every insight, the Vega runtime and the map shapes inlined. */
export async function writeSingleFile(run: InsightsReport, facts: ReportFacts, file: string): Promise<string> {
  const scripts = await Promise.all(SCRIPTS.map((s) => readFile(s.from(), "utf8")));
  const mode: PageMode = { kind: "single", scripts, sharedData: sharedDataValues() };
  const nav: NavItem[] = [{ id: "index", title: "Summary", href: "#main" }, ...run.all.map((i) => ({ id: i.id, title: i.title, href: `#${i.id}` }))];
  const footer = footerOf(run, facts);
  const html = page({ title: "Insights report", nav, current: "index", body: singleFileBody(headline(run), run.all, nav, mode), charts: run.all.flatMap((insight) => insight.charts.map((chart) => ({ insight, chart }))), footer, mode, needsSharedData: true });
  const target = resolve(file);
  await mkdir(dirname(target), { recursive: true });
  await writeFileAtomic(target, html);
  return target;
}
