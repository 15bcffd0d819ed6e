/**
 * @module The report pages' filters at a scale: each filtered page of a built site (the summary and the
 * six insight pages) opened from file:// in headless Chromium, its filter changed again and again; the
 * redraw time each change takes (from the hash changing to the last chart drawn, as `filters.js`
 * measures it) and what the page weighs with everything it loads (its HTML, scripts and data file).
 * Issue 14: ≤ 150 ms and ≤ 5 MB at `medium`.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { launchBrowser } from "../test-support/browser.ts";

/** The changes timed on each page, in turn: each filter alone, combined, and back to none (on Sales and seasons the activity picks a product line). */
const CHANGES = ["#state=CA", "#activity=running", "#dates=90d", "#age=25-34", "#dates=ytd&state=TX&activity=yoga", "#dates=30d", ""];
/** Rounds of the changes per page (the first round warms the page up and is not counted). */
const ROUNDS = 3;

/** The bytes a page loads from its folder: the HTML and every `<script src>`. */
async function pageWeight(file: string): Promise<number> {
  const html = await readFile(file, "utf8");
  const sources = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => join(dirname(file), m[1]));
  const sizes = await Promise.all([file, ...sources].map(async (f) => (await stat(f)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function filtersBench(site: string, report: (figure: string, value: string, target: string) => void, scale: string): Promise<void> {
  const pages = (await readdir(site)).filter((f) => f.endsWith(".html")).map((f) => f.slice(0, -".html".length));
  const browser = await launchBrowser();
  try {
    for (const id of pages) {
      const file = join(site, `${id}.html`);
      if (!(await readFile(file, "utf8")).includes('id="filter-page"')) continue;
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => document.documentElement.dataset.redrawMs, null, { timeout: 120_000 });
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const hash of CHANGES) {
          const ms = await page.evaluate(async (h) => {
            const drawn = new Promise((resolve) => document.addEventListener("nike:filtered", resolve, { once: true }));
            location.hash = h || "#";
            await drawn;
            return Number(document.documentElement.dataset.redrawMs);
          }, hash);
          if (round > 0) times.push(ms);
        }
      }
      await page.close();
      report(`filters ${scale}: ${id}.html, redraw after a filter change (median of ${times.length}, max ${Math.max(...times).toFixed(0)} ms)`, `${median(times).toFixed(0)} ms`, "target ≤ 150 ms at medium");
      report(`filters ${scale}: ${id}.html, the page with its scripts and data`, `${((await pageWeight(file)) / 1e6).toFixed(2)} MB`, "target ≤ 5 MB at medium");
    }
  } finally {
    await browser.close();
  }
}
