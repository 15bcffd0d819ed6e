/**
 * @module `nike report`: the insights as a static site (or one file, or a PDF), the segment write-back,
 * and the e-mail digest; or, with `--json`, only the findings as JSON (nothing written).
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { chromiumPath, requireChromium } from "../lib/chromium.ts";
import { loadConfig, type Config } from "../lib/config.ts";
import { UserError } from "../lib/errors.ts";
import { sendMail } from "../lib/mail.ts";
import { log } from "../lib/progress.ts";
import { firingAlerts, type FiringAlert } from "../warehouse/alerts/events.ts";
import { recentRuns } from "../warehouse/ledger.ts";
import { connectMysql } from "../stores/mysql.ts";
import { readFilterCubes } from "../warehouse/insights/cubes.ts";
import { runInsights, type InsightsRun } from "../warehouse/insights/index.ts";
import { publishSegments } from "../warehouse/insights/publish-segments.ts";
import { digest } from "../reports/digest.ts";
import { filterHash } from "../reports/filters/url.ts";
import { insightsJson } from "../reports/insights-json.ts";
import { collectDocs } from "../reports/docs/catalog.ts";
import { presentInsights, type InsightsReport } from "../reports/insights/index.ts";
import { parsePaper, PRINTING, writePdf } from "../reports/pdf.ts";
import { FINDINGS_FILE, writeSingleFile, writeSite, type ReportFacts } from "../reports/site.ts";

/** The site's default home: `reports/site/` in this checkout, whatever the working directory. */
export const DEFAULT_SITE_DIR = new URL("../reports/site/", import.meta.url).pathname;

export type ReportOptions = { out?: string; singleFile?: string | boolean; pdf?: string | boolean; paper?: string; email?: string; siteUrl?: string; filter?: string; source?: string; seed?: number; json?: boolean };
/** What `nike report` made, and the run it made it from: the insights shown, or with `--json` their findings only. */
export type ReportResult<Run = InsightsReport> = { index?: string; singleFile?: string; pdf?: string; emailed?: string[]; json?: string; run: Run; seconds: number };

/** `--json` is a read: it refuses the options that write something, rather than ignore them. */
function checkJsonOptions(options: ReportOptions): void {
  const writers = ([["--out", options.out], ["--single-file", options.singleFile], ["--pdf", options.pdf], ["--paper", options.paper], ["--email", options.email], ["--site-url", options.siteUrl], ["--filter", options.filter]] as const)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  if (writers.length > 0) {
    throw new UserError(`--json prints the findings on stdout and writes nothing, so it cannot be combined with ${writers.join(", ")}; the site has the same document as data/${FINDINGS_FILE}.`);
  }
}

/** Parses `--email a@x.com,b@y.com`: every address must be valid before anything runs. */
export function parseRecipients(list: string): string[] {
  const addresses = list.split(",").map((a) => a.trim()).filter(Boolean);
  const bad = addresses.filter((a) => !z.email().safeParse(a).success);
  if (addresses.length === 0 || bad.length > 0) {
    throw new UserError(`--email needs comma-separated e-mail addresses${bad.length > 0 ? `; not valid: ${bad.join(", ")}` : ""} (for example --email ana@example.com,bo@example.com).`);
  }
  return addresses;
}

async function lastPublishedRun(config: Config): Promise<string | null> {
  const db = await connectMysql(config.mysqlUrl, 1);
  try {
    const run = (await recentRuns(db, 20)).find((r) => r.status === "complete" || r.status === "published");
    return run ? String(run.finished_at ?? run.published_at ?? run.started_at) : null;
  } catch {
    return null; // the lake can be read without the ledger
  } finally {
    await db.end();
  }
}

/** The alerts firing at their latest check, for the summary page; none when alerts have never run. */
async function currentAlerts(config: Config): Promise<FiringAlert[]> {
  const db = await connectMysql(config.mysqlUrl, 1);
  try {
    return await firingAlerts(db);
  } catch {
    return []; // no alert_state yet: no alerts to show
  } finally {
    await db.end();
  }
}

