/** @module Files the pages need beside them: the Vega runtime and the US map shapes from installed packages (never a CDN), and the filter script. */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The folder of an installed package (their `exports` hide `package.json`, so walk up from the entry point). */
export function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, "package.json")) || JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the package ${name}: run npm install`);
    dir = up;
  }
  return dir;
}

/** Scripts copied into `<site>/assets/`, in load order. */
export const SCRIPTS = [
  { file: "vega.min.js", from: () => join(packageDir("vega"), "build", "vega.min.js") },
  { file: "vega-lite.min.js", from: () => join(packageDir("vega-lite"), "build", "vega-lite.min.js") },
  { file: "vega-embed.min.js", from: () => join(packageDir("vega-embed"), "build", "vega-embed.min.js") },
];

/** The pages' filter script, copied into `<site>/assets/` (site pages only: the single file and the PDF are not filtered). */
export const FILTER_SCRIPT = { file: "filters.js", from: () => new URL("./filters/filters.js", import.meta.url).pathname };

type Topology = { objects: Record<string, { geometries: Array<{ arcs: unknown }> }>; arcs: unknown[] };

/**
 * The US states' shapes: `vega-datasets`' us-10m TopoJSON with only its `states` object and the arcs
 * they use (its counties are four fifths of the file), so every page with the map loads 0.1 MB, not 0.6.
 */
function usStateShapes(): Topology {
  const topology = JSON.parse(readFileSync(join(packageDir("vega-datasets"), "data", "us-10m.json"), "utf8")) as Topology;
  const renumbered = new Map<number, number>();
  // An arc is referred to by its index, or by ~index when walked backwards.
  const renumber = (arcs: unknown): unknown => {
    if (Array.isArray(arcs)) return arcs.map(renumber);
    const i = arcs as number;
    const arc = i < 0 ? ~i : i;
    if (!renumbered.has(arc)) renumbered.set(arc, renumbered.size);
    return i < 0 ? ~(renumbered.get(arc) as number) : renumbered.get(arc);
  };
  const states = { ...topology.objects.states, geometries: topology.objects.states.geometries.map((g) => ({ ...g, arcs: renumber(g.arcs) })) };
  return { ...topology, objects: { states }, arcs: [...renumbered.keys()].map((arc) => topology.arcs[arc]) };
}

/** Data files the specs refer to by URL (relative to the page), and how each is made. */
export const SHARED_DATA: Record<string, () => unknown> = {
  "data/us-10m.json": usStateShapes,
};

const cache = new Map<string, unknown>();

/** A shared data file's contents (made once per process). */
function sharedValue(url: string): unknown {
  if (!cache.has(url)) cache.set(url, SHARED_DATA[url]());
  return cache.get(url);
}

/** Every shared data file, by the URL the specs use: for pages that must not fetch (file://, single file). */
export const sharedDataValues = (): Record<string, unknown> => Object.fromEntries(Object.keys(SHARED_DATA).map((url) => [url, sharedValue(url)]));

/**
 * A spec with every shared data URL replaced by a named dataset, its values held once in the spec's
 * top-level `datasets` (the map's two layers share one copy): for single-file pages, notebooks and e-mail.
 */
export function inlineData<T extends Record<string, unknown>>(spec: T): T {
  const shared: Record<string, unknown> = {};
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const object = node as Record<string, unknown>;
    if (typeof object.url === "string" && SHARED_DATA[object.url]) {
      const url = object.url;
      shared[url] = sharedValue(url);
      const { url: _url, ...rest } = object;
      return { ...rest, name: url };
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, walk(v)]));
  };
  // A copy throughout (the spec's own rows too): Vega stamps the rows it is given.
  const inlined = walk(spec) as T;
  return Object.keys(shared).length > 0 ? { ...inlined, datasets: { ...((inlined.datasets as Record<string, unknown>) ?? {}), ...shared } } : inlined;
}
