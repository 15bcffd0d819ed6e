/**
 * @module The data docs' HTML: an index (lineage graph, freshness, ETL runs, every table, the
 * sources, seeds and insights) and a page per table (description, grain, columns, row counts,
 * example query, Hive DDL, checks with the latest run's results, the model's SQL). The pages carry
 * no script, so their policy admits none.
 */
import { contentSecurityPolicy } from "../../lib/content-security.ts";
import { html, raw, type Html } from "../../lib/html.ts";
import { humanAge, type SourceFreshness } from "../../warehouse/freshness.ts";
import type { Columns } from "../../warehouse/models/spec.ts";
import type { DocsCatalog, RunDoc, TableDoc } from "./catalog.ts";
import { hrefOf, KIND_LABELS, lineageSvg, type Lineage } from "./lineage.ts";

const STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #f9fafb; }
a { color: #9a3412; }
header { background: #111827; color: white; padding: .75rem 1rem; }
header strong { margin-right: 1rem; } header nav a { color: #fed7aa; margin-right: .9rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { margin: .5rem 0 0; } h2 { margin-top: 2rem; } .lead { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: white; font-size: .9rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #111827; color: #f9fafb; padding: .75rem; border-radius: 6px; overflow-x: auto; font-size: .85rem; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; }
.graph { background: white; border: 1px solid var(--line); border-radius: 8px; padding: .5rem; overflow-x: auto; }
.status { font-weight: 600; padding: 0 .4rem; border-radius: 4px; }
.status-pass, .status-complete { background: #dcfce7; color: #166534; } .status-warn { background: #fef9c3; color: #854d0e; }
.status-error, .status-failed { background: #fee2e2; color: #991b1b; } .status-never-loaded, .status-not-run, .status-running, .status-published { background: #f3f4f6; color: #374151; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
section.item { background: white; border: 1px solid var(--line); border-radius: 8px; padding: .25rem 1rem; margin: 1rem 0; }
footer { max-width: 1200px; margin: 2rem auto; padding: 1rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
`;

const int = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString("en-US"));
const status = (s: string) => html`<span class="status status-${s.replaceAll(" ", "-")}">${s}</span>`;
/** A model's grain: the first sentence of its description. */
export const grainOf = (description: string) => description.split(/(?<=\.)\s/)[0];

function page(title: string, body: Html, catalog: DocsCatalog): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy([], { inMeta: true })}">
<title>${title} · Data docs · Nike Data Workbench</title>
<link rel="icon" href="data:,">
<style>${raw(STYLE)}</style>
</head>
<body>
<header><strong>Nike Data Workbench</strong>
<nav aria-label="Docs"><a href="../index.html">Report</a><a href="index.html">Data docs</a></nav></header>
<main id="main">
${body}
</main>
<footer><p>Built ${catalog.generatedAt} from warehouse/models/, the MySQL star schema and ledger, and the lake (<code>nike docs</code>, or <code>nike report</code> with the site).</p></footer>
</body>
</html>
`.toString();
}

function columnsTable(columns: Columns): Html {
  return html`<table class="columns"><thead><tr><th scope="col">column</th><th scope="col">type</th><th scope="col">description</th></tr></thead>
<tbody>${Object.entries(columns).map(([name, c]) => html`<tr><td><code>${name}</code></td><td><code>${c.type}</code></td><td>${c.description}</td></tr>`)}</tbody></table>`;
}

export function freshnessTable(freshness: SourceFreshness[]): Html {
  return html`<table class="freshness"><thead><tr><th scope="col">source</th><th scope="col">status</th><th scope="col">newest loaded record</th><th scope="col">age</th><th scope="col">warn after</th><th scope="col">error after</th></tr></thead>
<tbody>${freshness.map((f) => html`<tr data-source="${f.source}"><td>${f.source}</td><td>${status(f.status)}</td><td>${f.newestLoaded ?? "—"}</td><td>${f.ageMs === null ? "—" : humanAge(f.ageMs)}</td><td>${humanAge(f.warnAfterMs)}</td><td>${humanAge(f.errorAfterMs)}</td></tr>`)}</tbody></table>`;
}

function runsTable(runs: RunDoc[]): Html {
  if (runs.length === 0) return html`<p>No ETL run yet: run <code>nike etl</code>.</p>`;
  return html`<table class="runs"><thead><tr><th scope="col">run</th><th scope="col">mode</th><th scope="col">status</th><th scope="col">started (UTC)</th><th scope="col">duration</th><th scope="col">rows published</th><th scope="col">quarantined</th><th scope="col">checks passed</th><th scope="col">error</th></tr></thead>
<tbody>${runs.map((r) => html`<tr data-run="${r.runId}"><td><code>${r.runId}</code></td><td>${r.mode}</td><td>${status(r.status)}</td><td>${r.startedAt}</td><td class="num">${r.seconds === null ? "—" : `${r.seconds.toFixed(1)} s`}</td><td class="num">${int(r.rows)}</td><td class="num">${int(r.quarantined)}</td><td class="num">${int(r.checksPassed)}</td><td>${r.error ?? ""}</td></tr>`)}</tbody></table>`;
}

const tableLink = (t: TableDoc) => html`<a href="${hrefOf(t.kind, t.name)}">${t.name}</a>`;

export function indexPage(catalog: DocsCatalog, lineage: Lineage): string {
  const body = html`<h1>Data docs</h1>
<p class="lead">What the warehouse holds and where it comes from: read this before writing a query. Every table of the star schema (MySQL) and the lake (Parquet, also readable by Hive, Spark and Trino), how each is made, checked and how fresh it is.</p>
<h2 id="lineage">Lineage</h2>
<p>Staged sources and seeds → staging models → marts → insights → the tables the report writes back. Each box links to its model's SQL and checks. <a href="lineage.svg">The graph as SVG</a>.</p>
<div class="graph">${lineageSvg(lineage)}</div>
<h2 id="freshness">Source freshness</h2>
<p>The age of each source's newest loaded record (its watermark) at ${catalog.generatedAt}, against its thresholds, as <code>nike etl --status</code> shows it.</p>
${freshnessTable(catalog.freshness)}
<h2 id="runs">ETL runs (newest first)</h2>
${runsTable(catalog.runs)}
<h2 id="tables">Tables</h2>
<table class="tables"><thead><tr><th scope="col">table</th><th scope="col">kind</th><th scope="col">grain</th><th scope="col">rows (MySQL)</th><th scope="col">rows (lake)</th></tr></thead>
<tbody>${catalog.tables.map((t) => html`<tr data-table="${t.name}"><td>${tableLink(t)}</td><td>${KIND_LABELS[t.kind]}</td><td>${grainOf(t.description)}</td><td class="num">${t.rows ? int(t.rows.mysql) : "—"}</td><td class="num">${t.rows ? int(t.rows.lake) : "—"}</td></tr>`)}</tbody></table>
<p>Staging models are computed within each ETL run and stored nowhere; <code>user_segment</code> and <code>segment_profile</code> are written by <code>nike report</code>.</p>
<h2 id="sources">Staged sources</h2>
${catalog.sources.map((s) => {
  // The users source is extracted past two watermarks: the users' own changes and their memberships'.
  const freshness = catalog.freshness.filter((f) => f.source === s.name || (s.name === "users" && f.source === "memberships"));
  return html`<section class="item" id="source-${s.name}"><h3><code>${s.name}</code></h3><p>${s.description}</p>
${freshness.length ? freshnessTable(freshness) : html`<p>No watermark: read whole on every run, so always as fresh as the last run.</p>`}
${columnsTable(s.columns)}</section>`;
})}
<h2 id="seeds">Seeds</h2>
${catalog.seeds.map((s) => html`<section class="item" id="seed-${s.name}"><h3><code>${s.name}</code></h3><p>${s.description} ${int(s.rows)} rows.</p>${columnsTable(s.columns)}</section>`)}
<h2 id="insights">Insights</h2>
${catalog.insights.map((i) => html`<section class="item" id="insight-${i.id}"><h3>${i.title}</h3><p>${i.question}</p>
<p>Reads ${i.marts.map((m, n) => html`${n ? ", " : ""}<a href="${m}.html"><code>${m}</code></a>`)}${i.insights.length ? html`; takes the findings of ${i.insights.map((id, n) => html`${n ? ", " : ""}<a href="#insight-${id}">${catalog.insights.find((x) => x.id === id)?.title ?? id}</a>`)}` : ""}. <a href="../${i.id}.html">The insight's report page</a>.</p></section>`)}`;
  return page("Data docs", body, catalog);
}

export function tablePage(catalog: DocsCatalog, table: TableDoc): string {
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  const upstream = table.reads.flatMap((r) =>
    r.kind === "source" ? [html`<a href="${hrefOf("source", r.name)}">source ${r.name}</a>`]
    : r.kind === "ref" && byName.has(r.name) ? [tableLink(byName.get(r.name)!)]
    : r.kind === "ref" ? [html`<a href="${hrefOf("seed", r.name)}">seed ${r.name}</a>`]
    : [html`its own earlier rows (<code>{{ this }}</code>)`]);
  const downstream = [
    ...catalog.tables.filter((t) => t.reads.some((r) => r.kind === "ref" && r.name === table.name)).map(tableLink),
    ...(table.kind === "write-back" ? [] : table.insights.map((id) => html`<a href="${hrefOf("insight", id)}">${catalog.insights.find((i) => i.id === id)?.title ?? id}</a>`)),
  ];
  const list = (items: Html[]) => (items.length ? items.map((item, i) => html`${i ? ", " : ""}${item}`) : "—");
  const checked = catalog.checkedRun;
  const body = html`<h1><code>${table.name}</code></h1>
<p class="lead">${KIND_LABELS[table.kind]}${table.file ? html` · <code>${table.file}</code>` : ""}</p>
<p>${table.description}</p>
<dl class="facts">
<dt>Grain</dt><dd>${grainOf(table.description)}</dd>
${table.key ? html`<dt>Key</dt><dd><code>${table.key}</code></dd>` : ""}
${table.partitionBy ? html`<dt>Lake partitions</dt><dd><code>year=/month=</code> of <code>${table.partitionBy}</code></dd>` : ""}
${table.rows ? html`<dt>Rows in MySQL</dt><dd class="rows-mysql">${int(table.rows.mysql)}</dd><dt>Rows in the lake</dt><dd class="rows-lake">${int(table.rows.lake)}</dd>` : html`<dt>Rows</dt><dd>computed within each ETL run, not stored</dd>`}
<dt>Reads</dt><dd>${list(upstream)}</dd>
<dt>${table.kind === "write-back" ? "Written from" : "Read by"}</dt><dd>${table.kind === "write-back" ? list(table.insights.map((id) => html`<a href="${hrefOf("insight", id)}">${catalog.insights.find((i) => i.id === id)?.title ?? id}</a>`)) : list(downstream)}</dd>
</dl>
<h2>Columns</h2>
${columnsTable(table.columns)}
${table.example ? html`<h2>Example query</h2><p>${table.example.question} (runs as it stands on MySQL${table.hive ? " and on DuckDB over the lake" : ""}):</p><pre class="example"><code>${table.example.sql}</code></pre>` : ""}
${table.hive ? html`<h2>Hive DDL</h2><p><code>warehouse/hive/${table.name}.hql</code>:</p><pre class="hive"><code>${table.hive}</code></pre>` : ""}
${table.kind === "write-back" ? "" : html`<h2 id="checks">Checks</h2>
<p>${checked ? html`Results of run <code>${checked.runId}</code> (${checked.status}, started ${checked.startedAt}), the latest that recorded them.` : "No run has recorded check results yet."}${catalog.runs[0]?.status === "failed" ? html` The latest run failed: ${catalog.runs[0].error ?? ""}` : ""}</p>
<table class="checks"><thead><tr><th scope="col">check</th><th scope="col">result</th></tr></thead>
<tbody>${table.checks.map((c) => html`<tr><td><code>${c.check}</code></td><td>${status(c.status)}</td></tr>`)}</tbody></table>`}
${table.sql ? html`<h2 id="sql">SQL</h2><pre class="sql"><code>${table.sql}</code></pre>` : ""}`;
  return page(table.name, body, catalog);
}