/** `nike report`: prints the site's index (or the single file and the PDF, a line each, or the JSON) on stdout. */
export async function reportCommand(options: ReportOptions): Promise<void> {
  const result = await report(options);
  log(`report: ${result.json ? "computed" : "built"} in ${result.seconds.toFixed(1)} s`);
  process.stdout.write(result.json ?? [result.index, result.singleFile, result.pdf].filter(Boolean).map((f) => `${f}\n`).join(""));
}

export function report(options: ReportOptions & { json?: false }, argv?: string[], config?: Config): Promise<ReportResult>;
export function report(options: ReportOptions, argv?: string[], config?: Config): Promise<ReportResult<InsightsRun | InsightsReport>>;
export async function report(options: ReportOptions, argv: string[] = process.argv.slice(2), config: Config = loadConfig()): Promise<ReportResult<InsightsRun | InsightsReport>> {
  const started = performance.now();
  const source = options.source ?? "lake";
  if (source !== "lake" && source !== "mysql") throw new UserError(`--source must be lake or mysql, not "${source}".`);
  if (options.json) checkJsonOptions(options);
  if (options.paper !== undefined && !options.pdf) throw new UserError("--paper sets the PDF's page size: use it with --pdf.");
  const paper = options.pdf ? parsePaper(options.paper ?? "a4") : undefined;
  const chromium = options.pdf ? requireChromium(chromiumPath(), PRINTING) : undefined;
  const recipients = options.email ? parseRecipients(options.email) : undefined;
  if (options.filter !== undefined && !recipients) throw new UserError("--filter sets the filter the digest's links open the pages with: use it with --email.");
  const filter = options.filter === undefined ? "" : filterHash(options.filter);
  const out = resolve(options.out ?? DEFAULT_SITE_DIR);

  const computed = await runInsights(config, { source, seed: options.seed });
  if (options.json) return { run: computed, json: insightsJson(computed), seconds: (performance.now() - started) / 1000 };
  const written = await publishSegments(config, computed.segments.findings, computed.hours.findings);
  const run = presentInsights(computed);
  log(`report: ${written.toLocaleString("en-US")} user segment labels written to user_segment (MySQL and lake)`);
  const facts: ReportFacts = {
    dataAsOf: run.overview.latestWorkout,
    lastEtlRun: await lastPublishedRun(config),
    rowCounts: [
      ["workouts", run.overview.workouts],
      ["active users", run.overview.activeUsers],
      ["rows read by the insights", run.all.reduce((s, i) => s + i.rowsRead, 0)],
      ["segment labels written", written],
    ],
    command: `nike ${argv.join(" ")}`.trim(),
    alerts: await currentAlerts(config),
  };

  const result: ReportResult = { run, seconds: 0 };
  if (options.singleFile) {
    const file = typeof options.singleFile === "string" ? options.singleFile : join(out, "..", "nike-insights.html");
    result.singleFile = await writeSingleFile(run, facts, file);
  }
  if (options.pdf) {
    const file = typeof options.pdf === "string" ? options.pdf : join(out, "..", "nike-insights.pdf");
    result.pdf = await writePdf(run, facts, file, { paper, chromium });
  }
  if (!options.singleFile && !options.pdf) {
    const cubes = await readFilterCubes(config, source, computed.overview, computed.segments.findings);
    result.index = (await writeSite(run, facts, out, await collectDocs(config), cubes)).index;
  }
  if (recipients) {
    const siteUrl = options.siteUrl ?? pathToFileURL(`${out}/`).href;
    const delivery = await sendMail(config, await digest(run, { to: recipients, siteUrl, dataAsOf: facts.dataAsOf, filter }));
    log(`report: digest ${delivery.via === "smtp" ? "sent by SMTP" : `written to ${delivery.file}`} for ${recipients.join(", ")}`);
    result.emailed = recipients;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
