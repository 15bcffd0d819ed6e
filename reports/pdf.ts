/**
 * @module `nike report --pdf`: the single file's content — the executive summary, then each insight —
 * as one paginated PDF (A4 or Letter), printed by headless Chromium. Charts are the server-rendered
 * SVG (vectors, their text stays text) in place of the browser's drawing; every page carries the data's
 * as-of line and its page number. No script runs in the printed page.
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { chromiumPath, launchChromium } from "../lib/chromium.ts";
import { UserError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { html, raw, type Html } from "../lib/html.ts";
import type { InsightsReport } from "./insights/index.ts";
import { singleFileBody, type NavItem, type PageMode } from "./pages.ts";
import { chartSvg } from "./render.ts";
import { headline, type ReportFacts } from "./site.ts";

export const PAPERS = { a4: "A4", letter: "Letter" } as const;
export type Paper = keyof typeof PAPERS;

/** What Chromium is needed for, in the message when it is missing. */
export const PRINTING = "printing the PDF report (nike report --pdf)";

/** `--paper`: a4 or letter, in any case. */
export function parsePaper(value: string): Paper {
  const paper = value.toLowerCase();
  if (!(paper in PAPERS)) throw new UserError(`--paper must be a4 or letter, not "${value}".`);
  return paper as Paper;
}

/** Page margins; the bottom one holds the footer. */
const MARGIN = { top: "14mm", right: "13mm", bottom: "16mm", left: "13mm" };

const STYLE = `
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 10pt/1.45 "DejaVu Sans", sans-serif; color: #111827; }
a { color: #9a3412; text-decoration: none; }
.cover .brand { margin: 0; color: #ea580c; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; font-size: 9pt; }
.cover h1 { font-size: 22pt; margin: .2rem 0 .4rem; }
.cover p { margin: .15rem 0; color: #4b5563; }
.cover ol { margin: .6rem 0 0; padding-left: 1.4rem; } .cover li { margin: .25rem 0; }
h1 { font-size: 17pt; margin: .2rem 0 0; } h2 { font-size: 13pt; }
.question { color: #4b5563; margin-top: .2rem; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; margin: .7rem 0; padding: 0; list-style: none; }
.cards li { border: 1px solid #e5e7eb; border-radius: 6px; padding: .4rem .55rem; break-inside: avoid; }
.cards .value { display: block; font-size: 12pt; font-weight: 700; } .cards .label { color: #4b5563; font-size: 8.5pt; }
.narrative { border-left: 3px solid #ea580c; padding: .1rem .8rem; margin: .6rem 0; }
.narrative ul { margin: .2rem 0; padding-left: 1rem; }
figure { margin: .7rem 0; break-inside: avoid; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 8.5pt; color: #4b5563; margin-top: .2rem; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
thead { display: table-header-group; } tr { break-inside: avoid; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; break-after: avoid; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .2rem .35rem; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
hr { display: none; }
article { break-before: page; }
`;

/** The as-of line every page's footer carries. */
export const dataAsOfLine = (facts: ReportFacts) =>
  `Data as of ${facts.dataAsOf} (latest workout in the warehouse)${facts.lastEtlRun ? `; last ETL run published ${facts.lastEtlRun}` : ""}.`;

/** Chromium's footer template: its own small document, so its styles are inline; Chromium fills in the page numbers. */
export function footerTemplate(facts: ReportFacts): string {
  return html`<div style="width: 100%; margin: 0 13mm; display: flex; justify-content: space-between; gap: 4mm; font: 7.5pt 'DejaVu Sans', sans-serif; color: #4b5563;">
<span>${dataAsOfLine(facts)}</span><span style="white-space: nowrap;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`.toString();
}

const chartId = (insightId: string, chartId: string) => `${insightId}-${chartId}`;

/**
 * The single file's body for print: each chart's placeholder holds its SVG, and the figure's CSV link
 * (a download, which paper cannot offer) is left out.
 */
function printedBody(run: InsightsReport, svgs: Map<string, string>): string {
  const nav: NavItem[] = [{ id: "index", title: "Summary", href: "#main" }, ...run.all.map((i) => ({ id: i.id, title: i.title, href: `#${i.id}` }))];
  const mode: PageMode = { kind: "single", scripts: [], sharedData: {} };
  let body = singleFileBody(headline(run), run.all, nav, mode).toString().replace(/ · <a href="data:text\/csv[^"]*" download="[^"]*">CSV<\/a>/g, "");
  for (const [id, svg] of svgs) {
    const placeholder = `<div class="chart" id="chart-${id}"`;
    const at = body.indexOf(placeholder);
    const end = at < 0 ? -1 : body.indexOf("></div>", at);
    if (end < 0) throw new Error(`the page has no place for the chart ${id}`);
    body = `${body.slice(0, end + 1)}${svg}${body.slice(end + 1)}`;
  }
  return body;
}

/** The printed document: a cover (what, as of when, each insight's lead), then the single file's summary and insights. */
export function printDocument(run: InsightsReport, facts: ReportFacts, svgs: Map<string, string>): string {
  const rows = facts.rowCounts.map(([name, n]) => `${name} ${n.toLocaleString("en-US")}`).join(", ");
  const cover: Html = html`<section class="cover">
<p class="brand">Nike Data Workbench</p>
<h1>Insights report</h1>
<p>${dataAsOfLine(facts)}</p>
<p>Rows: ${rows}. Generated ${run.generatedAt} by <code>${facts.command}</code>.</p>
<ol>${run.all.map((i) => html`<li><a href="#${i.id}"><strong>${i.title}</strong></a>: ${i.narrative[0] ?? ""}</li>`)}</ol>
</section>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Insights report · Nike Data Workbench</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main id="main">
${cover}
${raw(printedBody(run, svgs))}
</main>
</body>
</html>
`.toString();
}

export type PdfOptions = { paper?: Paper; /** The Chromium executable (default: `CHROMIUM_PATH`, else Debian's). */ chromium?: string };

/** The report as a PDF, as bytes. */
export async function renderPdf(run: InsightsReport, facts: ReportFacts, options: PdfOptions = {}): Promise<Buffer> {
  const svgs = new Map<string, string>();
  for (const insight of run.all) for (const chart of insight.charts) svgs.set(chartId(insight.id, chart.id), await chartSvg(chart.spec));
  const document = printDocument(run, facts, svgs);
  const browser = await launchChromium(PRINTING, options.chromium ?? chromiumPath());
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.setContent(document, { waitUntil: "load" });
    return await page.pdf({
      format: PAPERS[options.paper ?? "a4"],
      margin: MARGIN,
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: footerTemplate(facts),
      outline: true,
      tagged: true,
    });
  } finally {
    await browser.close();
  }
}

/** Writes the report as a PDF to `file` (whole or not at all); returns its absolute path. */
export async function writePdf(run: InsightsReport, facts: ReportFacts, file: string, options: PdfOptions = {}): Promise<string> {
  const pdf = await renderPdf(run, facts, options);
  const target = resolve(file);
  await mkdir(dirname(target), { recursive: true });
  await writeFileAtomic(target, pdf);
  return target;
}
