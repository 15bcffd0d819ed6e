/**
 * @module Each filtered page's data file (`data/filters-<page>.js`): the cubes its declaration names,
 * packed, and the source of the insight functions the browser runs again on filtered rows.
 *
 * Why cubes in a script file: the pages must filter offline from file://, where a page can fetch
 * nothing, and a script beside the page loads there as over HTTP (DuckDB-WASM would need a server
 * for its worker and weigh more than the data). Pre-aggregation keeps a page under 5 MB at medium
 * scale (about 2.7 million workouts): the cubes hold one cell per profile, period and activity (per
 * weekday and hour only on the pages that chart hours), and active users come from a cube of who
 * trained when, so that a user counts once however many cells they fall in; the Sales and seasons page
 * adds units and revenue by customer profile, period and product line.
 */
import type { Cubes } from "../../warehouse/insights/cubes.ts";
import { monthIndex } from "../../warehouse/insights/sales-and-seasons.ts";
import { highSeason, seasonalIndex } from "../../warehouse/insights/seasonal-trends.ts";
import type { CubeName, FilterPage } from "./declarations.ts";
import { packCube, type PackedCube } from "./pack.ts";

/** The data file of the page `id`, relative to the site. */
export const filterDataFile = (id: string) => `data/filters-${id}.js`;

/** Packs each cube once, however many pages load it. */
export function cubePacker(cubes: Cubes): (name: CubeName) => PackedCube {
  const packed = new Map<CubeName, PackedCube>();
  return (name) => {
    if (!packed.has(name)) packed.set(name, packCube(cubes[name]));
    return packed.get(name) as PackedCube;
  };
}

/** The data file's script: the filterable data and the functions `filters.js` calls by name. */
export function filterDataScript(cubes: Cubes, page: FilterPage, pack: (name: CubeName) => PackedCube): string {
  const { firstDate, lastDate, periods, outsideMonths, dims, profiles } = cubes;
  const data = { firstDate, lastDate, periods, outsideMonths, dims, profiles, cubes: Object.fromEntries(page.cubes.map((name) => [name, pack(name)])) };
  return `window.NIKE_FILTER_DATA = ${JSON.stringify(data)};
window.NIKE_FILTER_FUNCTIONS = (function () {
  var __name = function (target) { return target; }; // esbuild's keepNames helper, which the functions' source calls under tsx
  return { seasonalIndex: (${seasonalIndex.toString()}), highSeason: (${highSeason.toString()}), monthIndex: (${monthIndex.toString()}) };
})();
`;
}
