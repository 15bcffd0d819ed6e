/** @module Headless Chromium (Debian's `chromium`) through playwright-core, for the browser tests. */
import type { Browser, Page } from "playwright-core";
import { chromiumPath, launchChromium } from "../lib/chromium.ts";

export const CHROMIUM = chromiumPath();

/** Launches Chromium (playwright gives it a fresh profile) with the flags an offline machine needs; a missing browser is a clear error. */
export const launchBrowser = (): Promise<Browser> => launchChromium("the browser tests", CHROMIUM);

/** Collects console errors, page errors, failed requests and HTTP errors on a page, to assert there are none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

/** Opens a report page, waits until every chart has drawn marks, saves a screenshot; returns chart and mark counts and any problems. */
export async function visitReportPage(browser: Browser, url: string, screenshot: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchProblems(page);
  try {
    await page.goto(url);
    const charts = await page.locator(".chart").count();
    await page.waitForFunction(
      () => [...document.querySelectorAll(".chart")].every((c) => c.querySelectorAll("svg .role-mark path, svg .role-mark line, svg .role-mark rect").length > 0),
      null,
      { timeout: 30_000 },
    );
    const marks = await page.evaluate(() => [...document.querySelectorAll(".chart")].map((c) => c.querySelectorAll("svg .role-mark *").length));
    await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, marks, problems };
  } finally {
    await page.close();
  }
}
