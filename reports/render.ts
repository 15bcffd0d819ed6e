/** @module Charts rendered on the server: Vega-Lite → Vega → SVG (vega's headless view), SVG → PNG (resvg). */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { VegaLiteSpec } from "./insights/view.ts";
import { inlineData } from "./assets.ts";

export async function chartSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = compile(inlineData(spec) as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at twice the SVG's size, for slides and e-mail. */
export function svgToPng(svg: string, scale = 2): Buffer {
  return new Resvg(svg, { fitTo: { mode: "zoom", value: scale }, background: "white", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
}
