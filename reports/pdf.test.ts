/** `nike report --pdf` on tiny data, read back with poppler-utils: page size, pages, text on every page, vector charts; and without Chromium. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, type ReportResult } from "../cli/report.ts";
import { UserError } from "../lib/errors.ts";
import type { World } from "../test-support/world.ts";
import { publishedWorld } from "../test-support/published-world.ts";
import { chartSvg } from "./render.ts";

const run = promisify(execFile);
const SCREENSHOTS = new URL("./screenshots/", import.meta.url).pathname;

let world: World;
let a4: ReportResult;
let letter: ReportResult;

beforeAll(async () => {
  world = await publishedWorld(8, "tiny");
  await mkdir(SCREENSHOTS, { recursive: true });
  const a4File = join(world.dataDir, "out", "insights-a4.pdf");
  a4 = await report({ pdf: a4File }, ["report", "--pdf", a4File], world.config);
  const letterFile = join(world.dataDir, "out", "insights-letter.pdf");
  letter = await report({ pdf: letterFile, paper: "letter" }, ["report", "--pdf", letterFile, "--paper", "letter"], world.config);
});
afterAll(async () => {
  await world?.dispose();
});

/** pdfinfo's fields, by name. */
async function info(file: string): Promise<Record<string, string>> {
  const { stdout } = await run("pdfinfo", [file]);
  return Object.fromEntries(stdout.split("\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
}

/** Each page's text (pdftotext separates pages by form feeds), whitespace folded. */
async function pagesText(file: string): Promise<string[]> {
  const { stdout } = await run("pdftotext", [file, "-"], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split("\f").slice(0, -1).map((p) => p.replace(/\s+/g, " ").trim());
}

const fold = (s: string) => s.replace(/\s+/g, " ").trim();

describe("nike report --pdf", () => {
  it.each([
    ["A4", () => a4, 595, 842],
    ["Letter", () => letter, 612, 792],
  ] as const)("prints %s pages: the summary, then each insight on pages of its own", async (name, result, width, height) => {
    const file = result().pdf!;
    const fields = await info(file);
    const [w, h] = fields["Page size"].match(/[\d.]+/g)!.map(Number);
    expect(Math.abs(w - width), fields["Page size"]).toBeLessThan(1.5);
    expect(Math.abs(h - height), fields["Page size"]).toBeLessThan(1.5);
    expect(Number(fields.Pages)).toBeGreaterThanOrEqual(6);
    expect(fields.Title).toBe("Insights report · Nike Data Workbench");
    const pages = await pagesText(file);
    expect(pages).toHaveLength(Number(fields.Pages));
    expect(pages[0]).toContain("Executive summary");
    // Each insight starts a page, in order, after the summary.
    const starts = result().run.all.map((insight) => pages.findIndex((p, i) => i > 0 && p.includes(fold(insight.question))));
    expect(starts.every((s, i) => s > 0 && (i === 0 || s > starts[i - 1])), String(starts)).toBe(true);
    await run("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", file, join(SCREENSHOTS, `pdf-${name.toLowerCase()}`)]);
    expect(existsSync(join(SCREENSHOTS, `pdf-${name.toLowerCase()}.png`))).toBe(true);
  });

  it("holds the summary's and every insight's title and headline figures as the site shows them", async () => {
    const text = (await pagesText(a4.pdf!)).join(" ");
    expect(text).toContain("Insights report");
    for (const insight of a4.run.all) {
      expect(text).toContain(fold(insight.title));
      expect(text, insight.id).toContain(fold(insight.headline[0].value));
      expect(text, insight.id).toContain(fold(insight.narrative[0]).slice(0, 60));
    }
    expect(text).toContain(a4.run.overview.workouts.toLocaleString("en-US"));
  });

  it("carries the data's as-of line and its page number on every page", async () => {
    for (const result of [a4, letter]) {
      const pages = await pagesText(result.pdf!);
      const asOf = `Data as of ${result.run.overview.latestWorkout} (latest workout in the warehouse)`;
      expect(pages.join(" ").split(asOf).length - 1, "as-of lines").toBe(pages.length + 1); // one per page, and the cover's
      pages.forEach((p, i) => {
        expect(p, `page ${i + 1}`).toContain(asOf);
        expect(p, `page ${i + 1}`).toContain(`Page ${i + 1} of ${pages.length}`);
      });
    }
  });

  it("draws the charts as vectors: no raster image, and the charts' axis and legend text is text", async () => {
    const { stdout } = await run("pdfimages", ["-list", a4.pdf!]);
    expect(stdout.trim().split("\n").slice(2), "raster images").toEqual([]);
    const text = (await pagesText(a4.pdf!)).join(" ");
    for (const insight of a4.run.all) {
      for (const chart of insight.charts) {
        const labels = [...(await chartSvg(chart.spec)).matchAll(/<text[^>]*>([^<]{4,})<\/text>/g)].map((m) => fold(m[1]));
        expect(labels.length, chart.id).toBeGreaterThan(0);
        expect(labels.some((l) => text.includes(l) && !fold(chart.title).includes(l)), `${insight.id}-${chart.id}: ${labels.slice(0, 5).join(" | ")}`).toBe(true);
      }
    }
  });

  it("without Chromium, says how to install it and writes nothing, before computing anything", async () => {
    const file = join(world.dataDir, "out", "never.pdf");
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = join(world.dataDir, "no-such-chromium");
    const started = performance.now();
    try {
      const error = await report({ pdf: file }, ["report", "--pdf", file], world.config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/Chromium is needed for printing the PDF report .*no-such-chromium.*apt-get install chromium.*CHROMIUM_PATH/);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it("refuses --pdf with --json, and --paper without --pdf or with an unknown size", async () => {
    await expect(report({ json: true, pdf: true }, ["report"], world.config)).rejects.toThrow(/cannot be combined with --pdf/);
    await expect(report({ paper: "letter" }, ["report"], world.config)).rejects.toThrow(/--paper sets the PDF's page size: use it with --pdf/);
    await expect(report({ pdf: join(world.dataDir, "out", "x.pdf"), paper: "a3" }, ["report"], world.config)).rejects.toThrow(/--paper must be a4 or letter, not "a3"/);
  });
});
