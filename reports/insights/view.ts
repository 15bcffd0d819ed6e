/**
 * @module How an insight is shown: what it says (headline, narrative, table), made from its findings
 * alone, and what it draws (Vega-Lite charts), made from the findings and the rows only the charts
 * show. The JSON document needs only the first; pages, the digest and notebooks use both.
 */
import type { Computed, Overview } from "../../warehouse/insights/insight.ts";
import type { Row } from "../../warehouse/insights/source.ts";

/** A Vega-Lite spec (kept loose: the specs are plain JSON handed to vega-lite and vega-embed). */
export type VegaLiteSpec = Record<string, unknown>;

export type Chart = {
  id: string;
  title: string;
  /** The spec with its rows inline as the dataset named CHART_ROWS, except shared files such as map shapes (`data.url`). */
  spec: VegaLiteSpec;
  /** The rows the chart shows: offered as CSV beside the chart. */
  data: Row[];
};

export type Headline = { label: string; value: string };

/** What an insight says: every figure in it comes from the findings. */
export type Summary = { headline: Headline[]; narrative: string[]; table: { caption: string; rows: Row[] } };

/** An insight as the pages, the digest and the notebooks show it, with the findings and row count it was made from. */
export type Insight<F = unknown> = Summary & {
  id: string;
  title: string;
  question: string;
  charts: Chart[];
  /** Rows read from the warehouse to compute the insight. */
  rowsRead: number;
  /** The insight's conclusions as data (what the narrative states), for other insights, the app and tests. */
  findings: F;
};

/** How one insight is shown. */
export type View<C extends Computed<unknown>> = {
  id: string;
  title: string;
  question: string;
  /** What the insight says, from its findings (and the warehouse at a glance) only: the JSON document holds all it needs. */
  summary(findings: C["findings"], overview: Overview): Summary;
  /** What it draws, from the findings and the rows only the charts show. */
  charts(computed: C): Chart[];
};

/** An insight's computed result, shown. */
export function present<C extends Computed<unknown>>(view: View<C>, computed: C, overview: Overview): Insight<C["findings"]> {
  const { findings, rowsRead } = computed;
  return { id: view.id, title: view.title, question: view.question, ...view.summary(findings, overview), charts: view.charts(computed), rowsRead, findings };
}

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** The name of every chart's rows in its spec: the pages' filters replace them by this name. */
export const CHART_ROWS = "rows";

/** A chart spec with the shared defaults: schema, its rows as a named dataset, responsive width and tooltips on. */
export function chart(id: string, title: string, data: Row[], spec: VegaLiteSpec): Chart {
  return {
    id,
    title,
    data,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      title,
      width: 640,
      ...spec,
      datasets: { [CHART_ROWS]: data },
      data: spec.data ?? { name: CHART_ROWS },
      config: { font: "DejaVu Sans, Helvetica, Arial, sans-serif", view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 } },
    },
  };
}
