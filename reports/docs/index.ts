/**
 * @module `nike docs` (and `nike report`, into the site's `docs/`): the data docs as static pages,
 * an index and one page per table, plus the lineage graph as `lineage.svg`. Built in a temporary
 * folder and swapped in whole, as the site is.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Config } from "../../lib/config.ts";
import { swapFolder } from "../../lib/files.ts";
import { collectDocs, type DocsCatalog } from "./catalog.ts";
import { lineageOf, lineageSvg } from "./lineage.ts";
import { indexPage, tablePage } from "./pages.ts";

/** The docs' folder inside the report site. */
export const DOCS_DIR = "docs";

/** Writes the docs' files into `dir` (which must exist); returns the pages written. */
export async function writeDocsFiles(catalog: DocsCatalog, dir: string): Promise<string[]> {
  const lineage = lineageOf(catalog);
  await writeFile(join(dir, "index.html"), indexPage(catalog, lineage));
  await writeFile(join(dir, "lineage.svg"), `<?xml version="1.0" encoding="UTF-8"?>\n${lineageSvg(lineage, { standalone: true })}\n`);
  for (const table of catalog.tables) await writeFile(join(dir, `${table.name}.html`), tablePage(catalog, table));
  return ["index.html", ...catalog.tables.map((t) => `${t.name}.html`)];
}

/** Gathers the docs and writes them into `outDir` (replacing it); returns the path of its index.html and the catalog shown. */
export async function buildDocs(config: Config, outDir: string, now: Date = new Date()): Promise<{ index: string; catalog: DocsCatalog }> {
  const catalog = await collectDocs(config, now);
  const out = resolve(outDir);
  const work = join(dirname(out), `.${basename(out)}.building-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  try {
    await mkdir(work, { recursive: true });
    await writeDocsFiles(catalog, work);
    await mkdir(dirname(out), { recursive: true });
    await swapFolder(work, out);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  return { index: join(out, "index.html"), catalog };
}
