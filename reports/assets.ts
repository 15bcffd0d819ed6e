/** @module Files the pages need, taken from installed packages (never a CDN): the Vega runtime and the US map shapes. */
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

/** Data files the specs refer to by URL (relative to the page), and where they come from. */
export const SHARED_DATA: Record<string, () => string> = {
  "data/us-10m.json": () => join(packageDir("vega-datasets"), "data", "us-10m.json"),
};

const cache = new Map<string, unknown>();

/** A shared data file's parsed contents (read once per process). */
function sharedValue(url: string): unknown {
  if (!cache.has(url)) cache.set(url, JSON.parse(readFileSync(SHARED_DATA[url](), "utf8")));
  return cache.get(url);
}

/** Every shared data file, by the URL the specs use: for pages that must not fetch (file://, single file). */
export const sharedDataValues = (): Record<string, unknown> => Object.fromEntries(Object.keys(SHARED_DATA).map((url) => [url, sharedValue(url)]));

/**
 * A spec with every shared data URL replaced by a named dataset, its values held once in the spec's
 * top-level `datasets` (the map's two layers share one copy): for single-file pages, notebooks and e-mail.
 */
export function inlineData<T extends Record<string, unknown>>(spec: T): T {
  const datasets: Record<string, unknown> = { ...((spec.datasets as Record<string, unknown>) ?? {}) };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const object = node as Record<string, unknown>;
    if (typeof object.url === "string" && SHARED_DATA[object.url]) {
      const url = object.url;
      datasets[url] = sharedValue(url);
      const { url: _url, ...rest } = object;
      return { ...rest, name: url };
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, walk(v)]));
  };
  const inlined = walk(spec) as T;
  return Object.keys(datasets).length > 0 ? { ...inlined, datasets } : inlined;
}
