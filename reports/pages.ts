/**
 * @module The report's HTML: one page per insight and the executive summary, in two modes. `site`
 * pages load the Vega runtime and the CSV/SVG/PNG files beside them; `single` inlines everything so
 * that one file works offline as an e-mail attachment.
 */
import { contentSecurityPolicy } from "../lib/content-security.ts";
import { html, raw, type Html } from "../lib/html.ts";
import type { FiringAlert } from "../warehouse/alerts/events.ts";
import type { Row } from "../warehouse/insights/source.ts";
import { toCsv } from "./csv.ts";
import type { FilterPage } from "./filters/declarations.ts";
import type { Chart, Insight } from "./insights/view.ts";

export type Footer = { dataAsOf: string; lastEtlRun: string | null; rowCounts: Array<[string, number]>; command: string; generatedAt: string; source: string; alerts?: FiringAlert[] };
export type NavItem = { id: string; title: string; href: string };
export type PageMode = { kind: "site" } | { kind: "single"; scripts: string[]; sharedData: Record<string, unknown> };
/** A page's filters (site pages only): its declaration, its data file and the shared script, relative to the page. */
export type PageFilters = { declaration: FilterPage; dataFile: string; script: string };

/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

export const chartFile = (insight: Insight, chart: Chart, ext: string) => `${insight.id}-${chart.id}.${ext}`;

const STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --accent: #ea580c; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #f9fafb; }
a { color: #9a3412; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: white; padding: .5rem; }
header { background: #111827; color: white; padding: .75rem 1rem; }
header strong { margin-right: 1rem; }
header nav a { color: #fed7aa; margin-right: .9rem; white-space: nowrap; }
header nav a[aria-current="page"] { color: white; font-weight: 600; text-decoration: none; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
h1 { margin: .5rem 0 0; } .question { color: var(--muted); margin-top: .25rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { background: white; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; }
.cards .value { display: block; font-size: 1.35rem; font-weight: 700; } .cards .label { color: var(--muted); font-size: .9rem; }
.narrative { background: white; border-left: 4px solid var(--accent); padding: .5rem 1rem; }
figure { background: white; border: 1px solid var(--line); border-radius: 8px; margin: 1rem 0; padding: .75rem; overflow-x: auto; }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .5rem; }
.chart { min-height: 120px; }
table { border-collapse: collapse; width: 100%; background: white; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
footer { max-width: 1100px; margin: 2rem auto; padding: 1rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
footer code { background: #f3f4f6; padding: 0 .25rem; }
.alerts { background: #fef2f2; border-left: 4px solid #dc2626; padding: .25rem 1rem; margin: 1rem 0; }
.filter-bar { background: white; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin: 1rem 0 0; }
#filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .9rem; } #filters select { font: inherit; margin-left: .25rem; }
#filter-chips:not(:empty) { margin-top: .5rem; }
.chip { font: inherit; font-size: .85rem; border: 1px solid #fdba74; background: #fff7ed; color: #9a3412; border-radius: 999px; padding: .1rem .6rem; margin-right: .4rem; cursor: pointer; }
#filter-narrative { margin: .5rem 0 0; font-weight: 600; } .filter-note { margin: .25rem 0 0; font-size: .85rem; color: #9a3412; }
`;

const cell = (v: Row[string]) => (typeof v === "number" ? html`<td class="num">${v.toLocaleString("en-US", { maximumFractionDigits: 3 })}</td>` : html`<td>${String(v ?? "")}</td>`);

function table(caption: string, rows: Row[]): Html {
  if (rows.length === 0) return html``;
  const columns = Object.keys(rows[0]);
  return html`<div class="table-wrap"><table><caption>${caption}</caption>
<thead><tr>${columns.map((c) => html`<th scope="col">${c.replaceAll("_", " ")}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${columns.map((c) => cell(r[c]))}</tr>`)}</tbody></table></div>`;
}

function figure(insight: Insight, chart: Chart, mode: PageMode): Html {
  const csvName = chartFile(insight, chart, "csv");
  const links =
    mode.kind === "site"
      ? html`<a href="data/${csvName}" download>CSV</a> · <a href="charts/${chartFile(insight, chart, "svg")}">SVG</a> · <a href="charts/${chartFile(insight, chart, "png")}">PNG</a>`
      : html`<a href="data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(chart.data))}" download="${csvName}">CSV</a>`;
  return html`<figure><div class="chart" id="chart-${insight.id}-${chart.id}" role="img" aria-label="${chart.title}"></div>
<figcaption>${chart.title} — <span class="row-count">${chart.data.length.toLocaleString("en-US")}</span> rows · ${links}</figcaption></figure>`;
}

const cards = (items: Array<{ label: string; value: string }>) =>
  html`<ul class="cards">${items.map((h) => html`<li><span class="value">${h.value}</span><span class="label">${h.label}</span></li>`)}</ul>`;

/**
 * The script that embeds the charts; shared data (map shapes) comes from `window.NIKE_SHARED_DATA`, so
 * pages work from file://. `ast: true` has Vega interpret its expressions instead of compiling them
 * with `new Function`, which the pages' Content-Security-Policy does not allow. The views, by chart
 * id, are `window.NIKE_CHARTS_READY`'s value: the filters hand them new rows.
 */
const EMBED = `
(function () {
  var shared = window.NIKE_SHARED_DATA || {};
  function inline(node) {
    if (Array.isArray(node)) return node.map(inline);
    if (!node || typeof node !== "object") return node;
    if (typeof node.url === "string" && shared[node.url]) {
      var copy = Object.assign({}, node); delete copy.url; copy.values = shared[node.url]; return copy;
    }
    var out = {}; for (var k in node) out[k] = inline(node[k]); return out;
  }
  var charts = JSON.parse(document.getElementById("chart-specs").textContent), views = {};
  window.NIKE_CHARTS_READY = Promise.all(Object.keys(charts).map(function (id) {
    var target = document.getElementById("chart-" + id);
    return vegaEmbed(target, inline(charts[id]), { renderer: "svg", ast: true, actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function (result) { views[id] = result.view; })
      .catch(function (error) { target.textContent = "This chart could not be drawn: " + error.message; console.error(error); });
  })).then(function () { return views; });
})();`;

/** Where the filters draw their inputs, the chips that remove them, and the sentence saying what the page is filtered to (filters.js fills them). */
const filterBar = html`<section class="filter-bar" aria-label="Filters"><form id="filters"></form><div id="filter-chips" aria-live="polite"></div><p id="filter-narrative" hidden></p></section>
`;

/** The policy a server sends with the site's pages (the same as each page's own `<meta>` copy, plus no framing). */
export const REPORT_SITE_POLICY = contentSecurityPolicy([EMBED]);

/** The summary's alerts firing at their latest check (alerts.yml, `nike alerts`), above the summary itself. */
const alertsSection = (alerts: FiringAlert[]) =>
  html`<section class="alerts" aria-labelledby="h-alerts"><h2 id="h-alerts">Firing alerts</h2>
<ul>${alerts.map((a) => html`<li><strong>${a.title}</strong> (${a.period}; firing since ${a.since}): ${a.summary}</li>`)}</ul></section>
`;

export function page(options: {
  title: string;
  nav: NavItem[];
  current: string;
  body: Html;
  charts: Array<{ insight: Insight; chart: Chart }>;
  footer: Footer;
  mode: PageMode;
  needsSharedData: boolean;
  filters?: PageFilters;
}): string {
  const { title, nav, current, body, charts, footer, mode, filters } = options;
  const specs = Object.fromEntries(charts.map(({ insight, chart }) => [`${insight.id}-${chart.id}`, chart.spec]));
  // Inline scripts are hashed into the policy exactly as they stand between their tags.
  const inline = mode.kind === "site" ? [] : [...mode.scripts.map((s) => s.replace(/<\/script/gi, "<\\/script")), `window.NIKE_SHARED_DATA = ${scriptJson(mode.sharedData)};`];
  const head =
    mode.kind === "site"
      ? html`${["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"].map((f) => html`<script src="assets/${f}"></script>`)}${options.needsSharedData ? html`<script src="assets/shared-data.js"></script>` : ""}`
      : inline.map((s) => html`<script>${raw(s)}</script>`);
  const policy = contentSecurityPolicy([...inline, EMBED], { inMeta: true });
  const rows = footer.rowCounts.map(([name, n]) => `${name} ${n.toLocaleString("en-US")}`).join(", ");
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>${title} · Nike Data Workbench</title>
<link rel="icon" href="data:,">
<style>${raw(STYLE)}</style>
${head}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><strong>Nike Data Workbench</strong>
<nav aria-label="Reports">${nav.map((n) => (n.id === current ? html`<a href="${n.href}" aria-current="page">${n.title}</a>` : html`<a href="${n.href}">${n.title}</a>`))}</nav></header>
<main id="main">
${current === "index" && footer.alerts?.length ? alertsSection(footer.alerts) : ""}${filters ? filterBar : ""}${body}
</main>
<footer>
<p>Data as of <strong>${footer.dataAsOf}</strong> (latest workout in the warehouse)${footer.lastEtlRun ? html`; last ETL run published ${footer.lastEtlRun}` : ""}. Read from the ${footer.source}.</p>
<p>Rows: ${rows}.</p>
<p>Rebuilt ${footer.generatedAt} by <code>${footer.command}</code>.</p>
</footer>
<script type="application/json" id="chart-specs">${raw(scriptJson(specs))}</script>
<script>${raw(EMBED)}</script>
${filters ? html`<script type="application/json" id="filter-page">${raw(scriptJson(filters.declaration))}</script>
<script src="${filters.dataFile}"></script>
<script src="${filters.script}"></script>
` : ""}</body>
</html>
`.toString();
}

export function insightBody(insight: Insight, mode: PageMode): Html {
  return html`<h1>${insight.title}</h1>
<p class="question">${insight.question}</p>
${cards(insight.headline)}
<section class="narrative" aria-label="Summary"><ul>${insight.narrative.map((n) => html`<li>${n}</li>`)}</ul></section>
${insight.charts.map((chart) => figure(insight, chart, mode))}
<section>${table(insight.table.caption, insight.table.rows)}</section>`;
}

/** The summary: headline figures, then each insight's lead; `findingsHref` links the findings as JSON (the site has that file). */
export function summaryBody(headline: Array<{ label: string; value: string }>, insights: Insight[], nav: NavItem[], mode: PageMode, findingsHref?: string): Html {
  return html`<h1>Executive summary</h1>
<p class="question">Who trains, where, when and how, and what sells when: the six insights at a glance.</p>
${cards(headline)}
${findingsHref ? html`<p>Every insight's findings as data: <a href="${findingsHref}" type="application/json">${findingsHref}</a> (its fields are described in the README).</p>` : ""}
${insights.map(
  (insight) => html`<section aria-labelledby="h-${insight.id}"><h2 id="h-${insight.id}"><a href="${nav.find((n) => n.id === insight.id)?.href ?? "#"}">${insight.title}</a></h2>
<p class="lead">${insight.narrative[0] ?? ""}</p>
${figure(insight, insight.charts[0], mode)}</section>`,
)}`;
}

/** The single file's body: the summary, then every insight in its own article, divided by rules. */
export function singleFileBody(headline: Array<{ label: string; value: string }>, insights: Insight[], nav: NavItem[], mode: PageMode): Html {
  return html`${summaryBody(headline, [], nav, mode)}${insights.map((insight) => html`\n<hr>\n<article id="${insight.id}">${insightBody(insight, mode)}</article>`)}`;
}
