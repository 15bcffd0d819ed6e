/** The report's pages put every text from the insights into markup as text, and their policy admits exactly their inline scripts. */
import { describe, expect, it } from "vitest";
import { scriptHash } from "../lib/content-security.ts";
import { insightBody, page, singleFileBody, summaryBody, type Footer, type NavItem, type PageMode } from "./pages.ts";

type Insight = Parameters<typeof insightBody>[0];

const HOSTILE = `<img src=x onerror="alert(1)"> & 'co'`;
const ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;co&#39;";
const spec = { mark: "bar", data: { values: [{ state: "CO", workouts: 3 }] }, encoding: { x: { field: "state", type: "nominal" }, y: { field: "workouts", type: "quantitative" } } };
const insight: Insight = {
  id: "activity-by-location",
  title: `Activity ${HOSTILE}`,
  question: `Where ${HOSTILE}?`,
  headline: [{ label: `Label ${HOSTILE}`, value: `Value ${HOSTILE}` }],
  narrative: [`Lead ${HOSTILE}`, "Second."],
  charts: [{ id: "map", title: `Chart ${HOSTILE}`, spec, data: [{ state: HOSTILE, workouts: 3 }] }],
  table: { caption: `Caption ${HOSTILE}`, rows: [{ state_name: HOSTILE, workouts: 1234.5678, ranked: true, note: null }] },
  rowsRead: 1,
  findings: {},
};
const nav: NavItem[] = [{ id: "index", title: "Summary", href: "index.html" }, { id: insight.id, title: insight.title, href: `${insight.id}.html` }];
const footer: Footer = { dataAsOf: "2024-05-01", lastEtlRun: `2024-05-02 ${HOSTILE}`, rowCounts: [["workouts", 12345]], command: `nike report --out ${HOSTILE}`, generatedAt: "2024-05-02T06:00:00Z", source: "MySQL star schema" };
const site: PageMode = { kind: "site" };
const single: PageMode = { kind: "single", scripts: ["var vega = '</script>';"], sharedData: { "data/us-10m.json": { name: "</script>" } } };

/** What the page would run: the text between each `<script>` and `</script>`. */
const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);

describe("report pages", () => {
  it("render an insight's title, question, figures, narrative, chart titles and table as text, never as markup", () => {
    const html = page({ title: insight.title, nav, current: insight.id, body: insightBody(insight, site), charts: insight.charts.map((chart) => ({ insight, chart })), footer, mode: site, needsSharedData: false });
    expect(html).not.toContain("<img");
    for (const text of [`<h1>Activity ${ESCAPED}</h1>`, `<p class="question">Where ${ESCAPED}?</p>`, `<span class="value">Value ${ESCAPED}</span><span class="label">Label ${ESCAPED}</span>`,
      `<li>Lead ${ESCAPED}</li>`, `aria-label="Chart ${ESCAPED}"`, `<caption>Caption ${ESCAPED}</caption>`, `<td>${ESCAPED}</td>`, '<td class="num">1,234.568</td>', "<td>true</td><td></td>",
      `<title>Activity ${ESCAPED} · Nike Data Workbench</title>`, `<a href="activity-by-location.html" aria-current="page">Activity ${ESCAPED}</a>`,
      `last ETL run published 2024-05-02 ${ESCAPED}`, "Rows: workouts 12,345.", `<code>nike report --out ${ESCAPED}</code>`]) {
      expect(html).toContain(text);
    }
  });

  it("render the summary's figures and leads as text", () => {
    const html = summaryBody([{ label: `Label ${HOSTILE}`, value: "1" }], [insight], nav, site, "data/insights.json").toString();
    expect(html).not.toContain("<img");
    expect(html).toContain(`<a href="activity-by-location.html">Activity ${ESCAPED}</a></h2>\n<p class="lead">Lead ${ESCAPED}</p>`);
    expect(html).toContain('<a href="data/insights.json" type="application/json">data/insights.json</a>');
  });

  it("admit by their policy exactly the inline scripts they carry, in the single file too", () => {
    const html = page({ title: "Insights report", nav, current: "index", body: singleFileBody([], [insight], nav, single), charts: insight.charts.map((chart) => ({ insight, chart })), footer, mode: single, needsSharedData: true });
    expect(html).toContain('<hr>\n<article id="activity-by-location"><h1>');
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1].replaceAll("&#39;", "'");
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(3); // the Vega runtime, the shared data, the embedding script
    expect(policy.match(/'sha256-/g)).toHaveLength(3);
    for (const script of scripts) expect(policy).toContain(scriptHash(script));
    expect(scripts.join("")).not.toMatch(/<\/script/i);
  });
});
