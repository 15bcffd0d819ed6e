/**
 * @module Display helpers for the Deno notebooks: a chart as an inline Vega-Lite output, and rows as
 * an HTML table. Outside a Jupyter kernel they print a short text summary instead.
 */
import type { Chart } from "./insights/view.ts";
import type { Row } from "../warehouse/insights/source.ts";
import { inlineData } from "./assets.ts";
import { escapeHtml } from "../lib/html.ts";

type Jupyter = { display(bundle: Record<string, unknown>, options: { raw: boolean }): Promise<void> };
const jupyter = (): Jupyter | undefined => (globalThis as { Deno?: { jupyter?: Jupyter } }).Deno?.jupyter;

/** Shows a chart inline; the map shapes are inlined so that the notebook needs no file server. */
export async function showChart(chart: Chart): Promise<void> {
  // JupyterLab and VS Code render the v5 MIME type; these specs use nothing v6-only.
  const spec = { ...inlineData(chart.spec), $schema: "https://vega.github.io/schema/vega-lite/v5.json" };
  const kernel = jupyter();
  if (kernel) await kernel.display({ "application/vnd.vegalite.v5+json": spec, "text/plain": chart.title }, { raw: true });
  else console.log(`[chart] ${chart.title} (${chart.data.length} rows)`);
}

/** Shows the first `limit` rows as a table. */
export async function showTable(rows: Row[], limit = 20): Promise<void> {
  const shown = rows.slice(0, limit);
  const columns = shown.length > 0 ? Object.keys(shown[0]) : [];
  const html = `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${shown
    .map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(String(r[c] ?? ""))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>${rows.length > limit ? `<p>${limit} of ${rows.length} rows</p>` : ""}`;
  const text = [columns.join("\t"), ...shown.map((r) => columns.map((c) => String(r[c] ?? "")).join("\t"))].join("\n");
  const kernel = jupyter();
  if (kernel) await kernel.display({ "text/html": html, "text/plain": text }, { raw: true });
  else console.log(text);
}

/** Shows an insight's narrative as Markdown. */
export async function showNarrative(lines: string[]): Promise<void> {
  const markdown = lines.map((l) => `- ${l}`).join("\n");
  const kernel = jupyter();
  if (kernel) await kernel.display({ "text/markdown": markdown, "text/plain": markdown }, { raw: true });
  else console.log(markdown);
}
