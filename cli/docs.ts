/** @module `nike docs`: the data docs alone (`nike report` also builds them into the site), written to `reports/site/docs/` or `--out`. */
import { join, resolve } from "node:path";
import { loadConfig } from "../lib/config.ts";
import { log } from "../lib/progress.ts";
import { buildDocs, DOCS_DIR } from "../reports/docs/index.ts";
import { DEFAULT_SITE_DIR } from "./report.ts";

export type DocsOptions = { out?: string };

export async function docsCommand(options: DocsOptions): Promise<void> {
  const started = performance.now();
  const { index, catalog } = await buildDocs(loadConfig(), resolve(options.out ?? join(DEFAULT_SITE_DIR, DOCS_DIR)));
  log(`docs: ${catalog.tables.length} tables, ${catalog.runs.length} recent runs, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`${index}\n`);
}
